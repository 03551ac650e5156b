"""Model routes (PLATFORM.md §2 rows 16–18, 23, 25; row 19 filters row 17 client-side)."""

from __future__ import annotations

from fastapi import APIRouter

from mlcube_nb.models import CreateModelRequest, Model, SetModelSuggestionTypeRequest, UpdateModelVersionRequest
from mlcube_nb.server.rbac import ProjectPermission
from mlcube_nb.server.routes.deps import CallerDep, SessionDep
from mlcube_nb.server.services.catalog import models

router = APIRouter(tags=["models"])


@router.post("/model", operation_id="create_model")
def create_model(body: CreateModelRequest, session: SessionDep, caller: CallerDep) -> str:
    return models.create(session=session, caller=caller, request=body)


@router.get("/models/{task_id}", operation_id="get_models")
def get_models(task_id: str, session: SessionDep, caller: CallerDep) -> list[Model]:
    return [models.to_model(session, r) for r in models.list_for(session=session, caller=caller, task_id=task_id)]


@router.get("/model/{model_id}", operation_id="get_model")
def get_model(model_id: str, session: SessionDep, caller: CallerDep) -> Model:
    return models.to_model(session, models.get_or_raise(session, caller, model_id, ProjectPermission.READ_PROJECT))


@router.put("/model/suggestion-type", operation_id="set_model_suggestion_type", status_code=204)
def set_model_suggestion_type(body: SetModelSuggestionTypeRequest, session: SessionDep, caller: CallerDep) -> None:
    models.set_suggestion_type(session=session, caller=caller, request=body)


@router.patch("/model-version", operation_id="update_model_version")
def update_model_version(body: UpdateModelVersionRequest, session: SessionDep, caller: CallerDep) -> str:
    return models.new_version(session=session, caller=caller, request=body)
