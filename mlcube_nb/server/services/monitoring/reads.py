"""Read monitoring results for the API: quantity statuses, detection events, feedback, history, deliveries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import (
    DetectionEventSeverity,
    DetectionEventType,
    ErrorCode,
    MonitoringEvaluationMetric,
    MonitoringMetric,
    MonitoringStatus,
    MonitoringTarget,
    TaskType,
)
from mlcube_nb.models import (
    ActionDelivery,
    DeliveryAttempt,
    DetectionEvent,
    FeatureStatistic,
    MonitoringHistoryPoint,
    MonitoringQuantityStatus,
)
from mlcube_nb.server.db.tables import ReferenceRow, TaskRow
from mlcube_nb.server.db.tables.monitoring import (
    BatchStatisticRow,
    DeliveryAttemptRow,
    DeliveryRow,
    DetectionEventRow,
    QuantityStatusRow,
)
from mlcube_nb.server.errors import BadRequest, NotFound
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import tasks
from mlcube_nb.server.services.catalog.task_checks import check_monitoring_target
from mlcube_nb.server.services.monitoring.quantity_statuses import RANK, model_rows, optional


def task_or_404(session: Session, caller: Caller, task_id: str, permission: ProjectPermission) -> TaskRow:
    """The task if the caller may act on it with *permission*; 404 for unknown and other tenants' tasks."""
    return tasks.get_or_raise(session, caller, task_id, permission)


def _segment_ids(session: Session, task_id: str) -> set[str]:
    """Segments the task's model references name, or its monitored quantities carry."""
    rows = session.scalars(select(ReferenceRow.segment_references).where(ReferenceRow.task_id == task_id))
    named = {str(ref["segment_id"]) for refs in rows for ref in refs or [] if ref.get("segment_id") is not None}
    monitored = session.scalars(select(QuantityStatusRow.segment_id).where(
        QuantityStatusRow.task_id == task_id, QuantityStatusRow.segment_id.is_not(None)).distinct())
    return named | {s for s in monitored if s is not None}


def model_status(session: Session, model_id: str) -> MonitoringStatus | None:
    """The worst status among a model's quantities; None while the model is not monitored (no reference yet)."""
    statuses = session.scalars(select(QuantityStatusRow.status).where(QuantityStatusRow.model_id == model_id)).all()
    return MonitoringStatus(max(statuses, key=RANK.__getitem__)) if statuses else None


def monitoring_status(session: Session, caller: Caller, task_id: str, target: str, metric: str | None,
                      specification: str | None, segment_id: str | None) -> MonitoringQuantityStatus:
    """The status of one quantity, the worst over the task's models; OK while nothing was tested.

    A target the task's type never monitors is a 400 and an unknown segment a 404, not a reassuring "ok".
    """
    task = task_or_404(session, caller, task_id, ProjectPermission.READ_PROJECT)
    check_monitoring_target(TaskType(task.type), target)
    if segment_id is not None and segment_id not in _segment_ids(session, task_id):
        raise NotFound(ErrorCode.NOT_FOUND, f"segment_id {segment_id!r} is not a segment of task {task_id}: segments "
                                            "are named by set_model_reference's segment_references; omit segment_id "
                                            "for the whole population")
    query = select(QuantityStatusRow).where(
        QuantityStatusRow.task_id == task_id, QuantityStatusRow.monitoring_target == target,
        QuantityStatusRow.monitoring_metric.is_(None) if metric is None else QuantityStatusRow.monitoring_metric
        == metric)
    rows = session.scalars(query).all()
    worst = max(rows, key=lambda r: (RANK[r.status], r.last_changed_at), default=None)
    return MonitoringQuantityStatus(
        status=MonitoringStatus(worst.status if worst else "ok"), monitoring_target=MonitoringTarget(target),
        monitoring_metric=optional(MonitoringMetric, metric), specification=specification, segment_id=segment_id,
        model_id=worst.model_id if worst else None, last_change_datetime=worst.last_changed_at if worst else None,
    )


def _event(row: DetectionEventRow) -> DetectionEvent:
    return DetectionEvent(
        event_id=row.id, event_type=DetectionEventType(row.event_type),
        monitoring_target=optional(MonitoringTarget, row.monitoring_target),
        monitoring_metric=optional(MonitoringMetric, row.monitoring_metric),
        severity_type=optional(DetectionEventSeverity, row.severity),
        monitoring_evaluation_metric=optional(MonitoringEvaluationMetric, row.evaluation_metric),
        insert_datetime=row.created_at.isoformat(),
        sample_timestamp=row.sample_timestamp, sample_customer_id=row.sample_customer_id, model_id=row.model_id,
        model_name=row.model_name, model_version=row.model_version, user_feedback=row.user_feedback,
        specification=row.specification, segment_id=row.segment_id,
    )


