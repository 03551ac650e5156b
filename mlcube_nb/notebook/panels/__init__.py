"""Widget panels (ipywidgets 8): :class:`TaskPanel` and its tabs."""

from mlcube_nb.notebook.panels.task_panel import TaskPanel

__all__ = ["TaskPanel"]
