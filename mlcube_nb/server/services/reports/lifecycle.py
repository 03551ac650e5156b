"""The one life cycle of every report (RAG evaluation, topic modeling, retraining) and what they share.

A report is a ``ReportRow`` of some ``kind`` created with its job in one transaction (:func:`start`);
its status mirrors the job while unfinished (:func:`refresh_status`); a caller who may not read its
task gets the same 404 as for a missing report (:func:`get_or_raise`); its results are read only once
it completed and while they are stored (:func:`require_results`). Results live at one path layout,
:func:`result_path`; rows keep the path they were written at, so results of older layouts still read.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import DataStructure, ErrorCode, JobStatus
from mlcube_nb.models import ColumnInfo
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.tables import DataSchemaRow, JobRow, ReportRow, TaskRow
from mlcube_nb.server.errors import BadRequest, Conflict, NotFound
from mlcube_nb.server.jobs import queue
from mlcube_nb.server.pipelines.payloads import ReportPayload, ViewSpec
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import tasks
from mlcube_nb.server.services.ingest.batch_checks import SchemaView


def schema_view(session: Session, task: TaskRow, next_step: str = "upload data first") -> SchemaView:
    """The task's schema sorted by role; 404 SCHEMA_NOT_FOUND (saying what to do) when it has none yet."""
    row = session.get(DataSchemaRow, task.id)
    if row is None:
        raise NotFound(ErrorCode.SCHEMA_NOT_FOUND, f"Task {task.id} has no data schema and no data yet: add the "
                                                   f"schema and {next_step}")
    return SchemaView(tuple(ColumnInfo.model_validate(c) for c in row.columns), DataStructure(task.data_structure))


def refresh_status(session: Session, report: ReportRow) -> ReportRow:
    """Mirror the report's job into the row while it is unfinished (a failed job leaves its reason here).

    A completed job wrote its report in the same transaction, so only unfinished rows need this.
    """
    if report.status in queue.TERMINAL or report.job_id is None:
        return report
    job = session.get(JobRow, report.job_id)
    if job is None:
        report.status, report.error = JobStatus.ERROR.value, "The report's job no longer exists; compute it again"
    elif job.status != report.status and job.status != JobStatus.COMPLETED.value:
        report.status = job.status
        if job.status == JobStatus.ERROR.value:
            report.error, report.finished_at = (job.error or "the job failed")[:2000], job.finished_at
    return report


def utc(timestamp: float | None) -> datetime:
    """A float timestamp (seconds since 1970) as an aware UTC datetime (None → the epoch)."""
    return datetime.fromtimestamp(timestamp or 0.0, tz=timezone.utc)


def result_path(task_id: str, kind: str, report_id: str, name: str = "results.parquet") -> str:
    """Where a report's results are stored, relative to the storage root (one layout for every kind)."""
    return f"tasks/{task_id}/reports/{kind}/{report_id}/{name}"


def over_range(view: ViewSpec, low: float, high: float) -> ViewSpec:
    """A report's DataView restricted to its time range."""
    view["intervals"] = [[low, high]]
    return view


def check_range(low: float, high: float) -> tuple[float, float]:
    """A report's time range as floats; 400 unless both ends are usable timestamps in order."""
    for name, value in (("from_timestamp", low), ("to_timestamp", high)):
        try:
            if not math.isfinite(value):
                raise ValueError(value)
            datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise BadRequest(ErrorCode.INVALID_PARAMETERS, f"{name} {value} is not a valid timestamp: give seconds "
                                                           "since 1970-01-01 UTC") from None
    if low > high:
        raise BadRequest(ErrorCode.INVALID_PARAMETERS, f"from_timestamp {low} is after to_timestamp {high}: give the "
                                                       "start of the range first")
    return float(low), float(high)


def start(session: Session, *, kind: str, task: TaskRow, name: str, job_group: str, pipeline: str,
          payload: Callable[[ReportRow], ReportPayload], model_id: str | None = None,
          time_range: tuple[float, float] | None = None) -> str:
    """Create the report row and enqueue its job in the caller's transaction; returns the job id.

    *payload* builds the job's payload from the new row (its id names the result path).
    """
    low, high = time_range if time_range is not None else (None, None)
    report = ReportRow(kind=kind, task_id=task.id, model_id=model_id, name=name, status=JobStatus.IDLE.value,
                       from_timestamp=low, to_timestamp=high, summary={})
    session.add(report)
    session.flush()
    job = queue.enqueue(session, job_group=job_group, pipeline=pipeline, project_id=task.project_id,
                        task_id=task.id, model_id=model_id, payload=payload(report))
    report.job_id = job.id
    return job.id


def rows_of(session: Session, kind: str, *, task_id: str | None = None, model_id: str | None = None,
            newest_first: bool = False) -> list[ReportRow]:
    """A task's or a model's reports of one kind, each with its status brought up to date."""
    query = select(ReportRow).where(ReportRow.kind == kind)
    if task_id is not None:
        query = query.where(ReportRow.task_id == task_id)
    if model_id is not None:
        query = query.where(ReportRow.model_id == model_id)
    order = (ReportRow.created_at.desc(), ReportRow.id.desc()) if newest_first else (ReportRow.created_at, ReportRow.id)
    return [refresh_status(session, row) for row in session.scalars(query.order_by(*order))]


def get_or_raise(session: Session, caller: Caller, report_id: str, *, kind: str, label: str, listing: str,
                 permission: ProjectPermission = ProjectPermission.READ_PROJECT) -> ReportRow:
    """The report if the caller may see its task, status up to date; one 404 for missing and hidden ones.

    *label* names the kind in messages ("RAG evaluation report"), *listing* the client method that lists them.
    """
    row = session.get(ReportRow, report_id)
    missing = NotFound(ErrorCode.REPORT_NOT_FOUND, f"{label} {report_id} not found: check the id with {listing}")
    if row is None or row.kind != kind:
        raise missing
    try:
        tasks.get_or_raise(session, caller, row.task_id, permission)
    except NotFound:
        raise missing from None
    return refresh_status(session, row)


def require_results(row: ReportRow, storage_has: Callable[[str], bool], *, label: str, then: str) -> str:
    """The path of a completed report's stored results; 409 saying what to do while it has none.

    *then* says what the caller does once the job is done ("ask again", "export it").
    """
    if row.status == JobStatus.ERROR.value:
        raise Conflict(ErrorCode.CONFLICT, f"{label} {row.id} has no results: its computation failed "
                                           f"({row.error or 'unknown reason'}); fix the cause and compute it again")
    if row.status != JobStatus.COMPLETED.value or not row.result_path:
        raise Conflict(ErrorCode.CONFLICT, f"{label} {row.id} is still {row.status}: wait for job {row.job_id} "
                                           f"(wait_job_completion) and {then}")
    if not storage_has(row.result_path):
        raise Conflict(ErrorCode.CONFLICT, f"The results of {label} {row.id} are no longer stored; compute the "
                                           "report again")
    return row.result_path


def finish_job(session: Session, job: JobRow, carried: dict[str, Any]) -> None:
    """Finish of a report's job: the report is completed with its summary and results file, in the job's transaction.

    A report deleted meanwhile is left alone.
    """
    row = session.get(ReportRow, job.payload["report_id"])
    if row is None:
        return
    row.status, row.summary = JobStatus.COMPLETED.value, carried["summary"]
    row.result_path, row.error, row.finished_at = job.payload["result_path"], None, utcnow()
