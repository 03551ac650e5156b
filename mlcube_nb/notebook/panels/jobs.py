"""The Jobs tab: the task's jobs, refreshed live in the background while any of them runs; when a job it saw
running finishes, ``on_finished`` tells the panel, which reloads the tabs the job changed."""

from __future__ import annotations

import threading
from collections.abc import Callable

import ipywidgets as widgets

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.models import Job
from mlcube_nb.notebook.panels.base import PanelTab, SharedReads, error_text, show
from mlcube_nb.notebook.views import FINISHED, jobs_table, newest_first

__all__ = ["JobsTab"]


class JobsTab(PanelTab):
    """``get_jobs(task_id=...)`` as a table; with ``live`` on, a daemon thread refreshes it every ``interval``
    seconds until every job has finished (or ``live`` is switched off)."""

    title = "Jobs"

    def __init__(self, client: ML3PlatformClient, task_id: str, interval: float = 2.0, live: bool = True,
                 reads: SharedReads | None = None) -> None:
        self.interval = interval
        self.jobs: list[Job] = []
        self.on_finished: Callable[[list[Job]], None] | None = None
        self._unfinished: set[str] = set()  # jobs seen running or followed, not yet seen finished
        self._lock = threading.Lock()
        self.table = widgets.HTML()
        self.live = widgets.Checkbox(value=live, description="live (refresh while jobs run)", indent=False)
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        super().__init__(client, task_id, widgets.VBox([self.live, self.table]), reads)
        self.live.observe(self._on_live, names="value")

    @property
    def running(self) -> list[Job]:
        """Jobs that have not finished yet."""
        return [job for job in self.jobs if job.status not in FINISHED]

    @property
    def watching(self) -> bool:
        """Whether the background refresh is going on."""
        return self._watcher is not None and self._watcher.is_alive()

    def load(self) -> str | None:
        self._update(newest_first(self.client.get_jobs(task_id=self.task_id)))
        if self._unfinished and self.live.value and not self.watching:
            self._start()
        return None

    def follow(self, job_id: str) -> None:
        """Watch a job the panel just started, even if it is already over by the time the tab looks."""
        with self._lock:
            self._unfinished.add(job_id)
        self.live.value = True  # a job the panel started is followed live (turning it on refreshes)
        self.refresh()

    def _update(self, jobs: list[Job]) -> None:
        """Show *jobs*; report those that finished since they were last seen running or were followed."""
        with self._lock:
            self.jobs = jobs
            finished = [job for job in jobs if job.job_id in self._unfinished and job.status in FINISHED]
            self._unfinished -= {job.job_id for job in finished}
            self._unfinished |= {job.job_id for job in jobs if job.status not in FINISHED}
        self.table.value = self.html()
        if finished and self.on_finished is not None:
            self.on_finished(finished)

    def _start(self) -> None:
        self._stop.clear()
        self._watcher = threading.Thread(target=self._watch, name=f"mlcube-jobs-{self.task_id[:8]}", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._update(newest_first(self.client.get_jobs(task_id=self.task_id)))
            except Exception as err:  # noqa: BLE001 - shown in the tab; the watch ends
                show(self.message, error_text(err), error=True)
                return
            if not self._unfinished:
                return

    def _on_live(self, change: dict[str, object]) -> None:
        if change["new"]:
            self.refresh()
        else:
            self.stop()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the background refresh and wait for it (bounded)."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout)
            self._watcher = None

    def html(self) -> str:
        return jobs_table(self.jobs, with_task=False)._repr_html_()
