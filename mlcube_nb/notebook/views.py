"""Tables of the platform's records for the magics and the panels' static HTML (one function per kind)."""

from __future__ import annotations

from collections.abc import Iterable

from mlcube_nb.enums import JobStatus
from mlcube_nb.models import DetectionEvent, Job, Model, MonitoringQuantityStatus, Project, SuggestionInfo, Task
from mlcube_nb.notebook.display import Table, badge, quantity_label, when

__all__ = [
    "FINISHED",
    "events_table",
    "feedback_text",
    "jobs_table",
    "models_table",
    "newest_first",
    "projects_table",
    "status_table",
    "suggestions_table",
    "task_status",
    "tasks_table",
]

FINISHED = {JobStatus.COMPLETED.value, JobStatus.ERROR.value}
"""Job statuses after which a job does not change any more."""

_RANK = {"ok": 0, "warning": 1, "drift": 2}


def task_status(task: Task) -> str | None:
    """The worst status among the task's monitored quantities (None before anything was tested)."""
    statuses = [str(q.status.value) for q in task.monitoring_status]
    return max(statuses, key=_RANK.__getitem__) if statuses else None


def projects_table(projects: Iterable[Project]) -> Table:
    """Project id, name, description."""
    return Table(["Project ID", "Name", "Description"], ([p.project_id, p.name, p.description] for p in projects),
                 title="Projects", empty="no projects yet: create one with create_project")


def tasks_table(tasks: Iterable[Task]) -> Table:
    """Task id, name, type, data structure, overall status, creation time."""
    rows = ([t.task_id, t.name, t.type, t.data_structure, badge(task_status(t) or "ok"), when(t.creation_datetime)]
            for t in tasks)
    return Table(["Task ID", "Name", "Type", "Data", "Status", "Created (UTC)"], rows, title="Tasks",
                 empty="no tasks in this project yet")


def models_table(models: Iterable[Model]) -> Table:
    """Model id, name, version, metric, status, creation time."""
    rows = ([m.model_id, m.name, m.version, m.metric_name, badge(m.status or "ok"), when(m.creation_datetime)]
            for m in models)
    return Table(["Model ID", "Name", "Version", "Metric", "Status", "Created (UTC)"], rows, title="Models",
                 css_class="mlcube-models", empty="no models in this task yet")


def status_table(statuses: Iterable[MonitoringQuantityStatus]) -> Table:
    """One badge per monitored quantity (target · metric) and model, with when it last changed."""
    rows = ([quantity_label(s), f"{s.model_name}@{s.model_version}" if s.model_name else "", badge(s.status),
             when(s.last_change_datetime)] for s in statuses)
    return Table(["Monitored quantity", "Model", "Status", "Since (UTC)"], rows, title="Monitoring status",
                 css_class="mlcube-status", empty="nothing monitored yet: set a model reference, then add "
                                                 "production data")


def feedback_text(value: bool | None) -> str:
    """How a drift event's feedback reads: expected, unexpected, or blank when none was given."""
    return "" if value is None else ("👍 expected" if value else "👎 unexpected")


def events_table(events: Iterable[DetectionEvent], limit: int = 50) -> Table:
    """The newest detection events first: type, severity, quantity, model, triggering sample, feedback."""
    newest = sorted(events, key=lambda e: e.insert_datetime, reverse=True)
    rows = ([when(e.insert_datetime), e.event_type, e.severity_type, quantity_label(e),
             f"{e.model_name}@{e.model_version}" if e.model_name else "", e.sample_customer_id,
             when(e.sample_timestamp), feedback_text(e.user_feedback)] for e in newest[:limit])
    title = "Detection events" + (f" (newest {limit} of {len(newest)})" if len(newest) > limit else "")
    return Table(["Raised (UTC)", "Event", "Severity", "Quantity", "Model", "Sample", "Sample time", "Feedback"],
                 rows, title=title, css_class="mlcube-events", empty="no detection events yet")


def suggestions_table(suggestions: Iterable[SuggestionInfo]) -> Table:
    """Suggestion id, whether it was used, when it was computed."""
    rows = ([s.id, "yes" if s.executed else "no", when(s.timestamp)] for s in suggestions)
    return Table(["Suggestion ID", "Executed", "Computed (UTC)"], rows, title="Retraining suggestions",
                 empty="no retraining suggestions yet")


def newest_first(jobs: Iterable[Job]) -> list[Job]:
    """Jobs sorted by creation time, the newest first (jobs without a time last)."""
    return sorted(jobs, key=lambda j: j.created_at.timestamp() if j.created_at else 0.0, reverse=True)


def jobs_table(jobs: Iterable[Job]) -> Table:
    """Job id, kind, task, model, status, progress, error, times."""
    rows = ([j.job_id, j.job_group, j.task_name, j.model_name, j.status,
             "" if j.progress is None else f"{100 * j.progress:.0f}%", j.error, when(j.created_at),
             when(j.finished_at)] for j in jobs)
    return Table(["Job ID", "Job", "Task", "Model", "Status", "Progress", "Error", "Created (UTC)", "Finished (UTC)"],
                 rows, title="Jobs", css_class="mlcube-jobs", empty="no jobs")
