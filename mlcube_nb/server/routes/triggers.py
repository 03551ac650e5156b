"""Retrain-trigger routes (PLATFORM.md §2 rows 86–88: set or remove, test, fire)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from mlcube_nb.models import RetrainModelRequest, RetrainTriggerUnion, TestRetrainTriggerRequest
from mlcube_nb.server.routes.deps import CallerDep, SessionDep, SettingsDep
from mlcube_nb.server.services.integrations import triggers

router = APIRouter(tags=["triggers"])


@router.post("/model/{model_id}/retrain-trigger", operation_id="set_retrain_trigger", status_code=204)
def set_retrain_trigger(model_id: str, body: Annotated[RetrainTriggerUnion, Body()], session: SessionDep,
                        caller: CallerDep) -> None:
    triggers.set_retrain_trigger(session=session, caller=caller, model_id=model_id, trigger=body)


@router.delete("/model/{model_id}/retrain-trigger", operation_id="remove_retrain_trigger", status_code=204)
def remove_retrain_trigger(model_id: str, session: SessionDep, caller: CallerDep) -> None:
    triggers.set_retrain_trigger(session=session, caller=caller, model_id=model_id, trigger=None)


@router.post("/test-retrain-trigger", operation_id="test_retrain_trigger", status_code=204)
def test_retrain_trigger(body: TestRetrainTriggerRequest, session: SessionDep, caller: CallerDep,
                         settings: SettingsDep) -> None:
    triggers.test_retrain_trigger(session=session, caller=caller, settings=settings, model_id=body.model_id,
                                  trigger=body.retrain_trigger)


@router.post("/retrain-model", operation_id="retrain_model")
def retrain_model(body: RetrainModelRequest, session: SessionDep, caller: CallerDep) -> str:
    delivery_id = triggers.retrain_model(session=session, caller=caller, model_id=body.model_id)
    session.commit()  # wakes this server's outbox (services/integrations/triggers.py marks the delivery)
    return delivery_id
