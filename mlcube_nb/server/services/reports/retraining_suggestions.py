"""Retraining suggestions: the report's wire form, listing a version's suggestions, a new version from one.

PLATFORM.md §2 rows 21, 24, 41. A suggestion's samples live in the report's Parquet (``sample_id``,
``weight``, ``count``, ``in_reference``); ``update_model_version_by_suggestion_id`` adds the new version in
the request's transaction and enqueues the ``retraining_reference`` pipeline, whose reference is the
suggestion's ``in_reference`` samples; the job marks the suggestion executed.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import ErrorCode, SuggestionType, TaskType
from mlcube_nb.models import (
    ResampledDatasetSuggestion,
    RetrainingReport,
    SampleWeightsSuggestion,
    Suggestion,
    SuggestionInfo,
    UpdateModelVersionBySuggestionIdRequest,
    UpdateModelVersionRequest,
)
from mlcube_nb.server.db.tables import JobRow, ModelRow, ReportRow, SuggestionRow
from mlcube_nb.server.errors import Conflict, NotFound
from mlcube_nb.server.jobs import queue
from mlcube_nb.server.pipelines.payloads import SuggestionReferencePayload
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import models
from mlcube_nb.server.services.ingest import batch_checks, catalogue
from mlcube_nb.server.services.monitoring import references
from mlcube_nb.server.services.reports import lifecycle
from mlcube_nb.server.services.reports.retraining import (
    DEFAULT_METRIC,
    SUPPORTED_TYPES,
    VIEW_CATEGORIES,
    task_of,
)
from mlcube_nb.server.storage import Storage

JOB_GROUP = "update_model_version_by_suggestion_id"


def _samples(storage: Storage, row: SuggestionRow, columns: list[str]) -> pa.Table:
    """The suggestion's per-sample table; 404 when its file is gone from storage."""
    if not storage.exists(row.data_path):
        raise NotFound(ErrorCode.REPORT_NOT_FOUND, f"The samples of suggestion {row.id} are no longer stored: "
                                                   "compute the retraining report again")
    return storage.read([row.data_path], columns)


def suggestion_of(storage: Storage, row: SuggestionRow) -> Suggestion:
    """The wire suggestion: every sample with its weight, or the drawn samples with their multiplicity."""
    if row.suggestion_type == SuggestionType.RESAMPLED_DATASET.value:
        table = _samples(storage, row, ["sample_id", "count"])
        table = table.filter(pc.greater(table["count"], 0))
        return ResampledDatasetSuggestion(suggestion_id=row.id, suggestion_type=SuggestionType.RESAMPLED_DATASET,
                                          sample_ids=table["sample_id"].to_pylist(),
                                          sample_counts=table["count"].to_pylist())
    table = _samples(storage, row, ["sample_id", "weight"])
    return SampleWeightsSuggestion(suggestion_id=row.id, suggestion_type=SuggestionType.SAMPLE_WEIGHTS,
                                   sample_ids=table["sample_id"].to_pylist(),
                                   sample_weights=table["weight"].to_pylist())


def report_of(session: Session, storage: Storage, model: ModelRow, report: ReportRow) -> RetrainingReport:
    """The wire report of a completed retraining report row."""
    summary: dict[str, Any] = report.summary
    row = session.get(SuggestionRow, summary.get("suggestion_id"))
    if row is None:
        raise NotFound(ErrorCode.REPORT_NOT_FOUND, f"The suggestion of report {report.id} was removed: compute the "
                                                   "retraining report again")
    metric = model.metric_name or DEFAULT_METRIC[SUPPORTED_TYPES[TaskType(task_of(session, model).type)]].value
    return RetrainingReport(
        report_id=report.id, suggestion=suggestion_of(storage, row),
        effective_sample_size=summary["effective_sample_size"], model_metric_name=metric,
        performance_upper_bound=summary["performance_upper_bound"],
        performance_lower_bound=summary["performance_lower_bound"],
        cost_upper_bound=summary.get("cost_upper_bound"), cost_lower_bound=summary.get("cost_lower_bound"),
    )


