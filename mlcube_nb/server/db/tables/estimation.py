"""Tables of label-free performance estimation: one fitted estimator per model, one estimate per batch and metric."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mlcube_nb.server.db.base import Base, JSONType, UTCDateTime, new_id, utcnow


class PerformanceEstimatorRow(Base):
    """A model's estimator, fitted when its reference was set: where the artefact is stored, or why there is none."""

    __tablename__ = "performance_estimators"

    model_id: Mapped[str] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(32))  # cbpe | dle | none
    artefact_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    metrics: Mapped[list[str]] = mapped_column(JSONType, default=list)
    spread: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    refusal_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    refusal_message: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    job_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PerformanceEstimateRow(Base):
    """One metric's estimate for one production batch, its band and verdict, and the realised value once labelled.

    ``realized_counts`` are the mergeable counts of the batch's labelled rows so far
    (:mod:`mlcube_nb.monitoring.estimation_realized`), so targets sent in several uploads give exact values.
    """

    __tablename__ = "performance_estimates"
    __table_args__ = (UniqueConstraint("model_id", "batch_id", "metric_name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[str] = mapped_column(String(32))
    metric_name: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(32))
    from_timestamp: Mapped[float | None] = mapped_column(Float, nullable=True)
    to_timestamp: Mapped[float | None] = mapped_column(Float, nullable=True)
    n_samples: Mapped[int] = mapped_column(Integer)
    estimated_value: Mapped[float] = mapped_column(Float)
    lower: Mapped[float] = mapped_column(Float)
    upper: Mapped[float] = mapped_column(Float)
    reference_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    warning_level: Mapped[float | None] = mapped_column(Float, nullable=True)
    drift_level: Mapped[float | None] = mapped_column(Float, nullable=True)
    decision: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    realized_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    n_labelled: Mapped[int] = mapped_column(Integer, default=0)
    realized_counts: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