def detection_events(session: Session, caller: Caller, task_id: str) -> list[DetectionEvent]:
    """A task's detection events, oldest first."""
    task_or_404(session, caller, task_id, ProjectPermission.READ_PROJECT)
    rows = session.scalars(select(DetectionEventRow).where(DetectionEventRow.task_id == task_id)
                           .order_by(DetectionEventRow.created_at, DetectionEventRow.id))
    return [_event(r) for r in rows]


def set_feedback(session: Session, caller: Caller, detection_id: str, user_feedback: bool) -> None:
    """Record whether the user expected a drift; only ``drift_on`` events take feedback (§8.1)."""
    row = session.get(DetectionEventRow, detection_id)
    if row is None:
        raise NotFound(ErrorCode.DETECTION_EVENT_NOT_FOUND, f"Detection event {detection_id} not found")
    try:
        task_or_404(session, caller, row.task_id, ProjectPermission.WORK_ON_PROJECT)
    except NotFound:
        raise NotFound(ErrorCode.DETECTION_EVENT_NOT_FOUND, f"Detection event {detection_id} not found") from None
    if row.event_type != "drift_on":
        raise BadRequest(ErrorCode.INVALID_PARAMETERS,
                         f"Feedback is taken on drift_on events only; event {detection_id} is {row.event_type}")
    row.user_feedback = user_feedback


def history(session: Session, caller: Caller, task_id: str, target: str | None, metric: str | None,
            evaluation_metric: str | None = None) -> list[MonitoringHistoryPoint]:
    """Per-batch statistics of one quantity (or every quantity when no filter), oldest first."""
    task = task_or_404(session, caller, task_id, ProjectPermission.READ_PROJECT)
    if target is not None:
        check_monitoring_target(TaskType(task.type), target)
    models = model_rows(session, task_id)
    query = select(BatchStatisticRow).where(BatchStatisticRow.task_id == task_id)
    if target is not None:
        query = query.where(BatchStatisticRow.monitoring_target == target)
        query = query.where(BatchStatisticRow.monitoring_metric.is_(None) if metric is None
                            else BatchStatisticRow.monitoring_metric == metric)
    if evaluation_metric is not None:
        query = query.where(BatchStatisticRow.evaluation_metric == evaluation_metric)
    rows = session.scalars(query.order_by(BatchStatisticRow.created_at, BatchStatisticRow.id))
    out = []
    for row in rows:
        model = models.get(row.model_id)
        out.append(MonitoringHistoryPoint(
            batch_id=row.batch_id, timestamp=row.created_at, sample_timestamp=row.sample_timestamp,
            model_id=row.model_id, model_name=model.name if model else None,
            model_version=model.version if model else None,
            monitoring_target=optional(MonitoringTarget, row.monitoring_target),
            monitoring_metric=optional(MonitoringMetric, row.monitoring_metric),
            monitoring_evaluation_metric=optional(MonitoringEvaluationMetric, row.evaluation_metric),
            statistic=row.statistic, p_value=row.p_value, magnitude=row.magnitude,
            decision=MonitoringStatus(row.decision), status=MonitoringStatus(row.status),
            warning_level=row.warning_level, drift_level=row.drift_level, test=row.test, n_rows=row.n_rows,
            features=[FeatureStatistic.model_validate(f) for f in row.features or []],
            calibration=row.calibration,
        ))
    return out


def deliveries(session: Session, caller: Caller, task_id: str) -> list[ActionDelivery]:
    """A task's rule-action deliveries with every attempt, oldest first."""
    task_or_404(session, caller, task_id, ProjectPermission.READ_PROJECT)
    rows = session.scalars(select(DeliveryRow).where(DeliveryRow.task_id == task_id)
                           .order_by(DeliveryRow.created_at, DeliveryRow.action_index)).all()
    attempts: dict[str, list[DeliveryAttempt]] = {}
    if rows:
        for a in session.scalars(select(DeliveryAttemptRow).where(
                DeliveryAttemptRow.delivery_id.in_([r.id for r in rows])).order_by(DeliveryAttemptRow.attempt)):
            attempts.setdefault(a.delivery_id, []).append(DeliveryAttempt(
                attempt=a.attempt, ok=a.ok, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms,
                attempted_at=a.created_at))
    return [ActionDelivery(
        delivery_id=r.id, task_id=r.task_id, event_id=r.event_id, rule_id=r.rule_id, rule_name=r.rule_name,
        action_index=r.action_index, action_type=r.action_type, status=r.status, attempts=r.attempts,
        last_status_code=r.last_status_code, last_error=r.last_error, creation_datetime=r.created_at,
        delivered_datetime=r.delivered_at, history=attempts.get(r.id, []),
    ) for r in rows]
