"""Detection event rules of a task: create, update (v1's full replacement or the seed's partial one), read, delete.

Filters are stored in the columns ``rule_matching`` reads; a request's null filter ("any") is stored and
returned as an empty container (PLATFORM.md §5.15), which the matcher also reads as "any". Reads need
READ_PROJECT, writes WORK_ON_PROJECT (§7.3).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import DetectionEventActionType, DetectionEventType, ErrorCode
from mlcube_nb.models import (
    CreateDetectionEventRuleRequest,
    DetectionEventRule,
    UpdateDetectionEventRuleRequest,
)
from mlcube_nb.server.action_secrets import seal, unseal
from mlcube_nb.server.db.tables import DetectionEventRuleRow, ModelRow, TaskRow
from mlcube_nb.server.errors import NotFound
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import tasks
from mlcube_nb.server.services.integrations.address_checks import bad
from mlcube_nb.server.services.integrations.rule_actions import check_action
from mlcube_nb.server.settings import Settings

_FILTERS = ("monitoring_targets", "monitoring_metrics", "monitoring_evaluation_metrics",
            "generic_monitoring_dimensions", "segment_ids")
_KEPT_ON_NULL = ("name", "detection_event_type", "actions")  # an update's null for these keeps the stored value
_ROW_FIELDS = ("name", "severity", "detection_event_type", "model_name", "actions", *_FILTERS)


def to_model(row: DetectionEventRuleRow, settings: Settings) -> DetectionEventRule:
    """The wire model of a rule row (webhooks in clear); filter containers are never null in a response."""
    return DetectionEventRule.model_validate({
        "rule_id": row.id, "name": row.name, "task_id": row.task_id, "model_name": row.model_name,
        "severity": row.severity, "detection_event_type": row.detection_event_type,
        "actions": [unseal(settings, action) for action in row.actions or []],
        "monitoring_targets": list(row.monitoring_targets or []),
        "monitoring_metrics": dict(row.monitoring_metrics or {}),
        "monitoring_evaluation_metrics": list(row.monitoring_evaluation_metrics or []),
        "generic_monitoring_dimensions": list(row.generic_monitoring_dimensions or []),
        "segment_ids": list(row.segment_ids or []),
    })


def get_or_raise(session: Session, caller: Caller, rule_id: str, permission: ProjectPermission
                 ) -> DetectionEventRuleRow:
    """The rule if its task's project is in the caller's company (else 404) and the caller holds *permission*."""
    row = session.get(DetectionEventRuleRow, rule_id)
    found = tasks.company_and_project(session, row.task_id) if row is not None else None
    if row is None or found is None or found[0] != caller.company_id:
        raise NotFound(ErrorCode.RULE_NOT_FOUND, f"Rule {rule_id} not found: check the id with "
                                                 "get_detection_event_rules")
    caller.require_on_project(found[1], permission)
    return row


def _normalised(field: str, value: Any) -> Any:
    """A request value as the checks read it: enum values as text, [] / {} for a null filter, actions as models."""
    if field in ("actions", "name", "model_name"):
        return value
    if field == "monitoring_metrics":
        return {str(target): [str(m) for m in metrics] for target, metrics in (value or {}).items()}
    if field in _FILTERS:
        return [None if v is None else str(v) for v in value or []]
    return None if value is None else str(value)


def _model_names(session: Session, task_id: str) -> list[str]:
    """Distinct model names of a task, oldest first."""
    names = session.scalars(select(ModelRow.name).where(ModelRow.task_id == task_id)
                            .order_by(ModelRow.created_at, ModelRow.id)).all()
    return list(dict.fromkeys(names))


def _check_retrain(session: Session, task: TaskRow, model_name: str | None, label: str) -> None:
    """A retrain action needs the rule's model (named, or the task's only one) to have a retrain trigger."""
    names = _model_names(session, task.id)
    if model_name is None and len(names) != 1:
        raise bad(label, f"a retrain action needs the rule's model_name (the task has {len(names)} models)")
    name = model_name or names[0]
    latest = session.scalars(select(ModelRow).where(ModelRow.task_id == task.id, ModelRow.name == name)
                             .order_by(ModelRow.created_at.desc(), ModelRow.id.desc()).limit(1)).first()
    if latest is None or not latest.retrain_trigger:
        raise bad(label, f"model {name!r} has no retrain trigger: set one with set_retrain_trigger first")


def _check(session: Session, task: TaskRow, values: dict[str, Any]) -> None:
    """Reject a rule (as it would be stored) that cannot work; nothing is written before this passes."""
    if values["severity"] is not None and values["detection_event_type"] != DetectionEventType.DRIFT_ON.value:
        raise bad("severity", "only drift_on events have a severity; leave it null for "
                              f"{values['detection_event_type']} rules")
    model_name = values["model_name"]
    if model_name is not None and model_name not in _model_names(session, task.id):
        raise NotFound(ErrorCode.MODEL_NOT_FOUND, f"model_name: the task has no model named {model_name!r}; "
                                                  "check the names with get_models")
    for target, metrics in values["monitoring_metrics"].items():
        if not metrics:
            raise bad(f"monitoring_metrics.{target}", "is an empty list; list the metrics or drop the target")
    actions = values["actions"]
    if not actions:
        raise bad("actions", "a rule needs at least one action to run when it matches")
    for index, action in enumerate(actions):
        label = f"actions[{index}] ({action.type.value})"
        check_action(session, task.project_id, action, label)
        if action.type is DetectionEventActionType.RETRAIN:
            _check_retrain(session, task, model_name, label)


def _apply(session: Session, task: TaskRow, row: DetectionEventRuleRow, values: dict[str, Any],
           settings: Settings) -> None:
    """Check the rule as it would be stored, then write its fields (webhooks encrypted)."""
    _check(session, task, values)
    for field in _ROW_FIELDS:
        value = values[field]
        if field == "actions":
            value = [seal(settings, action.model_dump(mode="json")) for action in value]
        setattr(row, field, value)


def create(*, session: Session, caller: Caller, request: CreateDetectionEventRuleRequest, settings: Settings) -> str:
    """Create a rule on a task; returns its id. Needs WORK_ON_PROJECT."""
    task = tasks.get_or_raise(session, caller, request.task_id, ProjectPermission.WORK_ON_PROJECT)
    values = {field: _normalised(field, getattr(request, field)) for field in _ROW_FIELDS}
    row = DetectionEventRuleRow(task_id=task.id)
    _apply(session, task, row, values, settings)
    session.add(row)
    session.flush()
    return row.id


def update(*, session: Session, caller: Caller, request: UpdateDetectionEventRuleRequest, settings: Settings) -> str:
    """Change the keys the request carries; absent keys, and a null name, type or actions, keep their value.

    v1 sends every key (a full replacement); our client sends only what the seed call was given.
    """
    row = get_or_raise(session, caller, request.rule_id, ProjectPermission.WORK_ON_PROJECT)
    task = session.get(TaskRow, row.task_id)
    assert task is not None  # the rule was found through its task
    values = {field: getattr(row, field) for field in _ROW_FIELDS}
    values["actions"] = list(to_model(row, settings).actions)
    for field in _ROW_FIELDS:
        value = getattr(request, field)
        if field in request.model_fields_set and not (value is None and field in _KEPT_ON_NULL):
            values[field] = _normalised(field, value)
    if "severity" not in request.model_fields_set and values["detection_event_type"] != DetectionEventType.DRIFT_ON:
        values["severity"] = None  # the seed cannot send a null severity; only drift_on rules keep one
    _apply(session, task, row, values, settings)
    return row.id


def delete(*, session: Session, caller: Caller, rule_id: str) -> None:
    """Delete a rule; needs WORK_ON_PROJECT."""
    session.delete(get_or_raise(session, caller, rule_id, ProjectPermission.WORK_ON_PROJECT))


def list_for(*, session: Session, caller: Caller, task_id: str) -> list[DetectionEventRuleRow]:
    """Rules of a task, oldest first; needs READ_PROJECT."""
    task = tasks.get_or_raise(session, caller, task_id, ProjectPermission.READ_PROJECT)
    query = select(DetectionEventRuleRow).where(DetectionEventRuleRow.task_id == task.id)
    return list(session.scalars(query.order_by(DetectionEventRuleRow.created_at, DetectionEventRuleRow.id)).all())

