"""Tables of a project's modelling objects: tasks, their data schema, models and KPIs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mlcube_nb.server.db.base import Base, JSONType, UTCDateTime, new_id, utcnow


class TaskRow(Base):
    """An AI task of a project; type, data structure and ``optional_target`` never change."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(64))
    data_structure: Mapped[str] = mapped_column(String(32))
    optional_target: Mapped[bool] = mapped_column(Boolean, default=False)
    cost_info: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    positive_class: Mapped[Any] = mapped_column(JSONType, nullable=True)
    text_language: Mapped[str | None] = mapped_column(String(32), nullable=True)
    rag_contexts_separator: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # v1's type-specific extras (llm_default_answer, multi_turn, ocr_mode, ...): only the ones that were set.
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DataSchemaRow(Base):
    """The data schema of a task: its columns as the wire's ``ColumnInfo`` dictionaries, in order."""

    __tablename__ = "data_schemas"

    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    columns: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModelRow(Base):
    """A model version of a task; name + version are unique within the task."""

    __tablename__ = "models"
    __table_args__ = (UniqueConstraint("task_id", "name", "version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(255))
    metric_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    with_probabilistic_output: Mapped[bool] = mapped_column(Boolean, default=False)
    retraining_cost: Mapped[float] = mapped_column(Float, default=0.0)
    preferred_suggestion_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resampled_dataset_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    retrain_trigger: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    additional_info: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KpiRow(Base):
    """A business KPI of a project; its status stays ``not_initialized`` until data arrives."""

    __tablename__ = "kpis"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32), default="not_initialized")
    status_kpi_start_timestamp: Mapped[float | None] = mapped_column(Float, nullable=True)
    status_insert_datetime: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
