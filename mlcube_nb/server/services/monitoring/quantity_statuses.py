"""Monitored quantities of a task with their status: what ``Task.monitoring_status`` and the status reads show.

Kept apart from ``monitoring_reads`` because the task's own wire model needs it, and monitoring reads
need the task lookup: both import this module, neither imports the other back.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import MonitoringMetric, MonitoringStatus, MonitoringTarget
from mlcube_nb.models import MonitoringQuantityStatus
from mlcube_nb.server.db.tables import ModelRow
from mlcube_nb.server.db.tables.monitoring import QuantityStatusRow

RANK = {"ok": 0, "warning": 1, "drift": 2}
"""Order of severity of the stored status values."""
_E = TypeVar("_E", bound=Enum)


def optional(kind: type[_E], value: str | None) -> _E | None:
    """The stored (nullable) wire value as a member of *kind*."""
    return None if value is None else kind(value)


def model_rows(session: Session, task_id: str) -> dict[str, ModelRow]:
    """The task's models by id."""
    return {m.id: m for m in session.scalars(select(ModelRow).where(ModelRow.task_id == task_id))}


def quantity_statuses(session: Session, task_id: str) -> list[MonitoringQuantityStatus]:
    """Every monitored quantity of a task with its status, model and last change (Task.monitoring_status)."""
    models = model_rows(session, task_id)
    rows = session.scalars(select(QuantityStatusRow).where(QuantityStatusRow.task_id == task_id)
                           .order_by(QuantityStatusRow.key, QuantityStatusRow.model_id)).all()
    out = []
    for row in rows:
        if row.evaluation_metric is not None:
            continue  # evaluation metrics have no MonitoringTarget; they surface through events and history
        model = models.get(row.model_id)
        out.append(MonitoringQuantityStatus(
            status=MonitoringStatus(row.status), monitoring_target=optional(MonitoringTarget, row.monitoring_target),
            monitoring_metric=optional(MonitoringMetric, row.monitoring_metric), specification=row.specification,
            segment_id=row.segment_id,
            model_id=row.model_id, model_name=model.name if model else None,
            model_version=model.version if model else None, last_change_datetime=row.last_changed_at,
        ))
    return out
