"""The Overview tab: one coloured OK / WARNING / DRIFT badge per monitored quantity, and since when.

Quantities the task's status leaves out but whose events say how they stand (evaluation metrics, concept)
are shown with the state their newest event left them in, so a metric that raised DRIFT is never missing."""

from __future__ import annotations

import ipywidgets as widgets

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.models import DetectionEvent, MonitoringQuantityStatus, Task
from mlcube_nb.notebook.display import badge, quantity_label, status_text
from mlcube_nb.notebook.panels.base import PanelTab, SharedReads
from mlcube_nb.notebook.views import status_table, task_status, with_event_statuses

__all__ = ["OverviewTab"]


class OverviewTab(PanelTab):
    """The task's monitored quantities with their current status (from ``get_task().monitoring_status``)."""

    title = "Overview"

    def __init__(self, client: ML3PlatformClient, task_id: str, reads: SharedReads | None = None) -> None:
        self.table = widgets.HTML()
        self.statuses: list[MonitoringQuantityStatus] = []
        self.task: Task | None = None
        self.events: list[DetectionEvent] = []
        super().__init__(client, task_id, self.table, reads)

    @property
    def badges(self) -> dict[str, str]:
        """What the tab shows: quantity label (with the model when there are several) → OK / WARNING / DRIFT."""
        several = len({s.model_id for s in self.statuses}) > 1
        return {quantity_label(s) + (f" [{s.model_name}@{s.model_version}]" if several else ""):
                status_text(s.status) for s in self.statuses}

    def load(self) -> str | None:
        self.task = self.client.get_task(self.task_id)
        self.events = self.reads.events()
        self.statuses = with_event_statuses(self.task.monitoring_status, self.events)
        self.table.value = self.html()
        return None

    def html(self) -> str:
        overall = task_status(self.task, self.events) if self.task else None
        head = (f"<div>Task status: {badge(overall)}</div>" if overall
                else f"<div>Task status: {badge(None, 'not monitored')}</div>" if self.task else "")
        return head + status_table(self.statuses)._repr_html_()
