"""Retrain triggers: how the platform starts a model's retraining pipeline (PLATFORM.md §5.17, §9.5).

A trigger is stored on the model version (``ModelRow.retrain_trigger``, the wire's flat object) after its
destination and credentials are checked against the model's project. Setting or removing one needs
WORK_ON_PROJECT (§7.3). Firing it belongs to the retrain actions, not here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from mlcube_nb.models import RetrainTrigger
from mlcube_nb.server.db.tables import TaskRow
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services import models
from mlcube_nb.server.services.rule_actions import check_trigger


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
