"""RAG evaluation reports: compute, list and export (PLATFORM.md §2 rows 42–44, §9.2).

``compute`` checks the request (a RAG task with a schema, a valid range holding samples), creates
the report row and enqueues the ``rag_evaluation`` pipeline in one transaction. A report's status
mirrors its job: it is read from the job row, and a report whose job failed is brought to ``error``
with the job's reason whenever it is read, so the failure survives without the runner knowing
about lifecycle. ``export`` turns the stored per-sample results into an ``.xlsx`` workbook.

The judge is chosen from the server's settings when the report is requested (:func:`judge_spec`): the
LLM judge's non-secret settings when ``MLCUBE_LLM_BASE_URL`` is set, else the offline judge. The API
key stays out of the job payload; workers read it from their own settings.
"""

from __future__ import annotations

import importlib
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import ColumnRole, ColumnSubRole, DataStructure, ErrorCode, JobStatus, TaskType
from mlcube_nb.models import ColumnInfo, ComputeRagEvaluationReportRequest, RagEvaluationJudge, TaskRagEvalReportItem
from mlcube_nb.server.db.tables import ModelRow, ReportRow, TaskRow
from mlcube_nb.server.errors import BadRequest, Conflict
from mlcube_nb.server.pipelines.payloads import RagEvaluationPayload
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import tasks
from mlcube_nb.server.services.catalog.schema_checks import rag_part
from mlcube_nb.server.services.ingest import catalogue
from mlcube_nb.server.services.ingest.batch_checks import SchemaView
from mlcube_nb.server.services.reports import lifecycle
from mlcube_nb.server.settings import Settings
from mlcube_nb.server.storage import Storage

KIND = "rag_evaluation"
JOB_GROUP = "compute_rag_evaluation_report"
LABEL = "RAG evaluation report"


def _column(columns: list[ColumnInfo], part: ColumnSubRole) -> str | None:
    return next((c.name for c in columns if rag_part(c) is part), None)


def _responses(session: Session, task: TaskRow, columns: list[ColumnInfo]) -> list[list[str]]:
    """``[model_id, response column]`` for every model of the task, newest first."""
    models = session.scalars(select(ModelRow).where(ModelRow.task_id == task.id)
                             .order_by(ModelRow.created_at.desc(), ModelRow.id.desc()))
    out = []
    for model in models:
        name = next((c.name for c in columns if c.role is ColumnRole.PREDICTION and c.model_id == model.id
                     and c.subrole is None), None)
        if name is not None:
            out.append([model.id, name])
    return out


def judge_spec(settings: Settings) -> dict[str, Any]:
    """The judge of new reports as the job payload names it: offline, or the LLM judge's non-secret settings."""
    if not settings.llm_base_url:
        return {"kind": "offline"}
    if not settings.llm_model:
        raise Conflict(ErrorCode.CONFLICT, "The server sets MLCUBE_LLM_BASE_URL but not MLCUBE_LLM_MODEL: ask the "
                                           "administrator to set the judge's model name, or to unset the URL")
    try:
        importlib.import_module("openai")
    except ImportError:
        raise Conflict(ErrorCode.CONFLICT, "The server's LLM judge needs the 'openai' package: ask the administrator "
                                           "to pip install 'mlcube-nb[llm]' on the server and its job workers, or "
                                           "to unset MLCUBE_LLM_BASE_URL") from None
    return {"kind": "llm", "base_url": settings.llm_base_url, "model": settings.llm_model,
            "concurrency": settings.llm_concurrency, "timeout_s": settings.llm_timeout_s}


def compute(*, session: Session, caller: Caller, storage: Storage, request: ComputeRagEvaluationReportRequest,
            judge: dict[str, Any] | None = None) -> str:
    """Start the evaluation of a RAG task's samples in ``[from_timestamp, to_timestamp]``; returns the job id.

    *judge* is :func:`judge_spec` of the server's settings (None: the offline judge).
    """
    task = tasks.get_or_raise(session, caller, request.task_id, ProjectPermission.WORK_ON_PROJECT)
    if task.type != TaskType.RAG.value:
        raise BadRequest(ErrorCode.INVALID_PARAMETERS, f"RAG evaluation is only available for RAG tasks; task "
                                                       f"{task.id} is a {task.type} task")
    low, high = lifecycle.check_range(request.from_timestamp, request.to_timestamp)
    columns = list(lifecycle.schema_view(session, task, "upload production data first").columns)
    view = SchemaView(tuple(columns), DataStructure(task.data_structure))
    files = catalogue.stored_files(session, task.id, ["input"], kinds=list(catalogue.ROW_KINDS))
    count = storage.count_rows([f.path for f in files], view.time.name, [[low, high]]) if files else 0
    if count == 0:
        raise BadRequest(ErrorCode.INVALID_PARAMETERS, f"No samples of task {task.id} have a timestamp in "
                                                       f"[{low}, {high}]: choose a range that holds uploaded data")
    responses = _responses(session, task, columns)
    files += catalogue.stored_files(session, task.id, ["prediction"], kinds=list(catalogue.ROW_KINDS))
    return lifecycle.start(
        session, kind=KIND, task=task, name=request.report_name, job_group=JOB_GROUP, pipeline="rag_evaluation",
        time_range=(low, high),
        payload=lambda report: RagEvaluationPayload(
            report_id=report.id, task_id=task.id,
            view=lifecycle.over_range(catalogue.view_spec(view, files), low, high),
            user_input_column=_column(columns, ColumnSubRole.RAG_USER_INPUT),
            context_column=_column(columns, ColumnSubRole.RAG_RETRIEVED_CONTEXT), responses=responses,
            text_language=task.text_language, separator=task.rag_contexts_separator,
            default_answer=(task.options or {}).get("llm_default_answer"),
            result_path=lifecycle.result_path(task.id, KIND, report.id), judge=judge or {"kind": "offline"},
        ))


def to_item(row: ReportRow) -> TaskRagEvalReportItem:
    """The wire item of a report row."""
    summary = row.summary or {}
    judge = None
    if row.status == JobStatus.COMPLETED.value and summary.get("judge"):
        judge = RagEvaluationJudge.model_validate(summary["judge"] | {
            "failed_samples": summary.get("failed_samples", 0), "judge_tokens": summary.get("judge_tokens")})
    return TaskRagEvalReportItem(id=row.id, creation_datetime=row.created_at, name=row.name,
                                 status=JobStatus(row.status), from_datetime=lifecycle.utc(row.from_timestamp),
                                 to_datetime=lifecycle.utc(row.to_timestamp), judge=judge)


def list_for(*, session: Session, caller: Caller, task_id: str) -> list[TaskRagEvalReportItem]:
    """The task's RAG evaluation reports, oldest first, with their current status."""
    task = tasks.get_or_raise(session, caller, task_id, ProjectPermission.READ_PROJECT)
    return [to_item(row) for row in lifecycle.rows_of(session, KIND, task_id=task.id)]


def export(*, session: Session, caller: Caller, storage: Storage, report_id: str) -> tuple[str, bytes]:
    """The report's file name and its ``.xlsx`` bytes (sheets ``samples``, ``summary`` and ``judge``)."""
    row = lifecycle.get_or_raise(session, caller, report_id, kind=KIND, label=LABEL,
                               listing="get_rag_evaluation_reports")
    path = lifecycle.require_results(row, storage.exists, label=LABEL, then="export it")
    table: pa.Table = storage.read([path])
    from mlcube_nb.rag_evaluation.report import workbook  # pandas, which a server need not load at start

    return f"{row.name}.xlsx", workbook(table.to_pandas(), (row.summary or {}).get("judge"))
