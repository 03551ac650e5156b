"""mlcube_nb: an ML-monitoring platform driven from a Jupyter notebook.

The public surface: :class:`ML3PlatformClient` (the seed's client, method for method), the wire
contract's enums, models and exceptions, and the IPython extension (``%load_ext mlcube_nb``).
"""

from __future__ import annotations

from typing import Any

from mlcube_nb import enums as enums
from mlcube_nb import exceptions as exceptions
from mlcube_nb import models as models
from mlcube_nb.client import ML3PlatformClient as ML3PlatformClient
from mlcube_nb.client import RecordList as RecordList
from mlcube_nb.enums import *  # noqa: F403 - the enums are part of the public surface
from mlcube_nb.exceptions import *  # noqa: F403 - so are the exceptions
from mlcube_nb.models import *  # noqa: F403 - and the models

__version__ = "0.1.0"


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext mlcube_nb``: register the magics and the rich display of our models."""
    from mlcube_nb.notebook.extension import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext mlcube_nb``: stop the embedded platform this kernel started, if any."""
    from mlcube_nb.notebook.extension import unload_ipython_extension as _unload

    _unload(ipython)


__all__ = sorted(
    {"ML3PlatformClient", "RecordList", "enums", "exceptions", "models", "load_ipython_extension",
     "unload_ipython_extension", "__version__"}
    | set(enums.__all__)
    | set(exceptions.__all__)
    | set(models.__all__)
)
