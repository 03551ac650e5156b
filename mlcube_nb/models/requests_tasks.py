"""Request bodies for task, model, schema, data, KPI and report calls (PLATFORM.md §2, rows 11–45).

Each accepts exactly what v1 sends (every key, nulls included) and ignores keys it does not know.
"""

from __future__ import annotations

from mlcube_nb.enums import (
    DataBatchType,
    DataStructure,
    ModelMetricName,
    OcrMode,
    SemanticSegTargetType,
    SuggestionType,
    TaskType,
    TextLanguage,
)
from mlcube_nb.models.common import (
    Cost,
    DescriptionStr,
    IdStr,
    Int64,
    NameStr,
    SampleCount,
    ShortStr,
    TagList,
    Timestamp,
    VersionStr,
    WireModel,
)
from mlcube_nb.models.data import DataInfoUnion, ReferenceInfo
from mlcube_nb.models.schema import DataSchema
from mlcube_nb.models.tasks import TaskCostInfoUnion

PredictionInfo = tuple[IdStr, DataInfoUnion]
"""A predictions entry: ``[model_id, DataInfo]``."""


class CreateTaskRequest(WireModel):
    """Body of create_task, including v1's extra keys (all optional)."""

    project_id: IdStr
    name: NameStr
    tags: TagList | None = None
    task_type: TaskType
    data_structure: DataStructure
    cost_info: TaskCostInfoUnion | None = None
    optional_target: bool = False
    text_language: TextLanguage | None = None
    positive_class: ShortStr | Int64 | bool | None = None
    rag_contexts_separator: ShortStr | None = None
    llm_default_answer: DescriptionStr | None = None
    semantic_segmentation_target_type: SemanticSegTargetType | None = None
    timeseries_frequency: ShortStr | None = None
    ocr_mode: OcrMode | None = None
    multi_turn: bool | None = None


class UpdateTaskRequest(WireModel):
    """Body of update_task; null keeps a field, ``tags: []`` clears the tags."""

    task_id: IdStr
    name: NameStr | None = None
    tags: TagList | None = None
    cost_info: TaskCostInfoUnion | None = None


class CreateModelRequest(WireModel):
    """Body of create_model."""

    task_id: IdStr
    name: NameStr
    version: VersionStr
    metric_name: ModelMetricName | None = None
    retraining_cost: Cost = 0.0
    preferred_suggestion_type: SuggestionType | None = None
    resampled_dataset_size: SampleCount | None = None
    with_probabilistic_output: bool = False


class SetModelSuggestionTypeRequest(WireModel):
    """Body of set_model_suggestion_type."""

    model_id: IdStr
    preferred_suggestion_type: SuggestionType
    resampled_dataset_size: SampleCount | None = None


class UpdateModelVersionBySuggestionIdRequest(WireModel):
    """Body of update_model_version_by_suggestion_id (starts a job)."""

    model_id: IdStr
    new_model_version: VersionStr
    suggestion_id: IdStr


class UpdateModelVersionRequest(WireModel):
    """Body of update_model_version (the new version's reference starts empty)."""

    model_id: IdStr
    new_model_version: VersionStr


class UpdateModelVersionFromTimeRangeRequest(WireModel):
    """Body of update_model_version_from_time_range (v1 shape; starts a job)."""

    model_id: IdStr
    new_model_version: VersionStr
    default_reference: ReferenceInfo
    segment_references: list[ReferenceInfo] | None = None


class AddDataSchemaRequest(WireModel):
    """Body of add_data_schema."""

    task_id: IdStr
    data_schema: DataSchema


class AddHistoricalDataRequest(WireModel):
    """Body of add_historical_data; ``data_batch_type`` defaults to training for seed-shaped calls."""

    task_id: IdStr
    inputs: DataInfoUnion | None = None
    metadata: DataInfoUnion | None = None
    target: DataInfoUnion | None = None
    predictions: list[PredictionInfo] | None = None
    data_batch_type: DataBatchType = DataBatchType.TRAINING


class AddTargetDataRequest(WireModel):
    """Body of add_target_data."""

    task_id: IdStr
    data: DataInfoUnion


class SetModelReferenceRequest(WireModel):
    """Body of set_model_reference (v1 shape; starts a job)."""

    model_id: IdStr
    default_reference: ReferenceInfo
    segment_references: list[ReferenceInfo] | None = None


class AddProductionDataRequest(WireModel):
    """Body of add_production_data; at least one of the four parts is expected."""

    task_id: IdStr
    inputs: DataInfoUnion | None = None
    metadata: DataInfoUnion | None = None
    target: DataInfoUnion | None = None
    predictions: list[PredictionInfo] | None = None


class CreateKpiRequest(WireModel):
    """Body of create_kpi."""

    project_id: IdStr
    name: NameStr


class AddKpiDataRequest(WireModel):
    """Body of add_kpi_data (the KPI series is tabular data)."""

    kpi_id: IdStr
    kpi: DataInfoUnion


class ComputeRetrainingReportRequest(WireModel):
    """Body of compute_retraining_report."""

    model_id: IdStr


class ComputeRagEvaluationReportRequest(WireModel):
    """Body of compute_rag_evaluation_report: samples in ``[from_timestamp, to_timestamp]``."""

    task_id: IdStr
    report_name: NameStr
    from_timestamp: Timestamp
    to_timestamp: Timestamp


class ComputeTopicModelingReportRequest(WireModel):
    """Body of compute_topic_modeling_report: samples in ``[from_timestamp, to_timestamp]``."""

    task_id: IdStr
    report_name: NameStr
    from_timestamp: Timestamp
    to_timestamp: Timestamp
