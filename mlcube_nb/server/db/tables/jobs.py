"""Tables of the job queue: the jobs (the truth about every pipeline run) and one row per queue.

A queue is what must run in order: the jobs of one task (or of one KPI). ``job_queues.next_seq``
hands out submission numbers under a row lock, so the number order is the commit order, and
``running_job_id`` is the claim: at most one job of a queue runs at a time, on any server.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mlcube_nb.server.db.base import Base, JSONType, UTCDateTime, new_id, utcnow


class JobRow(Base):
    """One pipeline run: idle -> starting -> running -> completed | error."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_queue_key_seq", "queue_key", "seq"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    job_group: Mapped[str] = mapped_column(String(64))
    pipeline: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), nullable=True,
                                                index=True)
    model_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    kpi_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    queue_key: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="idle", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class JobQueueRow(Base):
    """The in-order queue of one task or KPI: submission counter and the job currently claimed."""

    __tablename__ = "job_queues"

    queue_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_seq: Mapped[int] = mapped_column(Integer, default=0)
    running_job_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
