"""compute_retraining_report and get_retraining_report (PLATFORM.md §2 rows 40–41, §9.1).

The request checks that the model can have a report (a retrainable tabular task, a reference, stored
targets and production data), adds a ``retraining`` report row and enqueues the ``retraining_report``
pipeline. The report row mirrors its job: while it is not finished its status is read from the job, so a
failed job shows as a report in ``error`` with the job's reason.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import DataStructure, DataType, ErrorCode, JobStatus, ModelMetricName, SuggestionType, TaskType
from mlcube_nb.models import ComputeRetrainingReportRequest
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.tables import (
    BatchRow,
    DetectionEventRow,
    JobRow,
    ModelRow,
    ReferenceRow,
    ReportRow,
    SuggestionRow,
    TaskRow,
)
from mlcube_nb.server.errors import BadRequest, NotFound
from mlcube_nb.server.pipelines.payloads import BatchKind, RetrainingReportPayload
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import models
from mlcube_nb.server.services.ingest import catalogue
from mlcube_nb.server.services.ingest.batch_checks import SchemaView
from mlcube_nb.server.services.reports import lifecycle

if TYPE_CHECKING:
    from mlcube_nb.retraining import ReportSpec

KIND = "retraining"
JOB_GROUP = "compute_retraining_report"
SUPPORTED_TYPES = {TaskType.REGRESSION: "regression", TaskType.CLASSIFICATION_BINARY: "classification",
                   TaskType.CLASSIFICATION_MULTICLASS: "classification"}
"""Task types whose retraining report this server computes, and the learner each uses."""
DEFAULT_METRIC = {"regression": ModelMetricName.RMSE, "classification": ModelMetricName.ACCURACY}
"""Metric of the forecast when the model has none."""
NUMERIC_TYPES = frozenset({DataType.FLOAT, DataType.INTEGER})
CATEGORICAL_TYPES = frozenset({DataType.CATEGORICAL, DataType.STRING})
VIEW_CATEGORIES = ("input", "metadata", "target")


def _bad(message: str) -> BadRequest:
    return BadRequest(ErrorCode.INVALID_PARAMETERS, message)


def task_of(session: Session, model: ModelRow) -> TaskRow:
    """The model's task (found through it, so it exists)."""
    task = session.get(TaskRow, model.task_id)
    assert task is not None
    return task


def _check_task(task: TaskRow) -> str:
    """The learner kind of a task the report serves; 400 for the others."""
    task_type = TaskType(task.type)
    if task_type is TaskType.RAG:
        raise _bad("Retraining reports are not available for RAG tasks: a RAG model version only moves the "
                   "reference (use update_model_version_from_time_range)")
    if task_type not in SUPPORTED_TYPES:
        served = ", ".join(t.value for t in SUPPORTED_TYPES)
        raise _bad(f"Retraining reports are computed for {served} tasks; this task is {task_type.value}")
    if DataStructure(task.data_structure) is not DataStructure.TABULAR:
        raise _bad(f"Retraining reports are computed on tabular data; this task's data are {task.data_structure}")
    return SUPPORTED_TYPES[task_type]


def _spec(task: TaskRow, model: ModelRow, schema: SchemaView, kind: str) -> ReportSpec:
    """What the report learns from: input columns by type, the target, the metric and the suggestion type."""
    from mlcube_nb.retraining import ReportSpec  # with pandas, which a server need not load at start

    inputs = [c for c in schema.columns if c.role.value == "input"]
    numeric = [c.name for c in inputs if c.data_type in NUMERIC_TYPES]
    categorical = [c.name for c in inputs if c.data_type in CATEGORICAL_TYPES]
    if not numeric and not categorical:
        raise _bad("The task has no numeric or categorical input column: a retraining report compares samples by them")
    target = next((c for c in schema.columns if c.role.value == "target"), None)
    if target is None:
        raise _bad("The task's schema has no target column: retraining needs labelled data")
    suggestion = SuggestionType(model.preferred_suggestion_type or SuggestionType.SAMPLE_WEIGHTS.value)
    if suggestion is SuggestionType.RESAMPLED_DATASET and not model.resampled_dataset_size:
        raise _bad("The model asks for a resampled_dataset suggestion without a size: call "
                   "set_model_suggestion_type with resampled_dataset_size")
    metric = model.metric_name or DEFAULT_METRIC[kind].value
    classes = [str(v) for v in target.possible_values or []] if kind == "classification" else []
    positive = None if task.positive_class is None else str(task.positive_class)
    return ReportSpec(numeric=numeric, categorical=categorical, target=target.name, kind=kind, metric=metric,
                      suggestion_type=suggestion.value, resampled_dataset_size=model.resampled_dataset_size,
                      classes=classes, positive_class=positive, cost_info=task.cost_info)


def _require_data(session: Session, model: ModelRow, task: TaskRow) -> ReferenceRow:
    """The model's reference; 400 unless there are a reference, stored targets and production inputs."""
    reference = session.get(ReferenceRow, model.id)
    if reference is None:
        raise _bad(f"Model {model.id} has no reference yet: set one with set_model_reference, then compute the "
                   "retraining report")
    if not catalogue.stored_files(session, task.id, ["target"]):
        raise _bad("The task has no stored targets: upload labelled data (add_historical_data with target, "
                   "add_target_data) before computing a retraining report")
    if not catalogue.stored_files(session, task.id, ["input"], kinds=[BatchKind.PRODUCTION.value]):
        raise _bad("The task has no production data: the retraining report weighs stored data against the "
                   "production samples after the last drift; upload them with add_production_data")
    return reference


