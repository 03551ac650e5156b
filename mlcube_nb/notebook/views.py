"""Tables of the platform's records for the magics and the panels' static HTML (one function per kind)."""

from __future__ import annotations

from collections.abc import Iterable

from mlcube_nb.enums import JobStatus, MonitoringEvaluationMetric, MonitoringMetric, MonitoringTarget
from mlcube_nb.models import (
    DetectionEvent,
    Job,
    Model,
    MonitoringHistoryPoint,
    MonitoringQuantityStatus,
    Project,
    SuggestionInfo,
    Task,
)
from mlcube_nb.notebook.display import Html, Table, badge, nowrap, quantity_label, short_id, when, when_cell

__all__ = [
    "FINISHED",
    "events_table",
    "event_status",
    "feedback_text",
    "jobs_table",
    "models_table",
    "newest_first",
    "projects_table",
    "quantity_order",
    "status_table",
    "suggestions_table",
    "task_status",
    "tasks_table",
    "with_event_statuses",
]

FINISHED = {JobStatus.COMPLETED.value, JobStatus.ERROR.value}
"""Job statuses after which a job does not change any more."""

_RANK = {"ok": 0, "warning": 1, "drift": 2}
_EVENT_STATUS = {"drift_on": "drift", "warning_on": "warning", "drift_off": "ok", "warning_off": "ok"}
NOT_MONITORED = "not monitored"


_TARGETS = [MonitoringTarget.INPUT, MonitoringTarget.PREDICTION, MonitoringTarget.INPUT_PREDICTION,
            MonitoringTarget.CONCEPT, MonitoringTarget.ERROR, *MonitoringTarget]


def quantity_order(item: MonitoringQuantityStatus | MonitoringHistoryPoint) -> tuple[object, ...]:
    """Where a quantity comes in a list, the same in every run: model, then target (inputs first, error last),
    its metric, then the evaluation metrics."""
    target, metric, evaluation = item.monitoring_target, item.monitoring_metric, item.monitoring_evaluation_metric
    return (item.model_name or "", item.model_version or "", item.model_id or "",
            _TARGETS.index(target) if target is not None else len(_TARGETS),
            list(MonitoringMetric).index(metric) + 1 if metric is not None else 0,
            list(MonitoringEvaluationMetric).index(evaluation) if evaluation is not None else -1)


def event_status(event: DetectionEvent) -> str:
    """The status an event leaves its quantity in: drift_on → drift, warning_on → warning, *_off → ok."""
    return _EVENT_STATUS.get(str(event.event_type.value), "ok")


def _quantity_key(item: MonitoringQuantityStatus | DetectionEvent) -> tuple[object, ...]:
    return (item.monitoring_target, item.monitoring_metric, item.monitoring_evaluation_metric, item.model_id,
            getattr(item, "specification", None))


def with_event_statuses(statuses: Iterable[MonitoringQuantityStatus], events: Iterable[DetectionEvent]
                        ) -> list[MonitoringQuantityStatus]:
    """The task's statuses plus one for each quantity that raised events but has no status of its own
    (evaluation metrics, concept): the state its newest event left it in, so a DRIFT event is never left out."""
    known = list(statuses)
    seen = {_quantity_key(s) for s in known}
    for event in sorted(events, key=lambda e: e.insert_datetime, reverse=True):
        key = _quantity_key(event)
        if key in seen:
            continue
        seen.add(key)
        known.append(MonitoringQuantityStatus.model_validate({  # pydantic reads the event's ISO time
            "status": event_status(event), "monitoring_target": event.monitoring_target,
            "monitoring_metric": event.monitoring_metric,
            "monitoring_evaluation_metric": event.monitoring_evaluation_metric, "model_id": event.model_id,
            "model_name": event.model_name, "model_version": event.model_version,
            "last_change_datetime": event.insert_datetime}))
    return sorted(known, key=quantity_order)


def task_status(task: Task, events: Iterable[DetectionEvent] = ()) -> str | None:
    """The worst status among the task's monitored quantities (and those only its events report); None before
    anything was tested."""
    statuses = [str(q.status.value) for q in with_event_statuses(task.monitoring_status, events)]
    return max(statuses, key=_RANK.__getitem__) if statuses else None


def _status_badge(status: str | None) -> Html:
    """The status badge, or a grey "not monitored" one: never a green OK for something nobody tested."""
    return badge(status) if status else badge(None, NOT_MONITORED)


def projects_table(projects: Iterable[Project]) -> Table:
    """Project id, name, description."""
    rows = ([short_id(p.project_id), p.name, p.description,
             p.default_storage_policy.value if p.default_storage_policy else ""] for p in projects)
    return Table(["Project ID", "Name", "Description", "Storage"], rows, title="Projects",
                 empty="no projects yet: create one with create_project", wrap=["Description"])


