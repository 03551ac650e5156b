"""The notebook layer: ``%load_ext mlcube_nb`` magics, widget panels, the embedded-platform launcher.

Modules: ``extension`` (load / unload), ``magics`` and ``commands/`` (one module per ``%mlcube`` subcommand),
``panels/`` (:class:`TaskPanel` and its tabs), ``launcher`` (the kernel's platform session), ``display`` and
``views`` (HTML / text tables), ``jobs_watch``, ``sample_data`` (generated data for the notebooks and demo).
The names below are imported on first use, so importing ``sample_data`` does not load ipywidgets.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TaskPanel", "connect", "launch"]


def __getattr__(name: str) -> Any:
    """``from mlcube_nb.notebook import TaskPanel, launch, connect`` without importing them up front."""
    if name == "TaskPanel":
        from mlcube_nb.notebook.panels import TaskPanel

        return TaskPanel
    if name in ("launch", "connect"):
        from mlcube_nb.notebook import launcher

        return getattr(launcher, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
