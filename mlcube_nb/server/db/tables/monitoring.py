"""Tables of monitoring results: reference states, quantity statuses, per-batch statistics, events, deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mlcube_nb.server.db.base import Base, JSONType, UTCDateTime, new_id, utcnow


class ReferenceStateRow(Base):
    """A model's reference summary (distributions, evaluation sample) and what batches advance in it.

    ``state`` is fixed once the reference is set (deferred: loaded only when read, as it can weigh
    megabytes); ``version`` names that summary, so a server may keep it parsed; ``carried`` holds the
    parts each batch moves (the error stream's detector), which override the summary's.
    """

    __tablename__ = "reference_states"

    model_id: Mapped[str] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSONType, deferred=True)
    version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    carried: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    plan_notes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuantityStatusRow(Base):
    """The current OK / WARNING / DRIFT status of one monitored quantity, with its state machine."""

    __tablename__ = "quantity_statuses"
    __table_args__ = (UniqueConstraint("task_id", "model_id", "key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(255))
    monitoring_target: Mapped[str | None] = mapped_column(String(64), nullable=True)
    monitoring_metric: Mapped[str | None] = mapped_column(String(64), nullable=True)
    evaluation_metric: Mapped[str | None] = mapped_column(String(64), nullable=True)
    specification: Mapped[str | None] = mapped_column(String(255), nullable=True)
    segment_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="ok")
    machine: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    last_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BatchStatisticRow(Base):
    """One quantity's test on one batch: statistic, p-value, magnitude, decision and levels."""

    __tablename__ = "batch_statistics"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    key: Mapped[str] = mapped_column(String(255), index=True)
    monitoring_target: Mapped[str | None] = mapped_column(String(64), nullable=True)
    monitoring_metric: Mapped[str | None] = mapped_column(String(64), nullable=True)
    evaluation_metric: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decision: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    statistic: Mapped[float] = mapped_column(Float)
    p_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    magnitude: Mapped[float] = mapped_column(Float)
    warning_level: Mapped[float] = mapped_column(Float)
    drift_level: Mapped[float] = mapped_column(Float)
    test: Mapped[str] = mapped_column(String(64))
    n_rows: Mapped[int] = mapped_column(Integer)
    sample_timestamp: Mapped[float | None] = mapped_column(Float, nullable=True)
    features: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    calibration: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class DetectionEventRow(Base):
    """A detection event (warning_on/off, drift_on/off) of one quantity."""

    __tablename__ = "detection_events"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    model_id: Mapped[str | None] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), nullable=True)
    model_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    model_version: Mapped[str | None] = mapped_column(String(255), nullable=True)
    event_type: Mapped[str] = mapped_column(String(32))
    monitoring_target: Mapped[str | None] = mapped_column(String(64), nullable=True)
    monitoring_metric: Mapped[str | None] = mapped_column(String(64), nullable=True)
    evaluation_metric: Mapped[str | None] = mapped_column(String(64), nullable=True)
    severity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    magnitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    sample_timestamp: Mapped[float] = mapped_column(Float, default=0.0)
    sample_customer_id: Mapped[str] = mapped_column(String(255), default="")
    specification: Mapped[str | None] = mapped_column(String(255), nullable=True)
    segment_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_feedback: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    batch_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class KpiStateRow(Base):
    """A KPI's monitoring state: its reference values until frozen, then the reference summary."""

    __tablename__ = "kpi_states"

    kpi_id: Mapped[str] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"), primary_key=True)
    reference_values: Mapped[list[float]] = mapped_column(JSONType, default=list)
    reference: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    machine: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryRow(Base):
    """Outbox: one action of one rule to deliver for one event, written with the event."""

    __tablename__ = "deliveries"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[str | None] = mapped_column(ForeignKey("detection_events.id", ondelete="CASCADE"),
                                                 nullable=True, index=True)
    rule_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    rule_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    action_index: Mapped[int] = mapped_column(Integer, default=0)
    action_type: Mapped[str] = mapped_column(String(64))
    action: Mapped[dict[str, Any]] = mapped_column(JSONType)
    notice: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DeliveryAttemptRow(Base):
    """One attempt at a delivery: outcome, response code, error text (secrets redacted), duration."""

    __tablename__ = "delivery_attempts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