def compute(*, session: Session, caller: Caller, request: ComputeRetrainingReportRequest) -> str:
    """Start computing a model's retraining report; returns the job id. Needs WORK_ON_PROJECT."""
    model = models.get_or_raise(session, caller, request.model_id, ProjectPermission.WORK_ON_PROJECT)
    task = task_of(session, model)
    kind = _check_task(task)
    schema = lifecycle.schema_view(session, task)
    spec = _spec(task, model, schema, kind)
    reference = _require_data(session, model, task)
    reports_of(session, model.id)  # earlier reports take their job's final status for good
    files = catalogue.stored_files(session, task.id, VIEW_CATEGORIES, kinds=catalogue.SAMPLE_KINDS)
    view = catalogue.view_spec(schema, files)
    return lifecycle.start(
        session, kind=KIND, task=task, name=f"{model.name} {model.version}", job_group=JOB_GROUP,
        pipeline="retraining_report", model_id=model.id,
        payload=lambda report: RetrainingReportPayload(
            report_id=report.id, model_id=model.id, task_id=task.id, view=view, spec=asdict(spec),
            reference_size=reference.n_rows,
            result_path=lifecycle.result_path(task.id, KIND, report.id, "samples.parquet")))


def reports_of(session: Session, model_id: str) -> list[ReportRow]:
    """The model's retraining reports, newest first, with their status brought up to date."""
    return lifecycle.rows_of(session, KIND, model_id=model_id, newest_first=True)


def latest_completed(*, session: Session, caller: Caller, model_id: str) -> tuple[ModelRow, ReportRow]:
    """The model's newest completed report; 404 REPORT_NOT_FOUND (saying how the latest one stands) otherwise."""
    model = models.get_or_raise(session, caller, model_id, ProjectPermission.READ_PROJECT)
    reports = reports_of(session, model.id)
    done = next((r for r in reports if r.status == JobStatus.COMPLETED.value), None)
    if done is not None:
        return model, done
    if not reports:
        state = "none was computed yet: call compute_retraining_report"
    elif reports[0].status == JobStatus.ERROR.value:
        state = f"the latest one failed ({reports[0].error}); fix the cause and call compute_retraining_report again"
    else:
        state = f"the latest one is {reports[0].status}: wait for job {reports[0].job_id} to complete"
    raise NotFound(ErrorCode.REPORT_NOT_FOUND, f"Model {model.id} has no completed retraining report: {state}")


# --- the report's job: what it reads when claimed and writes when it finishes ------------------------------


def prepare_report_job(session: Session, payload: dict[str, Any]) -> dict[str, Any]:
    """Where the new concept starts, read when the job runs (earlier jobs of the task may have raised events)."""
    event = session.scalars(
        select(DetectionEventRow).where(DetectionEventRow.task_id == payload["task_id"],
                                        DetectionEventRow.event_type == "drift_on",
                                        (DetectionEventRow.model_id == payload["model_id"])
                                        | DetectionEventRow.model_id.is_(None))
        .order_by(DetectionEventRow.created_at.desc(), DetectionEventRow.sample_timestamp.desc())).first()
    batches = {f["batch_id"] for f in payload["view"]["files"] if f.get("kind") == BatchKind.PRODUCTION.value}
    latest = session.scalars(select(BatchRow.id).where(BatchRow.id.in_(batches))
                             .order_by(BatchRow.created_at.desc(), BatchRow.id.desc())).first()
    return {"new_concept": {"since": _drift_start(session, event), "event_id": event.id if event is not None else None,
                            "latest_batch_id": latest}}


def _drift_start(session: Session, event: DetectionEventRow | None) -> float | None:
    """When the drifted data begin: the start of the batch whose analysis raised the event.

    The event's own sample timestamp is where the detector fired (the batch's last sample for the batch-level
    tests, the alarm sample for sequential detectors), which lags the change, so the whole batch counts.
    """
    if event is None:
        return None
    batch = session.get(BatchRow, event.batch_id) if event.batch_id else None
    starts = [t for t in (event.sample_timestamp, batch.time_min if batch is not None else None) if t is not None]
    return min(starts) if starts else None


def finish_report_job(session: Session, job: JobRow, carried: dict[str, Any]) -> None:
    """Record the suggestion of the report and mark the report completed (same transaction as the job)."""
    payload = job.payload
    report = session.get(ReportRow, payload["report_id"])
    if report is None or session.get(ModelRow, payload["model_id"]) is None:
        return  # the model (and so its reports) was deleted meanwhile
    summary = dict(carried["summary"])
    suggestion = session.scalars(select(SuggestionRow).where(SuggestionRow.report_id == report.id)).first()
    if suggestion is None:
        suggestion = SuggestionRow(model_id=payload["model_id"], report_id=report.id)
    suggestion.suggestion_type = payload["spec"]["suggestion_type"]
    suggestion.n_samples = summary["n_samples"]
    suggestion.effective_sample_size = summary["effective_sample_size"]
    suggestion.data_path = payload["result_path"]
    session.add(suggestion)
    session.flush()
    report.summary = summary | {"suggestion_id": suggestion.id, "reference_size": payload.get("reference_size")}
    report.status, report.error, report.finished_at = JobStatus.COMPLETED.value, None, utcnow()
    report.result_path = payload["result_path"]
