"""Estimated performance before the labels arrive (extension endpoint)."""

from __future__ import annotations

from fastapi import APIRouter

from mlcube_nb.models import EstimatedPerformance
from mlcube_nb.server.routes.deps import CallerDep, SessionDep
from mlcube_nb.server.services.monitoring import estimation_reads

router = APIRouter(tags=["monitoring"])


@router.get("/model/{model_id}/estimated-performance", operation_id="get_estimated_performance")
def get_estimated_performance(model_id: str, session: SessionDep, caller: CallerDep) -> list[EstimatedPerformance]:
    return estimation_reads.list_for(session, caller, model_id)
