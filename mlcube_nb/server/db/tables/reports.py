"""Tables of computed reports: retraining reports with their suggestions, RAG evaluations, topic models.

A report is computed by a job; its row says what was asked (kind, task, model, time range, name), how the
computation stands (``status`` mirrors the job) and a JSON summary. Large per-sample results live as
Parquet in the platform's storage (``result_path``), so rows stay small.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mlcube_nb.server.db.base import Base, JSONType, UTCDateTime, new_id, utcnow


class ReportRow(Base):
    """One computed (or computing) report of a task: ``retraining``, ``rag_evaluation`` or ``topic_modeling``."""

    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    model_id: Mapped[str | None] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), nullable=True,
                                                 index=True)
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="idle")
    from_timestamp: Mapped[float | None] = mapped_column(Float, nullable=True)
    to_timestamp: Mapped[float | None] = mapped_column(Float, nullable=True)
    job_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    result_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    error: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SuggestionRow(Base):
    """A retraining suggestion of a model version: sample ids with weights or counts, stored as Parquet."""

    __tablename__ = "suggestions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[str | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), nullable=True)
    suggestion_type: Mapped[str] = mapped_column(String(32))
    n_samples: Mapped[int] = mapped_column(Integer, default=0)
    effective_sample_size: Mapped[float | None] = mapped_column(Float, nullable=True)
    data_path: Mapped[str] = mapped_column(String(1024))
    executed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
