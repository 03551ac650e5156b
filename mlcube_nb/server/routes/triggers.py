"""Retrain-trigger routes (PLATFORM.md §2 row 86: POST sets the trigger, DELETE removes it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from mlcube_nb.models import RetrainTriggerUnion
from mlcube_nb.server.routes.deps import CallerDep, SessionDep
from mlcube_nb.server.services import triggers

router = APIRouter(tags=["triggers"])


@router.post("/model/{model_id}/retrain-trigger", operation_id="set_retrain_trigger", status_code=204)
def set_retrain_trigger(model_id: str, body: Annotated[RetrainTriggerUnion, Body()], session: SessionDep,
                        caller: CallerDep) -> None:
    triggers.set_retrain_trigger(session=session, caller=caller, model_id=model_id, trigger=body)


@router.delete("/model/{model_id}/retrain-trigger", operation_id="remove_retrain_trigger", status_code=204)
def remove_retrain_trigger(model_id: str, session: SessionDep, caller: CallerDep) -> None:
    triggers.set_retrain_trigger(session=session, caller=caller, model_id=model_id, trigger=None)
