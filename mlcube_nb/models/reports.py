"""Retraining suggestions and reports, RAG-evaluation and topic-modeling report items (§5.10–5.11)."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, SerializeAsAny

from mlcube_nb.enums import JobStatus, SuggestionType
from mlcube_nb.models.common import WireModel


class SuggestionInfo(WireModel):
    """A retraining suggestion available for a model version."""

    id: str
    executed: bool
    timestamp: float


class Suggestion(WireModel):
    """A retraining dataset over sample ids; subclass keys survive parsing as extras."""

    model_config = ConfigDict(extra="allow")

    suggestion_id: str
    suggestion_type: SuggestionType
    sample_ids: list[str]


class SampleWeightsSuggestion(Suggestion):
    """One weight per sample id, for a weighted loss (larger = closer to the new concept)."""

    sample_weights: list[float]


class ResampledDatasetSuggestion(Suggestion):
    """Sample ids drawn with replacement by weight; ``sample_counts`` gives each id's multiplicity."""

    sample_counts: list[int]


class RetrainingReport(WireModel):
    """The retraining report of a model: the suggested dataset and the forecast bounds."""

    report_id: str
    suggestion: SerializeAsAny[Suggestion]
    effective_sample_size: float
    model_metric_name: str
    performance_upper_bound: float | None
    performance_lower_bound: float | None
    cost_upper_bound: float | None = None
    cost_lower_bound: float | None = None


class RagEvaluationJudge(WireModel):
    """Which judge scored a RAG evaluation report (offline, or an LLM by model name) and what it can see."""

    kind: str
    name: str
    sees: str
    cannot_see: str
    model: str | None = None
    prompt_version: str | None = None
    failed_samples: int = 0
    judge_tokens: int | None = None


class TaskRagEvalReportItem(WireModel):
    """A RAG-evaluation report of a task: name, computation state, evaluated range and (once computed) its judge."""

    id: str
    creation_datetime: datetime
    name: str
    status: JobStatus
    from_datetime: datetime
    to_datetime: datetime
    judge: RagEvaluationJudge | None = None


class TaskTopicModelingReportItem(WireModel):
    """A topic-modeling report of a task (note ``from_date`` / ``to_date``, unlike RAG reports)."""

    id: str
    creation_datetime: datetime
    name: str
    status: JobStatus
    from_date: datetime
    to_date: datetime


class TaskTopicModelingReportDetails(TaskTopicModelingReportItem):
    """A topic-modeling report with its analysed samples and the topic of each."""

    sample_ids: list[str]
    topics: list[str]
