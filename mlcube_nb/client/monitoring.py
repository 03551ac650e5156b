"""Monitoring methods (PLATFORM.md §2 rows 48, 52, 55) and the history and deliveries extensions."""

from __future__ import annotations

from mlcube_nb.client._base import ClientCore, segment
from mlcube_nb.client._records import RecordList
from mlcube_nb.enums import MonitoringEvaluationMetric, MonitoringMetric, MonitoringTarget
from mlcube_nb.models import ActionDelivery, DetectionEvent, MonitoringHistoryPoint, MonitoringQuantityStatus

__all__ = ["MonitoringMethods"]


def _value(item: object) -> object:
    return getattr(item, "value", item)


class MonitoringMethods(ClientCore):
    """Statuses, detection events and their feedback, per-batch history and rule-action deliveries."""

    def get_monitoring_status(
        self, task_id: str, monitoring_target: MonitoringTarget, monitoring_metric: MonitoringMetric | None = None
    ) -> MonitoringQuantityStatus:
        """Current OK / WARNING / DRIFT status of a monitoring target (or one of its metrics) in a task."""
        params = {"task_id": task_id, "monitoring_target": _value(monitoring_target)}
        if monitoring_metric is not None:
            params["monitoring_metric"] = _value(monitoring_metric)
        return self._parse(MonitoringQuantityStatus, self._call("GET", "/sdk-monitoring-status", params=params))

    def get_detection_events(self, task_id: str) -> RecordList[DetectionEvent]:
        """Every detection event of a task, oldest first (``.df`` for a table)."""
        return self._parse_list(DetectionEvent, self._call("GET", f"/task/{segment(task_id)}/sdk-detection-events"))

    def set_detection_event_user_feedback(self, detection_id: str, user_feedback: bool) -> None:
        """Say whether a drift event was expected (True) or not (False)."""
        self._call("PATCH", "/task-detections/feedback",
                   json={"detection_id": detection_id, "user_feedback": bool(user_feedback)})

    def get_monitoring_history(
        self, task_id: str, monitoring_target: MonitoringTarget | None = None,
        monitoring_metric: MonitoringMetric | None = None,
        monitoring_evaluation_metric: MonitoringEvaluationMetric | None = None,
    ) -> RecordList[MonitoringHistoryPoint]:
        """Per-batch statistics of a quantity (statistic, p-value, magnitude, decision, levels) for plots."""
        params = {k: _value(v) for k, v in (("monitoring_target", monitoring_target),
                                             ("monitoring_metric", monitoring_metric),
                                             ("monitoring_evaluation_metric", monitoring_evaluation_metric))
                  if v is not None}
        return self._parse_list(MonitoringHistoryPoint,
                                self._call("GET", f"/task/{segment(task_id)}/monitoring-history", params=params))

    def get_action_deliveries(self, task_id: str) -> RecordList[ActionDelivery]:
        """The rule-action deliveries of a task, each with its attempts and outcome."""
        return self._parse_list(ActionDelivery, self._call("GET", f"/task/{segment(task_id)}/deliveries"))
