"""Topic-modeling reports (PLATFORM.md §2 rows 45–47, §9.3): compute, list, read.

``compute`` checks the task (text data, or RAG: only the ``user_input`` column), the range (it must
hold stored samples), creates the report row and enqueues the ``topic_modeling`` pipeline in one
transaction. A report's status mirrors its job: it is read from the JobRow (and copied into the row,
with the failure reason) whenever the report is read, so a failed job always shows as ``error``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from mlcube_nb.enums import ColumnRole, ColumnSubRole, DataStructure, DataType, ErrorCode, JobStatus, TaskType
from mlcube_nb.models import (
    ComputeTopicModelingReportRequest,
    TaskTopicModelingReportDetails,
    TaskTopicModelingReportItem,
)
from mlcube_nb.server.db.tables import ReportRow, TaskRow
from mlcube_nb.server.errors import BadRequest
from mlcube_nb.server.pipelines.payloads import TopicModelingPayload
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import tasks
from mlcube_nb.server.services.ingest import catalogue
from mlcube_nb.server.services.ingest.batch_checks import SchemaView
from mlcube_nb.server.services.reports import lifecycle
from mlcube_nb.server.storage import Storage

KIND = "topic_modeling"
JOB_GROUP = "compute_topic_modeling_report"
LABEL = "Topic modeling report"


def compute(*, session: Session, caller: Caller, storage: Storage, request: ComputeTopicModelingReportRequest) -> str:
    """Start a topic-modeling report over the task's samples in ``[from, to]``; returns the job id."""
    task = tasks.get_or_raise(session, caller, request.task_id, ProjectPermission.WORK_ON_PROJECT)
    schema = lifecycle.schema_view(session, task)
    columns = text_columns(task, schema)
    low, high = lifecycle.check_range(request.from_timestamp, request.to_timestamp)
    files = catalogue.stored_files(session, task.id, ["input"], kinds=catalogue.ROW_KINDS)
    count = storage.count_rows([f.path for f in files], schema.time.name, [[low, high]]) if files else 0
    if count == 0:
        raise BadRequest(ErrorCode.INVALID_PARAMETERS,
                         f"Task {task.id} has no samples with {schema.time.name} in [{low}, {high}]: upload data "
                         "first or choose a range that holds samples")
    return lifecycle.start(
        session, kind=KIND, task=task, name=request.report_name, job_group=JOB_GROUP, pipeline="topic_modeling",
        time_range=(low, high),
        payload=lambda report: TopicModelingPayload(
            report_id=report.id, task_id=task.id, text_columns=columns, language=task.text_language,
            n_requested=count, result_path=lifecycle.result_path(task.id, KIND, report.id),
            view=lifecycle.over_range(catalogue.view_spec(schema, files), low, high)))


def list_for(*, session: Session, caller: Caller, task_id: str) -> list[TaskTopicModelingReportItem]:
    """The task's topic-modeling reports, oldest first, each with its job's current status."""
    task = tasks.get_or_raise(session, caller, task_id, ProjectPermission.READ_PROJECT)
    return [_item(row) for row in lifecycle.rows_of(session, KIND, task_id=task.id)]


def get(*, session: Session, caller: Caller, storage: Storage, report_id: str) -> TaskTopicModelingReportDetails:
    """A completed report with its analysed sample ids and the topic of each (409 while not completed)."""
    row = lifecycle.get_or_raise(session, caller, report_id, kind=KIND, label=LABEL,
                               listing="get_topic_modeling_reports")
    path = lifecycle.require_results(row, storage.exists, label=LABEL, then="ask again")
    table = storage.read([path], ["sample_id", "topic"])
    return TaskTopicModelingReportDetails(**_item(row).model_dump(), sample_ids=table["sample_id"].to_pylist(),
                                          topics=table["topic"].to_pylist())


def text_columns(task: TaskRow, schema: SchemaView) -> list[str]:
    """The columns whose text is modelled: RAG ``user_input``; for text tasks every string input column."""
    if task.type == TaskType.RAG.value:
        names = [c.name for c in schema.columns if c.subrole is ColumnSubRole.RAG_USER_INPUT]
    elif task.data_structure == DataStructure.TEXT.value:
        names = [c.name for c in schema.columns if c.role is ColumnRole.INPUT and c.data_type is DataType.STRING]
    else:
        raise BadRequest(ErrorCode.INVALID_PARAMETERS,
                         f"Topic modeling needs text: task {task.id} holds {task.data_structure} data; use a task "
                         "with data_structure text or a RAG task")
    if not names:
        raise BadRequest(ErrorCode.INVALID_PARAMETERS, f"The schema of task {task.id} has no text input column "
                                                       "(role input, data type string) to find topics in")
    return names


def _item(row: ReportRow) -> TaskTopicModelingReportItem:
    return TaskTopicModelingReportItem(id=row.id, creation_datetime=row.created_at, name=row.name,
                                       status=JobStatus(row.status), from_date=lifecycle.utc(row.from_timestamp),
                                       to_date=lifecycle.utc(row.to_timestamp))
