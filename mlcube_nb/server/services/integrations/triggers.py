"""Retrain triggers: how the platform starts a model's retraining pipeline (PLATFORM.md §5.17, §9.5).

A trigger is stored on the model version (``ModelRow.retrain_trigger``, the wire's flat object) after its
destination and credentials are checked against the model's project. Setting or removing one needs
WORK_ON_PROJECT (§7.3), as do testing a trigger (a clearly marked test event, sent at once, its outcome
answered) and ``retrain_model`` (the model's trigger fired through the outbox: retried, and recorded
among the task's deliveries).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

from mlcube_nb.enums import DetectionEventActionType, ErrorCode
from mlcube_nb.models import RetrainTrigger
from mlcube_nb.server.actions.context import trigger_context
from mlcube_nb.server.actions.dispatch import deliver
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.tables import ModelRow, TaskRow
from mlcube_nb.server.db.tables.monitoring import DeliveryRow
from mlcube_nb.server.errors import BadRequest, DomainError
from mlcube_nb.server.jobs.signals import DELIVERIES, mark_added
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import models
from mlcube_nb.server.services.integrations.rule_actions import check_trigger
from mlcube_nb.server.settings import Settings


def set_retrain_trigger(*, session: Session, caller: Caller, model_id: str, trigger: RetrainTrigger | None) -> None:
    """Store the model's trigger, or remove it when *trigger* is None."""
    row = models.get_or_raise(session, caller, model_id, ProjectPermission.WORK_ON_PROJECT)
    if trigger is None:
        row.retrain_trigger = None
        return
    task = session.get(TaskRow, row.task_id)
    assert task is not None  # the model was found through its task
    check_trigger(session, task.project_id, trigger)
    row.retrain_trigger = trigger.model_dump(mode="json")


RETRAIN_ACTION = {"type": DetectionEventActionType.RETRAIN.value}


def _notice(task: TaskRow, model: ModelRow, *, test: bool) -> dict[str, Any]:
    """What a retrain event names when a person (not a detection event) asks for it."""
    return {
        "event_id": None, "task_id": task.id, "task_name": task.name, "project_id": task.project_id,
        "model_id": model.id, "model_name": model.name, "model_version": model.version,
        "event_type": "test" if test else "retrain_requested", "monitoring_target": None, "monitoring_metric": None,
        "monitoring_evaluation_metric": None, "severity": None, "magnitude": None, "sample_timestamp": None,
        "sample_customer_id": None, "time": datetime.now(timezone.utc).isoformat(), "test": test,
    }


def _model_and_task(session: Session, caller: Caller, model_id: str) -> tuple[ModelRow, TaskRow]:
    row = models.get_or_raise(session, caller, model_id, ProjectPermission.WORK_ON_PROJECT)
    task = session.get(TaskRow, row.task_id)
    assert task is not None  # the model was found through its task
    return row, task


def test_retrain_trigger(*, session: Session, caller: Caller, settings: Settings, model_id: str,
                         trigger: RetrainTrigger) -> None:
    """Send one test event through *trigger* now; a refusal or an unreachable receiver is a 424 with its reason."""
    row, task = _model_and_task(session, caller, model_id)
    check_trigger(session, task.project_id, trigger)
    stored = trigger.model_dump(mode="json")
    context = trigger_context(session, task, stored, settings)
    if "error" in context:
        raise BadRequest(ErrorCode.INVALID_PARAMETERS, f"The trigger cannot be fired: {context['error']}")
    result = deliver(dict(RETRAIN_ACTION), _notice(task, row, test=True), credentials=context["credentials"],
                     trigger=stored, settings=settings)
    if not result.ok:
        code = f" (HTTP {result.status_code})" if result.status_code else ""
        raise DomainError(ErrorCode.RETRAIN_TRIGGER_FAILED,
                          f"The test event was not accepted{code}: {result.error}. Check the trigger's destination "
                          "and that its credentials may publish there", status_code=424)


def retrain_model(*, session: Session, caller: Caller, model_id: str) -> str:
    """Queue the firing of the model's trigger (retried like any rule action); returns the delivery id."""
    row, task = _model_and_task(session, caller, model_id)
    if not row.retrain_trigger:
        raise BadRequest(ErrorCode.INVALID_PARAMETERS, f"Model {row.name} {row.version} has no retrain trigger: "
                                                       "set one with set_retrain_trigger first")
    delivery = DeliveryRow(task_id=task.id, event_id=None, rule_id=None, rule_name="retrain_model", action_index=0,
                           action_type=RETRAIN_ACTION["type"], action=dict(RETRAIN_ACTION),
                           notice=_notice(task, row, test=False), status="pending", next_attempt_at=utcnow())
    session.add(delivery)
    session.flush()
    mark_added(session, DELIVERIES)
    return delivery.id
