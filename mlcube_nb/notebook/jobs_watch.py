"""``%mlcube_jobs``: the jobs table, and with ``--watch`` the same table refreshed in place until every
job has finished, the watch times out, or the user interrupts the cell."""

from __future__ import annotations

import time
from collections.abc import Callable

from IPython.display import display

from mlcube_nb.models import Job
from mlcube_nb.notebook.display import Table
from mlcube_nb.notebook.views import FINISHED, jobs_table, newest_first

__all__ = ["watch_jobs"]


def _table(jobs: list[Job], note: str) -> Table:
    table = jobs_table(jobs)
    table.title = f"Jobs — {note}"
    return table


def watch_jobs(fetch: Callable[[], list[Job]], *, interval: float = 1.0, timeout: float = 3600.0) -> list[Job]:
    """Show the jobs ``fetch()`` returns and refresh the same output until none is running; returns the last
    list. Ctrl-C (interrupt the kernel) stops the watch quietly."""
    jobs = newest_first(fetch())
    running = sum(job.status not in FINISHED for job in jobs)
    handle = display(_table(jobs, f"{running} running"), display_id=True)
    deadline = time.monotonic() + timeout
    try:
        while running and time.monotonic() < deadline:
            time.sleep(interval)
            jobs = newest_first(fetch())
            running = sum(job.status not in FINISHED for job in jobs)
            note = f"{running} running" if running else "all finished"
            if handle is not None:
                handle.update(_table(jobs, note))
    except KeyboardInterrupt:
        if handle is not None:
            handle.update(_table(jobs, f"watch stopped, {running} still running"))
        return jobs
    if running and handle is not None:
        handle.update(_table(jobs, f"watch timed out after {timeout:.0f} s, {running} still running"))
    return jobs
