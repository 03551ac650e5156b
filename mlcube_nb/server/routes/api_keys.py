"""API-key routes (PLATFORM.md §2 rows 68–75)."""

from __future__ import annotations

from fastapi import APIRouter

from mlcube_nb.models import ApiKey, CreateApiKeyRequest, CreateUserApiKeyRequest
from mlcube_nb.server.routes.deps import CallerDep, SessionDep
from mlcube_nb.server.services.accounts import api_keys

router = APIRouter(tags=["api keys"])


@router.get("/api-key", operation_id="get_api_keys")
def get_api_keys(session: SessionDep, caller: CallerDep) -> list[ApiKey]:
    return [api_keys.to_model(r) for r in api_keys.list_own(session=session, caller=caller)]


@router.post("/api-key", operation_id="create_api_key")
def create_api_key(body: CreateApiKeyRequest, session: SessionDep, caller: CallerDep) -> str:
    return api_keys.create_own(session=session, caller=caller, name=body.name, expiration=body.expiration_time)


@router.delete("/api-key/{api_key}", operation_id="delete_api_key", status_code=204)
def delete_api_key(api_key: str, session: SessionDep, caller: CallerDep) -> None:
    api_keys.delete_own(session=session, caller=caller, handle=api_key)


@router.get("/user-api-key/{user_id}", operation_id="get_user_api_keys")
def get_user_api_keys(user_id: str, session: SessionDep, caller: CallerDep) -> list[ApiKey]:
    rows = api_keys.list_for_user(session=session, caller=caller, user_id=user_id)
    return [api_keys.to_model(r) for r in rows]


@router.post("/user-api-key", operation_id="create_user_api_key")
def create_user_api_key(body: CreateUserApiKeyRequest, session: SessionDep, caller: CallerDep) -> str:
    return api_keys.create_for_user(session=session, caller=caller, user_id=body.user_id, name=body.name,
                                    expiration=body.expiration_time)


@router.delete("/user-api-key/{user_id}/{api_key}", operation_id="delete_user_api_key", status_code=204)
def delete_user_api_key(user_id: str, api_key: str, session: SessionDep, caller: CallerDep) -> None:
    api_keys.delete_for_user(session=session, caller=caller, user_id=user_id, handle=api_key)
