"""The contract between the server and a job's steps: batch kinds and the JSON a job carries.

A job's payload is stored in the jobs table and shipped to an executor (a process or a Dask worker), so
it stays plain JSON; these types say what that JSON holds, in one place, for the code that writes it
(the services, when they enqueue or prepare a job) and the code that reads it (the steps).
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypedDict


class BatchKind(str, Enum):
    """What a stored data batch is: the add_* request that brought it (``data_batches.kind``)."""

    HISTORICAL = "historical"
    PRODUCTION = "production"
    TARGET = "target"
    KPI = "kpi"

    @property
    def job_group(self) -> str:
        """The job group its ingest job is listed under (the public SDK's names)."""
        return f"add_{self.value}_data"

    @property
    def monitored(self) -> bool:
        """Production batches and late targets are analysed against the reference; history is not."""
        return self in (BatchKind.PRODUCTION, BatchKind.TARGET)


class TaskFacts(TypedDict):
    """A task as its jobs see it."""

    id: str
    project_id: str
    type: str
    data_structure: str
    optional_target: bool
    positive_class: Any
    text_language: str | None
    options: dict[str, Any]


class ModelFacts(TypedDict):
    """One model of the task."""

    id: str
    name: str
    version: str
    with_probabilistic_output: bool


class KpiFacts(TypedDict):
    """The KPI a KPI batch belongs to."""

    id: str
    name: str
    project_id: str


class JobContext(TypedDict, total=False):
    """A job's ``context``: the task's facts, schema and models (a KPI batch has none), plus what its kind adds.

    Ingest jobs add ``batch_id``, ``kind``, ``data_batch_type``, ``attached_batches`` (earlier production
    batches the upload adds to) and, for KPI batches, ``kpi``; reference jobs add ``model_id`` and
    ``intervals``. When the job is claimed the server adds ``monitoring`` (each model's reference summary,
    a KPI's state) and ``estimation`` (each model's fitted estimator), read from the database then.
    """

    task: TaskFacts
    schema: list[dict[str, Any]]
    models: list[ModelFacts]
    batch_id: str
    kind: str
    data_batch_type: str | None
    attached_batches: list[str]
    kpi: KpiFacts
    model_id: str
    intervals: list[list[float]]
    monitoring: dict[str, Any]
    estimation: dict[str, Any]


class ViewFile(TypedDict):
    """One catalogued file a job's DataView reads."""

    category: str
    model_id: str | None
    path: str
    format: str
    batch_id: str
    kind: str  # the batch's BatchKind value


class ViewSpec(TypedDict, total=False):
    """A DataView over catalogued files (``pipelines.base.view_of``); references add their time intervals."""

    id_column: str
    time_column: str
    files: list[ViewFile]
    intervals: list[list[float]]


class IngestPayload(TypedDict):
    """An ingest job: the batch, its kind, the files to read and the context."""

    batch_id: str
    kind: str
    view: ViewSpec
    context: JobContext


class ReferencePayload(TypedDict):
    """A reference job (set_model_reference, update_model_version_from_time_range)."""

    model_id: str
    task_id: str
    intervals: list[list[float]]
    segment_references: list[Any]
    sample_category: str
    view: ViewSpec
    context: JobContext


class SuggestionReferencePayload(TypedDict):
    """A new model version whose reference is a retraining suggestion's samples."""

    model_id: str
    task_id: str
    suggestion_id: str
    suggestion_path: str
    view: ViewSpec
    context: JobContext


class ReportPayload(TypedDict):
    """What every report job carries: its report row, task, the data to read, where to write the result."""

    report_id: str
    task_id: str
    view: ViewSpec
    result_path: str


class RagEvaluationPayload(ReportPayload):
    """A RAG evaluation: the columns to judge, the responses' model columns, and the judge's settings."""

    user_input_column: str | None
    context_column: str | None
    responses: Any
    text_language: str | None
    separator: str | None
    default_answer: str | None
    judge: dict[str, Any]


class TopicModelingPayload(ReportPayload):
    """A topic model over the task's text columns."""

    text_columns: list[str]
    language: str | None
    n_requested: int


class RetrainingReportPayload(ReportPayload):
    """A retraining report: importance weights of stored samples for the model's next training."""

    model_id: str
    spec: dict[str, Any]
    reference_size: int
