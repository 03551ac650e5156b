"""Tasks, their business-cost information, and models (PLATFORM.md §5.4–5.6)."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict

from mlcube_nb.enums import (
    Currency,
    DataStructure,
    ModelMetricName,
    MonitoringStatus,
    SuggestionType,
    TaskType,
    TextLanguage,
)
from mlcube_nb.models.common import Cost, Int64, WireModel
from mlcube_nb.models.integrations import RetrainTriggerUnion
from mlcube_nb.models.monitoring import MonitoringQuantityStatus


class TaskCostInfo(WireModel):
    """Base of the cost coefficients of a task; never valid on its own (extra keys kept)."""

    model_config = ConfigDict(extra="allow")

    currency: Currency


class RegressionTaskCostInfo(TaskCostInfo):
    """Cost per unit of over- and under-estimate."""

    overestimation_cost: Cost
    underestimation_cost: Cost


class BinaryClassificationTaskCostInfo(TaskCostInfo):
    """Cost of one false positive and one false negative."""

    false_positive_cost: Cost
    false_negative_cost: Cost


class MulticlassClassificationTaskCostInfo(TaskCostInfo):
    """Cost of misclassifying a sample, by true class."""

    misclassification_cost: dict[str | Int64, Cost]


class MultilabelClassificationTaskCostInfo(TaskCostInfo):
    """False-positive and false-negative cost, by label."""

    false_positive_costs: dict[str, Cost]
    false_negative_costs: dict[str, Cost]


TaskCostInfoUnion = (
    RegressionTaskCostInfo
    | BinaryClassificationTaskCostInfo
    | MulticlassClassificationTaskCostInfo
    | MultilabelClassificationTaskCostInfo
)
"""Any complete cost-info variant; there is no discriminator, pydantic's smart union picks by shape."""


class Task(WireModel):
    """A monitored ML task of a project; the extras after ``monitoring_status`` are ours (v1 ignores them)."""

    task_id: str
    name: str
    type: TaskType
    cost_info: TaskCostInfoUnion | None = None
    optional_target: bool
    monitoring_status: list[MonitoringQuantityStatus]
    project_id: str | None = None
    data_structure: DataStructure | None = None
    tags: list[str] = []
    positive_class: str | int | bool | None = None
    text_language: TextLanguage | None = None
    rag_contexts_separator: str | None = None
    creation_datetime: datetime | None = None


class Model(WireModel):
    """An ML model of a task, its current version and retraining settings; extras after v1's keys are ours."""

    model_id: str
    task_id: str
    name: str
    version: str
    metric_name: ModelMetricName | None = None
    creation_datetime: datetime | None = None
    retrain_trigger: RetrainTriggerUnion | None = None
    retraining_cost: float
    with_probabilistic_output: bool = False
    preferred_suggestion_type: SuggestionType | None = None
    resampled_dataset_size: int | None = None
    status: MonitoringStatus | None = None
