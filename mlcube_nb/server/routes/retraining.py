"""Retraining routes (PLATFORM.md §2 rows 21, 24, 40, 41): reports, a version's suggestions, versions from them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from mlcube_nb.models import (
    ComputeRetrainingReportRequest,
    RetrainingReport,
    SuggestionInfo,
    UpdateModelVersionBySuggestionIdRequest,
)
from mlcube_nb.server.routes.deps import CallerDep, SessionDep
from mlcube_nb.server.services.reports import retraining, retraining_suggestions

router = APIRouter(tags=["retraining"])


@router.post("/retraining-report", operation_id="compute_retraining_report")
def compute_retraining_report(body: ComputeRetrainingReportRequest, session: SessionDep, caller: CallerDep) -> str:
    return retraining.compute(session=session, caller=caller, request=body)


@router.get("/retraining-report", operation_id="get_retraining_report")
def get_retraining_report(model_id: Annotated[str, Query()], request: Request, session: SessionDep,
                          caller: CallerDep) -> RetrainingReport:
    model, report = retraining.latest_completed(session=session, caller=caller, model_id=model_id)
    return retraining_suggestions.report_of(session, request.app.state.storage, model, report)


@router.get("/suggestions/{model_id}/{model_version}", operation_id="get_suggestions_info")
def get_suggestions_info(model_id: str, model_version: str, session: SessionDep,
                         caller: CallerDep) -> list[SuggestionInfo]:
    return retraining_suggestions.list_for(session=session, caller=caller, model_id=model_id,
                                           model_version=model_version)


@router.patch("/model-version-suggestion-id", operation_id="update_model_version_by_suggestion_id")
def update_model_version_by_suggestion_id(body: UpdateModelVersionBySuggestionIdRequest, request: Request,
                                          session: SessionDep, caller: CallerDep) -> str:
    return retraining_suggestions.new_version(session=session, caller=caller, storage=request.app.state.storage,
                                              request=body)
