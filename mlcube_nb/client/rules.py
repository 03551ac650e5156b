"""Detection events and detection event rules (PLATFORM.md §2 rows 52–58, §9.4).

The seed describes a rule by one ``monitoring_target`` (+ optional ``monitoring_metric``); the wire
uses v1's lists. Mapping (§9.4): ``(T, None)`` → ``monitoring_targets=[T], monitoring_metrics={}``;
``(T, M)`` → ``monitoring_targets=[], monitoring_metrics={T: [M]}``; ``model_name`` travels as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from mlcube_nb.client._base import ClientCore, segment
from mlcube_nb.client._records import RecordList
from mlcube_nb.enums import (
    DetectionEventSeverity,
    DetectionEventType,
    ErrorCode,
    GenericMonitoringDimension,
    MonitoringEvaluationMetric,
    MonitoringMetric,
    MonitoringTarget,
)
from mlcube_nb.exceptions import (
    CreateDetectionEventRuleException,
    SDKClientException,
    UpdateDetectionEventRuleException,
)
from mlcube_nb.models import (
    CreateDetectionEventRuleRequest,
    DetectionEvent,
    DetectionEventAction,
    DetectionEventRule,
    SetDetectionEventUserFeedbackRequest,
    UpdateDetectionEventRuleRequest,
)

__all__ = ["RuleMethods", "target_filters"]


def target_filters(
    target: MonitoringTarget | None, metric: MonitoringMetric | None, exc: type[SDKClientException]
) -> dict[str, Any]:
    """The wire's target/metric filters for the seed's single target and optional metric."""
    if target is None:
        if metric is not None:
            raise exc(ErrorCode.INVALID_PARAMETERS, "monitoring_metric needs a monitoring_target")
        return {}  # no target filter: the rule matches any target
    if metric is None:
        return {"monitoring_targets": [target], "monitoring_metrics": {}}
    return {"monitoring_targets": [], "monitoring_metrics": {target: [metric]}}


def _actions(actions: Sequence[DetectionEventAction | dict[str, Any]]) -> list[Any]:
    """Actions as flat dicts, so a base-class action is re-read as the subclass its ``type`` names."""
    return [action.model_dump() if isinstance(action, BaseModel) else action for action in actions]


class RuleMethods(ClientCore):
    """Detection events of a task, feedback on them, and the rules that act on them."""

    def get_detection_events(self, task_id: str) -> RecordList[DetectionEvent]:
        """Return the detection events of a task."""
        path = f"/task/{segment(task_id)}/sdk-detection-events"
        return self._parse_list(DetectionEvent, self._call("GET", path))

    def get_detection_event_rules(self, task_id: str) -> RecordList[DetectionEventRule]:
        """Return the detection event rules of a task."""
        data = self._call("GET", "/task/detection-event/rules", params={"task_id": task_id})
        return self._parse_list(DetectionEventRule, data)

    def get_detection_event_rule(self, rule_id: str) -> DetectionEventRule:
        """Return the detection event rule with the given id."""
        path = f"/task/detection-event/rule/{segment(rule_id)}"
        return self._parse(DetectionEventRule, self._call("GET", path))

    def set_detection_event_user_feedback(self, detection_id: str, user_feedback: bool) -> None:
        """Tell the platform whether a detection event was expected (it tunes the detectors)."""
        body = self._build(
            SetDetectionEventUserFeedbackRequest,
            SDKClientException,
            detection_id=detection_id,
            user_feedback=user_feedback,
        )
        self._call("PATCH", "/task-detections/feedback", json=body, expect="none")

    def create_detection_event_rule(
        self,
        name: str,
        task_id: str,
        severity: DetectionEventSeverity | None,
        detection_event_type: DetectionEventType,
        monitoring_target: MonitoringTarget | None,
        actions: list[DetectionEventAction],
        monitoring_metric: MonitoringMetric | None = None,
        model_name: str | None = None,
        *,
        monitoring_evaluation_metrics: list[MonitoringEvaluationMetric] | None = None,
        generic_monitoring_dimensions: list[GenericMonitoringDimension] | None = None,
        segment_ids: list[str | None] | None = None,
    ) -> str:
        """Create a rule that runs ``actions`` in order on matching events; returns the rule id."""
        exc = CreateDetectionEventRuleException
        body = self._build(
            CreateDetectionEventRuleRequest,
            exc,
            name=name,
            task_id=task_id,
            severity=severity,
            detection_event_type=detection_event_type,
            actions=_actions(actions),
            model_name=model_name,
            monitoring_evaluation_metrics=monitoring_evaluation_metrics,
            generic_monitoring_dimensions=generic_monitoring_dimensions,
            segment_ids=segment_ids,
            **target_filters(monitoring_target, monitoring_metric, exc),
        )
        return self._call("POST", "/task/detection-event/rule", json=body, exc=exc)

    def update_detection_event_rule(
        self,
        rule_id: str,
        name: str | None = None,
        model_name: str | None = None,
        severity: DetectionEventSeverity | None = None,
        detection_event_type: DetectionEventType | None = None,
        monitoring_target: MonitoringTarget | None = None,
        actions: list[DetectionEventAction] | None = None,
        *,
        monitoring_metric: MonitoringMetric | None = None,
    ) -> None:
        """Update a rule; only the arguments given are sent, the others keep their value."""
        given: dict[str, Any] = {
            "name": name,
            "model_name": model_name,
            "severity": severity,
            "detection_event_type": detection_event_type,
            "actions": None if actions is None else _actions(actions),
        }
        fields = {key: value for key, value in given.items() if value is not None}
        exc = UpdateDetectionEventRuleException
        fields.update(target_filters(monitoring_target, monitoring_metric, exc))
        request = self._build(UpdateDetectionEventRuleRequest, exc, rule_id=rule_id, **fields)
        body = request.model_dump(mode="json", exclude_unset=True)
        self._call("PATCH", "/task/detection-event/rule", json=body, exc=exc, expect="none")

    def delete_detection_event_rule(self, rule_id: str) -> None:
        """Delete a detection event rule."""
        self._call("DELETE", f"/task/detection-event/rule/{segment(rule_id)}", expect="none")
