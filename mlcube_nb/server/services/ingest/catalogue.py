"""Reads of the data catalogue other areas share: stored files, a task's facts for jobs, a DataView spec."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.server.db.tables import (
    BatchFileRow,
    DataSchemaRow,
    ModelRow,
    TaskRow,
)
from mlcube_nb.server.pipelines.payloads import BatchKind, JobContext, ModelFacts, TaskFacts, ViewFile, ViewSpec
from mlcube_nb.server.services.ingest.batch_checks import SchemaView

ROW_KINDS = (BatchKind.HISTORICAL.value, BatchKind.PRODUCTION.value)  # batches that bring new rows
SAMPLE_KINDS = (*ROW_KINDS, BatchKind.TARGET.value)  # and those that label them


def stored_files(session: Session, task_id: str, categories: Sequence[str], *, kinds: Sequence[str] | None = None,
                 model_id: str | None = None, parquet_only: bool = True) -> list[BatchFileRow]:
    """Catalogued files of a task, oldest first: Parquet tables, or also image archives."""
    query = select(BatchFileRow).where(BatchFileRow.task_id == task_id, BatchFileRow.category.in_(categories))
    if parquet_only:
        query = query.where(BatchFileRow.file_format == "parquet")
    if kinds is not None:
        query = query.where(BatchFileRow.kind.in_(kinds))
    if model_id is not None:
        query = query.where(BatchFileRow.model_id == model_id)
    return list(session.scalars(query.order_by(BatchFileRow.created_at, BatchFileRow.id)))


def task_context(session: Session, task: TaskRow) -> JobContext:
    """A job's context with what every task job knows: the task's facts, schema and models (JSON); the
    job's kind adds its own keys."""
    schema = session.get(DataSchemaRow, task.id)
    model_rows = session.scalars(select(ModelRow).where(ModelRow.task_id == task.id)
                                 .order_by(ModelRow.created_at, ModelRow.id))
    facts = TaskFacts(id=task.id, project_id=task.project_id, type=task.type, data_structure=task.data_structure,
                      optional_target=task.optional_target, positive_class=task.positive_class,
                      text_language=task.text_language, options=dict(task.options or {}))
    models = [ModelFacts(id=m.id, name=m.name, version=m.version, with_probabilistic_output=m.with_probabilistic_output)
              for m in model_rows]
    return JobContext(task=facts, schema=list(schema.columns) if schema else [], models=models)


def reference_context(session: Session, task: TaskRow, model_id: str, intervals: list[list[float]]) -> JobContext:
    """The context of a job that computes a model's reference (set, new version from a range or a suggestion)."""
    context = task_context(session, task)
    context["model_id"], context["intervals"] = model_id, intervals
    return context


def view_spec(ingest_schema: SchemaView | None, files: Sequence[BatchFileRow]) -> ViewSpec:
    """The DataView description (JSON) of some catalogued files."""
    id_name = ingest_schema.id.name if ingest_schema else "timestamp"
    time_name = ingest_schema.time.name if ingest_schema else "timestamp"
    return ViewSpec(id_column=id_name, time_column=time_name,
                    files=[ViewFile(category=f.category, model_id=f.model_id, path=f.path, format=f.file_format,
                                    batch_id=f.batch_id, kind=f.kind) for f in files])
