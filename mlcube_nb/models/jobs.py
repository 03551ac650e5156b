"""Asynchronous jobs as the client sees them (PLATFORM.md §5.7, §4)."""

from __future__ import annotations

from datetime import datetime

from mlcube_nb.models.common import WireModel


class Job(WireModel):
    """One pipeline run; ``status`` is a JobStatus value kept as a plain string, as on the wire.

    ``progress`` (0..1) and the timestamps are our extensions; v1 ignores them.
    """

    job_id: str
    job_group: str
    project_id: str
    project_name: str
    task_id: str
    task_name: str
    model_id: str | None = None
    model_name: str | None = None
    status: str
    error: str | None = None
    progress: float | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
