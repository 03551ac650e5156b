"""The Models tab: every model version of the task with its metric and status."""

from __future__ import annotations

import ipywidgets as widgets

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.models import Model
from mlcube_nb.notebook.panels.base import PanelTab, SharedReads
from mlcube_nb.notebook.views import models_table

__all__ = ["ModelsTab"]


class ModelsTab(PanelTab):
    """A table of ``get_models(task_id)``: versions, metric, status, creation time."""

    title = "Models"

    def __init__(self, client: ML3PlatformClient, task_id: str, reads: SharedReads | None = None) -> None:
        self.table = widgets.HTML()
        self.models: list[Model] = []
        super().__init__(client, task_id, self.table, reads)

    def load(self) -> str | None:
        self.models = self.reads.models()
        self.table.value = self.html()
        return None

    def html(self) -> str:
        return models_table(self.models)._repr_html_()
