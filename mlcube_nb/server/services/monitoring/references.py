"""Model references: ``set_model_reference`` and ``update_model_version_from_time_range`` (§2 rows 26, 33).

A reference is the task's stored samples inside time intervals (OR-ed). The request checks the size
rule (at least 300 samples, PLATFORM.md §3.7) on what is stored now, then enqueues the reference
pipeline for the model; ``update_model_version_from_time_range`` first adds the new model version,
in the same transaction, so a refused reference leaves no new version behind.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.orm import Session

from mlcube_nb.enums import ErrorCode
from mlcube_nb.models import (
    ReferenceInfo,
    SetModelReferenceRequest,
    UpdateModelVersionFromTimeRangeRequest,
    UpdateModelVersionRequest,
)
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.tables import JobRow, ModelRow, ReferenceRow, TaskRow
from mlcube_nb.server.errors import BadRequest, NotFound
from mlcube_nb.server.jobs import queue
from mlcube_nb.server.pipelines.payloads import ReferencePayload
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import models
from mlcube_nb.server.services.ingest import batch_checks, catalogue
from mlcube_nb.server.services.monitoring import estimation_results
from mlcube_nb.server.services.monitoring import results as monitoring_results
from mlcube_nb.server.services.reports import lifecycle
from mlcube_nb.server.storage import Storage

VIEW_CATEGORIES = ("input", "metadata", "target", "input_embedding", "target_embedding")


def set_reference(*, session: Session, caller: Caller, storage: Storage, request: SetModelReferenceRequest) -> str:
    """Set a model's reference from time intervals of stored data; returns the job id."""
    model = models.get_or_raise(session, caller, request.model_id, ProjectPermission.WORK_ON_PROJECT)
    return _enqueue(session, storage, model, request.default_reference, request.segment_references,
                    "set_model_reference")


def new_version_from_time_range(*, session: Session, caller: Caller, storage: Storage,
                                request: UpdateModelVersionFromTimeRangeRequest) -> str:
    """Add a model version whose reference is the stored data in the intervals; returns the job id."""
    old = models.get_or_raise(session, caller, request.model_id, ProjectPermission.WORK_ON_PROJECT)
    _check_size(session, storage, _task(session, old), request.default_reference, request.segment_references)
    new_id = models.new_version(session=session, caller=caller, request=UpdateModelVersionRequest(
        model_id=old.id, new_model_version=request.new_model_version))
    new = session.get(ModelRow, new_id)
    assert new is not None
    return _enqueue(session, storage, new, request.default_reference, request.segment_references,
                    "update_model_version_from_time_range")


def _task(session: Session, model: ModelRow) -> TaskRow:
    task = session.get(TaskRow, model.task_id)
    assert task is not None  # the model was found through its task
    return task




def _intervals(reference: ReferenceInfo) -> list[list[float]]:
    if not reference.time_intervals:
        raise BadRequest(ErrorCode.INVALID_PARAMETERS, "A reference needs at least one time interval [from, to]")
    intervals = []
    for low, high in reference.time_intervals:
        if not (math.isfinite(low) and math.isfinite(high)) or low > high:
            raise BadRequest(ErrorCode.INVALID_PARAMETERS,
                             f"Time interval [{low}, {high}] is not valid: both ends are float timestamps and "
                             "from_timestamp must not be after to_timestamp")
        intervals.append([float(low), float(high)])
    return intervals


def _sample_files(session: Session, task: TaskRow) -> tuple[str, list[str]]:
    """The files whose rows are the task's samples: inputs (or targets, for target-only tasks)."""
    for category in ("input", "target"):
        files = catalogue.stored_files(session, task.id, [category], kinds=catalogue.ROW_KINDS)
        if files:
            return category, [f.path for f in files]
    return "input", []


def _check_size(session: Session, storage: Storage, task: TaskRow, default: ReferenceInfo,
                segments: list[ReferenceInfo] | None) -> list[list[float]]:
    schema = lifecycle.schema_view(session, task, "upload historical data first")
    for reference in [default, *(segments or [])]:
        if reference.segment_id is not None:
            raise NotFound(ErrorCode.NOT_FOUND, f"Segment {reference.segment_id} not found: this task has no "
                                                "segments; leave segment_id empty for the whole population")
    intervals = _intervals(default)
    _, paths = _sample_files(session, task)
    count = storage.count_rows(paths, schema.time.name, intervals) if paths else 0
    spans = ", ".join(f"[{low}, {high}]" for low, high in intervals)
    batch_checks.require_reference_size(count, f"in {spans}")
    return intervals


def _enqueue(session: Session, storage: Storage, model: ModelRow, default: ReferenceInfo,
             segments: list[ReferenceInfo] | None, group: str) -> str:
    task = _task(session, model)
    intervals = _check_size(session, storage, task, default, segments)
    schema = lifecycle.schema_view(session, task, "upload historical data first")
    category, _ = _sample_files(session, task)
    files = catalogue.stored_files(session, task.id, VIEW_CATEGORIES, kinds=catalogue.SAMPLE_KINDS)
    files += catalogue.stored_files(session, task.id, ["input_images"], kinds=catalogue.ROW_KINDS,
                                    parquet_only=False)  # image metrics are read from the archives
    files += catalogue.stored_files(session, task.id, ["prediction", "prediction_embedding"], model_id=model.id)
    view = catalogue.view_spec(schema, files)
    view["intervals"] = intervals
    context = catalogue.reference_context(session, task, model.id, intervals)
    payload = ReferencePayload(model_id=model.id, task_id=task.id, intervals=intervals, segment_references=[],
                               sample_category=category, view=view, context=context)
    job = queue.enqueue(session, job_group=group, pipeline="reference", project_id=task.project_id,
                        task_id=task.id, model_id=model.id, payload=payload)
    return job.id


# --- what a reference job writes when it finishes ---------------------------------------------------------


def record_reference(session: Session, job: JobRow, carried: dict[str, Any], intervals: list[list[float]],
                     segments: list[Any]) -> ModelRow | None:
    """Record a measured reference on the job's model (replacing an earlier one), its monitoring summary and estimator.

    Returns the model, or None when it was deleted meanwhile (then nothing is written).
    """
    payload = job.payload
    model = session.get(ModelRow, payload["model_id"])
    if model is None:
        return None
    row = session.get(ReferenceRow, model.id) or ReferenceRow(model_id=model.id, task_id=model.task_id)
    row.intervals, row.segment_references = intervals, segments
    row.n_rows, row.time_min, row.time_max = carried["n_rows"], carried["time_min"], carried["time_max"]
    row.job_id, row.created_at = job.id, utcnow()
    session.add(row)
    monitoring_results.store_reference_analysis(session, payload["context"], carried.get("analysis"))
    estimation_results.store_fitted(session, job, carried)
    return model


def finish_reference_job(session: Session, job: JobRow, carried: dict[str, Any]) -> None:
    """Finish of ``set_model_reference`` / time-range version jobs: the reference with its time intervals."""
    record_reference(session, job, carried, job.payload["intervals"], job.payload.get("segment_references") or [])
