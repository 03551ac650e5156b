"""Detection-event-rule routes (PLATFORM.md §2 rows 53, 54, 56–58)."""

from __future__ import annotations

from fastapi import APIRouter

from mlcube_nb.models import CreateDetectionEventRuleRequest, DetectionEventRule, UpdateDetectionEventRuleRequest
from mlcube_nb.server.rbac import ProjectPermission
from mlcube_nb.server.routes.deps import CallerDep, SessionDep, SettingsDep
from mlcube_nb.server.services.integrations import rules

router = APIRouter(tags=["rules"])


@router.get("/task/detection-event/rules", operation_id="get_detection_event_rules")
def get_detection_event_rules(task_id: str, session: SessionDep, caller: CallerDep,
                              settings: SettingsDep) -> list[DetectionEventRule]:
    return [rules.to_model(r, settings) for r in rules.list_for(session=session, caller=caller, task_id=task_id)]


@router.get("/task/detection-event/rule/{rule_id}", operation_id="get_detection_event_rule")
def get_detection_event_rule(rule_id: str, session: SessionDep, caller: CallerDep,
                             settings: SettingsDep) -> DetectionEventRule:
    return rules.to_model(rules.get_or_raise(session, caller, rule_id, ProjectPermission.READ_PROJECT), settings)


@router.post("/task/detection-event/rule", operation_id="create_detection_event_rule")
def create_detection_event_rule(body: CreateDetectionEventRuleRequest, session: SessionDep, caller: CallerDep,
                                settings: SettingsDep) -> str:
    return rules.create(session=session, caller=caller, request=body, settings=settings)


@router.patch("/task/detection-event/rule", operation_id="update_detection_event_rule")
def update_detection_event_rule(body: UpdateDetectionEventRuleRequest, session: SessionDep, caller: CallerDep,
                                settings: SettingsDep) -> str:
    return rules.update(session=session, caller=caller, request=body, settings=settings)


@router.delete("/task/detection-event/rule/{rule_id}", operation_id="delete_detection_event_rule", status_code=204)
def delete_detection_event_rule(rule_id: str, session: SessionDep, caller: CallerDep) -> None:
    rules.delete(session=session, caller=caller, rule_id=rule_id)