def list_for(*, session: Session, caller: Caller, model_id: str, model_version: str) -> list[SuggestionInfo]:
    """The suggestions computed for one version of a model (by the model's id and the version tag), oldest first."""
    model = models.get_or_raise(session, caller, model_id, ProjectPermission.READ_PROJECT)
    version = model if model.version == model_version else session.scalars(
        select(ModelRow).where(ModelRow.task_id == model.task_id, ModelRow.name == model.name,
                               ModelRow.version == model_version)).first()
    if version is None:
        raise NotFound(ErrorCode.MODEL_NOT_FOUND, f"Model {model.name!r} has no version {model_version!r}: check "
                                                  "the versions with get_models")
    rows = session.scalars(select(SuggestionRow).where(SuggestionRow.model_id == version.id)
                           .order_by(SuggestionRow.created_at, SuggestionRow.id))
    return [SuggestionInfo(id=r.id, executed=r.executed, timestamp=r.created_at.timestamp()) for r in rows]


def _suggestion(session: Session, model: ModelRow, suggestion_id: str) -> SuggestionRow:
    """The suggestion, if it was computed for this model; 404 / 409 (already executed) otherwise."""
    row = session.get(SuggestionRow, suggestion_id)
    if row is None or row.model_id != model.id:
        raise NotFound(ErrorCode.NOT_FOUND, f"Suggestion {suggestion_id} not found for model {model.id}: list the "
                                            "model version's suggestions with get_suggestions_info")
    if row.executed:
        raise Conflict(ErrorCode.CONFLICT, f"Suggestion {suggestion_id} was already used to create a model version; "
                                           "compute a new retraining report for a new suggestion")
    return row


def new_version(*, session: Session, caller: Caller, storage: Storage,
                request: UpdateModelVersionBySuggestionIdRequest) -> str:
    """Add the version retrained on a suggestion, with the suggestion's samples as its reference; returns the job id."""
    old = models.get_or_raise(session, caller, request.model_id, ProjectPermission.WORK_ON_PROJECT)
    suggestion = _suggestion(session, old, request.suggestion_id)
    samples = _samples(storage, suggestion, ["in_reference"])
    batch_checks.require_reference_size(int(pc.sum(samples["in_reference"].cast(pa.int64())).as_py() or 0),
                                      f"of suggestion {suggestion.id}")
    new_id = models.new_version(session=session, caller=caller, request=UpdateModelVersionRequest(
        model_id=old.id, new_model_version=request.new_model_version))
    new = session.get(ModelRow, new_id)
    assert new is not None
    task = task_of(session, new)
    files = catalogue.stored_files(session, task.id, VIEW_CATEGORIES, kinds=catalogue.SAMPLE_KINDS)
    files += catalogue.stored_files(session, task.id, ["prediction"], model_id=new.id)
    view = catalogue.view_spec(lifecycle.schema_view(session, task), files)
    context = catalogue.reference_context(session, task, new.id, [])
    payload = SuggestionReferencePayload(model_id=new.id, task_id=task.id, suggestion_id=suggestion.id,
                                         suggestion_path=suggestion.data_path, view=view, context=context)
    job = queue.enqueue(session, job_group=JOB_GROUP, pipeline="retraining_reference", project_id=task.project_id,
                        task_id=task.id, model_id=new.id, payload=payload)
    return job.id


def finish_reference_job(session: Session, job: JobRow, carried: dict[str, Any]) -> None:
    """Record the new version's reference (the suggestion's samples, no time intervals), mark the suggestion used."""
    if references.record_reference(session, job, carried, [], []) is None:
        return
    suggestion = session.get(SuggestionRow, job.payload["suggestion_id"])
    if suggestion is not None:
        suggestion.executed = True
