"""``TaskPanel(client, task_id)``: one task's monitoring in tabs — Overview, Models, Drift history,
Detection events, Suggestions, Jobs — with a refresh button. Panel actions keep it current: a job a
button starts is followed live in Jobs, and when any job the panel saw running finishes, the other tabs
reload. Its display carries the widget and a static HTML and text snapshot (one mimebundle), so a saved or
exported notebook (nbconvert, GitHub, nbviewer) still shows the panel where widgets do not render.

A (re)load reads the task's models and events once for all tabs (:class:`SharedReads`), and a tab's charts
are drawn when the tab is first looked at (``select`` or a click), not while it is hidden: charts were most
of the time a panel took to build."""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import Any

import ipywidgets as widgets

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.models import Job
from mlcube_nb.notebook.display import badge
from mlcube_nb.notebook.panels.base import PanelTab, SharedReads, run_guarded
from mlcube_nb.notebook.panels.drift_history import DriftHistoryTab
from mlcube_nb.notebook.panels.events import EventsTab
from mlcube_nb.notebook.panels.jobs import JobsTab
from mlcube_nb.notebook.panels.models import ModelsTab
from mlcube_nb.notebook.panels.overview import OverviewTab
from mlcube_nb.notebook.panels.performance import PerformanceTab
from mlcube_nb.notebook.panels.suggestions import SuggestionsTab
from mlcube_nb.notebook.views import events_table, status_table, task_status

__all__ = ["TaskPanel"]


class TaskPanel(widgets.VBox):
    """The monitoring panel of one task; ``refresh()`` (or the button) reloads every tab."""

    def __init__(self, client: ML3PlatformClient, task_id: str, *, live_jobs: bool = True,
                 jobs_interval: float = 2.0) -> None:
        self.client, self.task_id = client, task_id
        self.reads = SharedReads(client, task_id)  # models and events: read once per refresh, not per tab
        self.overview = OverviewTab(client, task_id, self.reads)
        self.models = ModelsTab(client, task_id, self.reads)
        self.history = DriftHistoryTab(client, task_id, self.reads)
        self.performance = PerformanceTab(client, task_id, self.reads)
        self.events = EventsTab(client, task_id, reads=self.reads)
        self.suggestions = SuggestionsTab(client, task_id, self.reads)
        self.jobs = JobsTab(client, task_id, interval=jobs_interval, live=live_jobs, reads=self.reads)
        self.jobs.on_finished = self._jobs_finished
        self.suggestions.on_job_started = self.jobs.follow
        self.tabs: list[PanelTab] = [self.overview, self.models, self.history, self.performance, self.events,
                                     self.suggestions, self.jobs]
        self.title = widgets.HTML()
        self.message = widgets.HTML()
        self.out = widgets.Output()
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh", tooltip="reload every tab")
        self.refresh_button.on_click(lambda button: self._refresh(button))
        self.tab = widgets.Tab(children=self.tabs, titles=[t.title for t in self.tabs])
        for index, tab in enumerate(self.tabs):  # charts of a tab are drawn when it is first looked at
            tab.shown = index == self.tab.selected_index
        self.tab.observe(self._selected, names="selected_index")
        header = widgets.HBox([self.title, self.refresh_button], layout={"justify_content": "space-between"})
        super().__init__(children=[header, self.message, self.tab, self.out])
        self.add_class("mlcube-panel")
        self.refresh()

    @property
    def errors(self) -> dict[str, str]:
        """The error each tab currently shows, by tab title (only tabs with an error)."""
        return {tab.title: tab.error for tab in self.tabs if tab.error}

    def refresh(self) -> bool:
        """Reload every tab; errors stay inside the tab they belong to. Returns whether all tabs loaded."""
        return self._refresh(None)

    def _refresh(self, button: widgets.Button | None) -> bool:
        def reload() -> str | None:
            with self.reads.round():
                results = [tab.refresh() for tab in self.tabs]
            self._title()
            failed = [tab.title for tab, ok in zip(self.tabs, results, strict=True) if not ok]
            if failed:
                raise RuntimeError(f"could not load {', '.join(failed)}: see the tab")
            return None

        return run_guarded(button, self.out, self.message, reload)

    def _selected(self, change: dict[str, Any]) -> None:
        for index, tab in enumerate(self.tabs):
            if index != change["new"]:
                tab.set_shown(False)
        if change["new"] is not None:
            self.tabs[change["new"]].set_shown(True)

    def select(self, title: str) -> PanelTab:
        """Show the tab titled *title* (as a click on it does) and return it."""
        index = next((i for i, tab in enumerate(self.tabs) if tab.title == title), None)
        if index is None:
            raise ValueError(f"No tab {title!r}: the tabs are {', '.join(t.title for t in self.tabs)}")
        self.tab.selected_index = index
        return self.tabs[index]

    def _jobs_finished(self, jobs: list[Job]) -> None:
        """Jobs change what the other tabs show (a new version, statuses, events, suggestions): reload them."""
        with self.reads.round():
            for tab in self.tabs:
                if tab is not self.jobs:
                    tab.refresh()
        self._title()

    def _title(self) -> None:
        task = self.overview.task
        name = html.escape(task.name) if task else html.escape(self.task_id)
        kind = f" — {task.type.value}, {task.data_structure.value if task.data_structure else ''}" if task else ""
        status = task_status(task, self.overview.events) if task else None
        stamp = datetime.now(timezone.utc).strftime("%H:%M:%S UTC")
        self.title.value = (f"<b style='font-size:14px'>{name}</b>{html.escape(kind)} "
                            f"{badge(status) if status else ''} <span style='color:#777;font-size:11px'>"
                            f"refreshed {stamp}</span>")

    def close(self) -> None:
        """Stop the live jobs refresh and close the widgets."""
        self.jobs.stop()
        super().close()

    def __repr__(self) -> str:
        task = self.overview.task
        status = task_status(task, self.overview.events) if task else None
        lines = [f"TaskPanel({task.name if task else self.task_id!r}, status={status})"]
        lines.append(repr(status_table(self.overview.statuses)))
        lines.append(repr(events_table(self.events.events, limit=10)))
        lines += [f"{title}: {error}" for title, error in self.errors.items()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = "".join(f"<details{' open' if i < 1 or tab is self.events else ''}><summary><b>{tab.title}</b>"
                       f"</summary>{tab.html()}</details>" for i, tab in enumerate(self.tabs))
        errors = "".join(f"<div style='color:#a31515'>{html.escape(t)}: {html.escape(e)}</div>"
                         for t, e in self.errors.items())
        return f"<div class='mlcube-panel'>{self.title.value}{errors}{body}</div>"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget view, plus the static HTML and the whole text form (ipywidgets cuts its text at 110
        characters): a frontend without widgets shows the snapshot instead of an empty output."""
        bundle = dict(super()._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = self._repr_html_()
        bundle["text/plain"] = repr(self)
        return bundle