def tasks_table(tasks: Iterable[Task]) -> Table:
    """Task id, name, type, data structure, overall status (grey "not monitored" before any test), creation time."""
    rows = ([short_id(t.task_id), t.name, t.type, t.data_structure, _status_badge(task_status(t)),
             when_cell(t.creation_datetime)] for t in tasks)
    return Table(["Task ID", "Name", "Type", "Data", "Status", "Created (UTC)"], rows, title="Tasks",
                 empty="no tasks in this project yet")


def models_table(models: Iterable[Model]) -> Table:
    """Model id, name, version, metric, status, creation time."""
    rows = ([short_id(m.model_id), m.name, m.version, m.metric_name,
             _status_badge(str(m.status.value) if m.status else None), when_cell(m.creation_datetime)] for m in models)
    return Table(["Model ID", "Name", "Version", "Metric", "Status", "Created (UTC)"], rows, title="Models",
                 css_class="mlcube-models", empty="no models in this task yet")


def status_table(statuses: Iterable[MonitoringQuantityStatus]) -> Table:
    """One badge per monitored quantity (target · metric) and model, with when it last changed."""
    rows = ([quantity_label(s), f"{s.model_name}@{s.model_version}" if s.model_name else "", badge(s.status),
             when_cell(s.last_change_datetime)] for s in statuses)
    return Table(["Monitored quantity", "Model", "Status", "Since (UTC)"], rows, title="Monitoring status",
                 css_class="mlcube-status", empty="nothing monitored yet: set a model reference, then add "
                                                 "production data")


def feedback_text(value: bool | None) -> str:
    """How a drift event's feedback reads: expected, unexpected, or blank when none was given."""
    return "" if value is None else ("👍 expected" if value else "👎 unexpected")


def events_table(events: Iterable[DetectionEvent], limit: int = 50) -> Table:
    """The newest detection events first: type, severity, quantity, model, triggering sample, feedback."""
    newest = sorted(events, key=lambda e: e.insert_datetime, reverse=True)
    rows = ([when_cell(e.insert_datetime), badge(event_status(e), str(e.event_type.value)),
             feedback_text(e.user_feedback), e.severity_type, quantity_label(e),
             f"{e.model_name}@{e.model_version}" if e.model_name else "", e.sample_customer_id,
             when_cell(e.sample_timestamp)] for e in newest[:limit])
    title = "Detection events" + (f" (newest {limit} of {len(newest)})" if len(newest) > limit else "")
    return Table(["Raised (UTC)", "Event", "Feedback", "Severity", "Quantity", "Model", "Sample", "Sample time"],
                 rows, title=title, css_class="mlcube-events", empty="no detection events yet")


def suggestions_table(suggestions: Iterable[SuggestionInfo]) -> Table:
    """Suggestion id, whether it was used, when it was computed."""
    rows = ([short_id(s.id), "yes" if s.executed else "no", when_cell(s.timestamp)] for s in suggestions)
    return Table(["Suggestion ID", "Executed", "Computed (UTC)"], rows, title="Retraining suggestions",
                 empty="no retraining suggestions yet")


def newest_first(jobs: Iterable[Job]) -> list[Job]:
    """Jobs sorted by creation time, the newest first (jobs without a time last)."""
    return sorted(jobs, key=lambda j: j.created_at.timestamp() if j.created_at else 0.0, reverse=True)


def _finished(job: Job) -> Html | str:
    """When a job finished: the time only when it is the day it was created (the whole date on hover)."""
    finished, created = when(job.finished_at), when(job.created_at)
    if finished and created and finished[:10] == created[:10]:
        return nowrap(finished[11:], title=finished)
    return when_cell(job.finished_at)


def jobs_table(jobs: Iterable[Job], *, with_task: bool = True) -> Table:
    """Job id (8 characters, whole on hover), kind, task (unless the table is one task's), model, status,
    progress, times on one line, and the error last (the one wide column)."""
    rows = ([short_id(j.job_id), j.job_group, *([j.task_name] if with_task else []), j.model_name, j.status,
             "" if j.progress is None else f"{100 * j.progress:.0f}%", when_cell(j.created_at), _finished(j),
             j.error] for j in jobs)
    headers = ["Job ID", "Job", *(["Task"] if with_task else []), "Model", "Status", "Progress", "Created (UTC)",
               "Finished", "Error"]
    return Table(headers, rows, title="Jobs", css_class="mlcube-jobs", empty="no jobs", wrap=["Error"])
