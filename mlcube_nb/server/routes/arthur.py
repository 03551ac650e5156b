"""Routes of the ArthurAI-compatible client: organisations, service accounts, models and model groups."""

from __future__ import annotations

from fastapi import APIRouter

from mlcube_nb.server.arthur_wire import (
    ArthurModelGroupInfo,
    ArthurModelInfo,
    CreateArthurModelRequest,
    CreateServiceAccountRequest,
    Organization,
    ServiceAccount,
)
from mlcube_nb.server.routes.deps import CallerDep, SessionDep, SettingsDep
from mlcube_nb.server.services.arthur import accounts as arthur_accounts
from mlcube_nb.server.services.arthur import model_reads as arthur_model_reads
from mlcube_nb.server.services.arthur import models as arthur_models

router = APIRouter(prefix="/arthur", tags=["arthur"])


@router.get("/organizations", operation_id="arthur_get_organizations")
def get_organizations(session: SessionDep, caller: CallerDep) -> list[Organization]:
    return arthur_accounts.organizations_of(session=session, caller=caller)


@router.post("/service-accounts", operation_id="arthur_create_service_account")
def create_service_account(
    body: CreateServiceAccountRequest, session: SessionDep, caller: CallerDep, settings: SettingsDep
) -> ServiceAccount:
    row, token = arthur_accounts.create_service_account(session=session, caller=caller, settings=settings,
                                                        description=body.description, role=body.role)
    return arthur_accounts.to_model(row, token)


@router.get("/service-accounts", operation_id="arthur_get_service_accounts")
def get_service_accounts(
    session: SessionDep, caller: CallerDep, description: str | None = None
) -> list[ServiceAccount]:
    rows = arthur_accounts.list_service_accounts(session=session, caller=caller, description=description)
    return [arthur_accounts.to_model(r) for r in rows]


@router.post("/models", operation_id="arthur_create_model")
def create_model(
    body: CreateArthurModelRequest, session: SessionDep, caller: CallerDep, settings: SettingsDep
) -> ArthurModelInfo:
    row = arthur_models.create(session=session, caller=caller, settings=settings, request=body)
    return arthur_model_reads.to_info(session, row)


@router.get("/models/by-partner-id", operation_id="arthur_get_model_by_partner_id")
def get_model_by_partner_id(partner_model_id: str, session: SessionDep, caller: CallerDep) -> ArthurModelInfo:
    row = arthur_model_reads.get_by_partner_id(session=session, caller=caller, partner_model_id=partner_model_id)
    return arthur_model_reads.to_info(session, row)


@router.get("/models/{model_id}", operation_id="arthur_get_model")
def get_model(model_id: str, session: SessionDep, caller: CallerDep) -> ArthurModelInfo:
    row = arthur_model_reads.get_by_id(session=session, caller=caller, model_id=model_id)
    return arthur_model_reads.to_info(session, row)


@router.get("/model-groups/{group_id}", operation_id="arthur_get_model_group")
def get_model_group(group_id: str, session: SessionDep, caller: CallerDep) -> ArthurModelGroupInfo:
    return arthur_model_reads.group(session=session, caller=caller, group_id=group_id)
