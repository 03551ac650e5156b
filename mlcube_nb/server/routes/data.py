"""Data routes (PLATFORM.md §2 rows 26, 31–34, 39; §3): upload slots, add_* requests, references.

The add_* routes hand the request to ``services/ingest/flow.add``, which runs it in a transaction of its
own (so that a refused batch's uploads can be forgotten after the rollback).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

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
from mlcube_nb.server.pipelines.payloads import BatchKind
from mlcube_nb.server.rbac import Caller
from mlcube_nb.server.routes.deps import CallerDep, SessionDep, SettingsDep
from mlcube_nb.server.services.ingest import flow, uploads
from mlcube_nb.server.services.monitoring import references

router = APIRouter(tags=["data"])


@router.get("/data/presigned-url", operation_id="get_presigned_url")
def get_presigned_url(query: Annotated[GetPresignedUrlRequest, Query()], request: Request, session: SessionDep,
                      caller: CallerDep, settings: SettingsDep) -> PresignedUrlResponse:
    return uploads.create_slot(session=session, caller=caller, settings=settings, query=query,
                               base_url=str(request.base_url))


def _add(request: Request, caller: Caller, kind: BatchKind, body: flow.AddRequest) -> str:
    state = request.app.state
    return flow.add(state.session_factory, caller=caller, settings=state.settings, storage=state.storage, kind=kind,
                    body=body)


@router.post("/data/historical", operation_id="add_historical_data")
def add_historical_data(body: AddHistoricalDataRequest, request: Request, caller: CallerDep) -> str:
    return _add(request, caller, BatchKind.HISTORICAL, body)


@router.post("/data/production", operation_id="add_production_data")
def add_production_data(body: AddProductionDataRequest, request: Request, caller: CallerDep) -> str:
    return _add(request, caller, BatchKind.PRODUCTION, body)


@router.post("/data/target", operation_id="add_target_data")
def add_target_data(body: AddTargetDataRequest, request: Request, caller: CallerDep) -> str:
    return _add(request, caller, BatchKind.TARGET, body)


@router.post("/data/kpi", operation_id="add_kpi_data")
def add_kpi_data(body: AddKpiDataRequest, request: Request, caller: CallerDep) -> str:
    return _add(request, caller, BatchKind.KPI, body)


@router.post("/model/reference", operation_id="set_model_reference")
def set_model_reference(body: SetModelReferenceRequest, request: Request, session: SessionDep,
                        caller: CallerDep) -> str:
    return references.set_reference(session=session, caller=caller, storage=request.app.state.storage, request=body)


@router.patch("/model-version-time-range", operation_id="update_model_version_from_time_range")
def update_model_version_from_time_range(body: UpdateModelVersionFromTimeRangeRequest, request: Request,
                                         session: SessionDep, caller: CallerDep) -> str:
    return references.new_version_from_time_range(session=session, caller=caller,
                                                   storage=request.app.state.storage, request=body)
