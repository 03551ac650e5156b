"""Monitoring routes (PLATFORM.md §2 rows 48, 52, 55) and the history and deliveries extensions."""

from __future__ import annotations

from fastapi import APIRouter, Response

from mlcube_nb.enums import MonitoringEvaluationMetric, MonitoringMetric, MonitoringTarget
from mlcube_nb.models import (
    ActionDelivery,
    DetectionEvent,
    MonitoringHistoryPoint,
    MonitoringQuantityStatus,
    SetDetectionEventUserFeedbackRequest,
)
from mlcube_nb.server.routes.deps import CallerDep, SessionDep
from mlcube_nb.server.services.monitoring import reads as monitoring_reads

router = APIRouter(tags=["monitoring"])


@router.get("/sdk-monitoring-status", operation_id="get_monitoring_status")
def get_monitoring_status(
    task_id: str, monitoring_target: MonitoringTarget, session: SessionDep, caller: CallerDep,
    monitoring_metric: MonitoringMetric | None = None, specification: str | None = None,
    segment_id: str | None = None,
) -> MonitoringQuantityStatus:
    return monitoring_reads.monitoring_status(
        session, caller, task_id, monitoring_target.value, monitoring_metric.value if monitoring_metric else None,
        specification, segment_id)


@router.get("/task/{task_id}/sdk-detection-events", operation_id="get_detection_events")
def get_detection_events(task_id: str, session: SessionDep, caller: CallerDep) -> list[DetectionEvent]:
    return monitoring_reads.detection_events(session, caller, task_id)


@router.patch("/task-detections/feedback", operation_id="set_detection_event_user_feedback", status_code=204)
def set_detection_event_user_feedback(
    body: SetDetectionEventUserFeedbackRequest, session: SessionDep, caller: CallerDep
) -> Response:
    monitoring_reads.set_feedback(session, caller, body.detection_id, body.user_feedback)
    return Response(status_code=204)


@router.get("/task/{task_id}/monitoring-history", operation_id="get_monitoring_history")
def get_monitoring_history(
    task_id: str, session: SessionDep, caller: CallerDep, monitoring_target: MonitoringTarget | None = None,
    monitoring_metric: MonitoringMetric | None = None,
    monitoring_evaluation_metric: MonitoringEvaluationMetric | None = None,
) -> list[MonitoringHistoryPoint]:
    return monitoring_reads.history(
        session, caller, task_id, monitoring_target.value if monitoring_target else None,
        monitoring_metric.value if monitoring_metric else None,
        monitoring_evaluation_metric.value if monitoring_evaluation_metric else None)


@router.get("/task/{task_id}/deliveries", operation_id="get_action_deliveries")
def get_action_deliveries(task_id: str, session: SessionDep, caller: CallerDep) -> list[ActionDelivery]:
    return monitoring_reads.deliveries(session, caller, task_id)
