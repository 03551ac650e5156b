"""Topic-modeling report routes (PLATFORM.md §2 rows 45–47)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from mlcube_nb.models import (
    ComputeTopicModelingReportRequest,
    TaskTopicModelingReportDetails,
    TaskTopicModelingReportItem,
)
from mlcube_nb.server.routes.deps import CallerDep, SessionDep
from mlcube_nb.server.services.reports import topic_modeling

router = APIRouter(tags=["topic-modeling"])


@router.post("/topic-modeling", operation_id="compute_topic_modeling_report")
def compute_topic_modeling_report(body: ComputeTopicModelingReportRequest, request: Request, session: SessionDep,
                                  caller: CallerDep) -> str:
    return topic_modeling.compute(session=session, caller=caller, storage=request.app.state.storage, request=body)


@router.get("/task/{task_id}/topic-modeling", operation_id="get_topic_modeling_reports")
def get_topic_modeling_reports(task_id: str, session: SessionDep,
                               caller: CallerDep) -> list[TaskTopicModelingReportItem]:
    return topic_modeling.list_for(session=session, caller=caller, task_id=task_id)


@router.get("/topic-modeling/{report_id}", operation_id="get_topic_modeling_report")
def get_topic_modeling_report(report_id: str, request: Request, session: SessionDep,
                              caller: CallerDep) -> TaskTopicModelingReportDetails:
    return topic_modeling.get(session=session, caller=caller, storage=request.app.state.storage, report_id=report_id)
