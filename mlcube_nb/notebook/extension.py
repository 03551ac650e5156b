"""``%load_ext mlcube_nb``: register the magics (configurable with ``%config MlcubeMagics``) and an HTML
display for every wire model; ``%unload_ext`` undoes both and stops the embedded platform."""

from __future__ import annotations

from typing import Any

from mlcube_nb.models import WireModel
from mlcube_nb.notebook import launcher
from mlcube_nb.notebook.display import model_html
from mlcube_nb.notebook.magics import MlcubeMagics

__all__ = ["load_ipython_extension", "unload_ipython_extension"]


def _drop_old_magics(ipython: Any) -> None:
    ipython.configurables[:] = [c for c in ipython.configurables if not isinstance(c, MlcubeMagics)]


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%mlcube_login``, ``%mlcube_jobs``, ``%mlcube`` and the rich display of our models."""
    magics = MlcubeMagics(shell=ipython)
    ipython.register_magics(magics)
    _drop_old_magics(ipython)
    ipython.configurables.append(magics)
    ipython.display_formatter.formatters["text/html"].for_type(WireModel, model_html)


def unload_ipython_extension(ipython: Any) -> None:
    """Stop the embedded platform this kernel started and forget the model display."""
    launcher.stop()
    _drop_old_magics(ipython)
    ipython.display_formatter.formatters["text/html"].pop(WireModel, None)
