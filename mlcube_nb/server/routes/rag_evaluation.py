"""RAG evaluation routes (PLATFORM.md §2 rows 42–44): compute a report, list a task's reports, export one."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mlcube_nb.models import ComputeRagEvaluationReportRequest, TaskRagEvalReportItem
from mlcube_nb.server.routes.deps import CallerDep, SessionDep
from mlcube_nb.server.services.reports import rag_evaluation

router = APIRouter(tags=["rag-evaluation"])

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/rag-evaluation", operation_id="compute_rag_evaluation_report")
def compute_rag_evaluation_report(body: ComputeRagEvaluationReportRequest, request: Request, session: SessionDep,
                                  caller: CallerDep) -> str:
    return rag_evaluation.compute(session=session, caller=caller, storage=request.app.state.storage, request=body,
                                  judge=rag_evaluation.judge_spec(request.app.state.settings))


@router.get("/task/{task_id}/rag-evaluation", operation_id="get_rag_evaluation_reports")
def get_rag_evaluation_reports(task_id: str, session: SessionDep, caller: CallerDep) -> list[TaskRagEvalReportItem]:
    return rag_evaluation.list_for(session=session, caller=caller, task_id=task_id)


@router.get("/rag-evaluation/{report_id}/export", operation_id="export_rag_evaluation_report",
            response_class=Response, responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}})
def export_rag_evaluation_report(report_id: str, request: Request, session: SessionDep,
                                 caller: CallerDep) -> Response:
    name, content = rag_evaluation.export(session=session, caller=caller, storage=request.app.state.storage,
                                          report_id=report_id)
    disposition = f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(content=content, media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": disposition})
