"""What every report service needs: the task's schema, the report's status mirrored from its job, UTC times."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.orm import Session

from mlcube_nb.enums import DataStructure, ErrorCode, JobStatus
from mlcube_nb.models import ColumnInfo
from mlcube_nb.server.db.tables import DataSchemaRow, JobRow, ReportRow, TaskRow
from mlcube_nb.server.errors import NotFound
from mlcube_nb.server.jobs import queue
from mlcube_nb.server.services.data_rules import SchemaView


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
