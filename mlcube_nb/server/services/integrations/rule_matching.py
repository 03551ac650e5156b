"""Does a detection-event rule match an event? (PLATFORM.md §9.4, both the seed's and the v1 rule shapes.)"""

from __future__ import annotations

from mlcube_nb.enums import DetectionEventSeverity
from mlcube_nb.server.db.tables import DetectionEventRuleRow
from mlcube_nb.server.db.tables.monitoring import DetectionEventRow


def _severity_ok(rule_severity: str | None, event_severity: str | None) -> bool:
    """A rule's severity matches events at or above it; no severity on the rule matches any."""
    if rule_severity is None:
        return True
    if event_severity is None:
        return False
    return DetectionEventSeverity(event_severity).rank >= DetectionEventSeverity(rule_severity).rank


def _quantity_ok(rule: DetectionEventRuleRow, event: DetectionEventRow) -> bool:
    """Targets and metrics are OR-ed; evaluation metrics separately; empty filters match anything."""
    if event.evaluation_metric is not None:
        wanted = rule.monitoring_evaluation_metrics or []
        if wanted:
            return event.evaluation_metric in wanted
        return not (rule.monitoring_targets or rule.monitoring_metrics)
    targets = rule.monitoring_targets or []
    metrics = rule.monitoring_metrics or {}
    if not targets and not metrics:
        return not rule.monitoring_evaluation_metrics
    if event.monitoring_metric is None:
        return event.monitoring_target in targets
    return event.monitoring_metric in (metrics.get(event.monitoring_target or "") or [])


def rule_matches(rule: DetectionEventRuleRow, event: DetectionEventRow) -> bool:
    """True when the rule's task, event type, quantity, severity, model and segment filters all accept the event."""
    if rule.task_id != event.task_id or rule.detection_event_type != event.event_type:
        return False
    if event.event_type == "drift_on" and not _severity_ok(rule.severity, event.severity):
        return False
    if rule.model_name is not None and rule.model_name != event.model_name:
        return False
    segments = rule.segment_ids or []
    if segments and event.segment_id not in segments:
        return False
    return _quantity_ok(rule, event)
