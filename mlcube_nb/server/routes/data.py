"""Data routes (PLATFORM.md §2 rows 26, 31–34, 39; §3): upload slots, add_* requests, references.

The add_* routes run their service in a transaction of their own, so that when a batch is refused
the uploads it named can be forgotten (slots and staged files) after the rollback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from mlcube_nb.models import (
    AddHistoricalDataRequest,
    AddKpiDataRequest,
    AddProductionDataRequest,
    AddTargetDataRequest,
    GetPresignedUrlRequest,
    PresignedUrlResponse,
    SetModelReferenceRequest,
    UpdateModelVersionFromTimeRangeRequest,
)
from mlcube_nb.server.db.engine import transaction
from mlcube_nb.server.errors import DomainError
from mlcube_nb.server.rbac import Caller
from mlcube_nb.server.routes.deps import CallerDep, SessionDep, SettingsDep
from mlcube_nb.server.services.ingest import data, uploads
from mlcube_nb.server.services.monitoring import references

router = APIRouter(tags=["data"])


@router.get("/data/presigned-url", operation_id="get_presigned_url")
def get_presigned_url(query: Annotated[GetPresignedUrlRequest, Query()], request: Request, session: SessionDep,
                      caller: CallerDep, settings: SettingsDep) -> PresignedUrlResponse:
    return uploads.create_slot(session=session, caller=caller, settings=settings, query=query,
                               base_url=str(request.base_url))


def _ingest(request: Request, caller: Caller, kind: str, body: BaseModel, work: Callable[[data.Ingest], str]) -> str:
    app = request.app
    factory = app.state.session_factory
    try:
        with transaction(factory) as session:
            ingest = data.Ingest(session=session, caller=caller, settings=app.state.settings,
                                 storage=app.state.storage, kind=kind, project_id="")
            return work(ingest)
    except DomainError:
        uploads.forget(factory, app.state.storage, data.upload_ids_in(body), user_id=caller.user_id)
        raise


@router.post("/data/historical", operation_id="add_historical_data")
def add_historical_data(body: AddHistoricalDataRequest, request: Request, caller: CallerDep) -> str:
    return _ingest(request, caller, "historical", body, lambda ingest: data.add_historical(ingest, body))


@router.post("/data/production", operation_id="add_production_data")
def add_production_data(body: AddProductionDataRequest, request: Request, caller: CallerDep) -> str:
    return _ingest(request, caller, "production", body, lambda ingest: data.add_production(ingest, body))


@router.post("/data/target", operation_id="add_target_data")
def add_target_data(body: AddTargetDataRequest, request: Request, caller: CallerDep) -> str:
    return _ingest(request, caller, "target", body, lambda ingest: data.add_target(ingest, body))


@router.post("/data/kpi", operation_id="add_kpi_data")
def add_kpi_data(body: AddKpiDataRequest, request: Request, caller: CallerDep) -> str:
    return _ingest(request, caller, "kpi", body, lambda ingest: data.add_kpi(ingest, body))


@router.post("/model/reference", operation_id="set_model_reference")
def set_model_reference(body: SetModelReferenceRequest, request: Request, session: SessionDep,
                        caller: CallerDep) -> str:
    return references.set_reference(session=session, caller=caller, storage=request.app.state.storage, request=body)


@router.patch("/model-version-time-range", operation_id="update_model_version_from_time_range")
def update_model_version_from_time_range(body: UpdateModelVersionFromTimeRangeRequest, request: Request,
                                         session: SessionDep, caller: CallerDep) -> str:
    return references.new_version_from_time_range(session=session, caller=caller,
                                                   storage=request.app.state.storage, request=body)
