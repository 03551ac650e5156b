"""Widget panels (ipywidgets 8): :class:`TaskPanel` and its tabs.

``TaskPanel`` is imported on first use (PEP 562): ``%load_ext mlcube_nb`` needs ``panels.base`` only, not
matplotlib and the tabs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlcube_nb.notebook.panels.task_panel import TaskPanel

__all__ = ["TaskPanel"]


def __getattr__(name: str) -> Any:
    """``from mlcube_nb.notebook.panels import TaskPanel`` without importing it with the package."""
    if name == "TaskPanel":
        from mlcube_nb.notebook.panels.task_panel import TaskPanel

        return TaskPanel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
