"""What to monitor for a task and model: targets, metrics and the columns each one tests (PLATFORM.md §8.2–8.4).

The plan is derived once from the task type, its data structure, its schema and the model, so the
reference and production analyses agree on every quantity by construction. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlcube_nb.enums import DataStructure, MonitoringMetric, MonitoringTarget, TaskType
from mlcube_nb.monitoring.image_metrics import FILE_NAME, IMAGE_METRICS, metric_column

NUMERIC_TYPES = {"float", "integer"}
CATEGORICAL_TYPES = {"categorical", "string", "bool"}
CLASSIFICATION = {TaskType.CLASSIFICATION_BINARY.value, TaskType.CLASSIFICATION_MULTICLASS.value}
SUPERVISED_TABULAR = CLASSIFICATION | {TaskType.REGRESSION.value}


@dataclass(frozen=True)
class Quantity:
    """One monitored quantity: a target, optionally a metric, tested on a set of (derived) columns."""

    target: str
    metric: str | None
    numeric: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    needs_target: bool = False

    @property
    def key(self) -> str:
        """Stable key of the quantity, e.g. ``input`` or ``input/text_length``."""
        return self.target if self.metric is None else f"{self.target}/{self.metric}"

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the quantity tests."""
        return self.numeric + self.categorical


@dataclass(frozen=True)
class Derived:
    """A column computed from the data before testing (text length, sentiment, entropy...)."""

    name: str
    kind: str  # text_length | text_sentiment | binary_entropy | residual | misclassified | log_likelihood
    source: str
    other: str | None = None


@dataclass(frozen=True)
class MonitoringPlan:
    """Everything the analysis needs to know about one task and model."""

    task_type: str
    data_structure: str
    id_column: str
    time_column: str
    target_column: str | None
    target_kind: str | None
    prediction_column: str | None
    probability_column: str | None
    positive_class: Any
    text_language: str
    derived: tuple[Derived, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    error_stream: str | None = None  # "binary" (DDM on misclassification) or "real" (CUSUM on residuals)
    evaluation: bool = False
    notes: tuple[str, ...] = field(default=())

    def quantity(self, key: str) -> Quantity:
        """The quantity with this key."""
        for q in self.quantities:
            if q.key == key:
                return q
        raise KeyError(key)


def _kind(column: dict[str, Any]) -> str | None:
    data_type = column.get("data_type")
    if data_type in NUMERIC_TYPES:
        return "numeric"
    if data_type in CATEGORICAL_TYPES:
        return "categorical"
    return None


def _language(task: dict[str, Any]) -> str:
    return {"italian": "italian", "multi-language": "multilanguage"}.get(task.get("text_language") or "", "english")


def _text_target(column: dict[str, Any]) -> str:
    """The monitoring target of a text input: RAG inputs are told apart by their subrole (PLATFORM.md §3.7)."""
    subrole = column.get("subrole")
    if subrole == "user_input":
        return MonitoringTarget.USER_INPUT.value
    if subrole == "retrieved_context":
        return MonitoringTarget.RETRIEVED_CONTEXT.value
    return MonitoringTarget.INPUT.value


def plan_for(task: dict[str, Any], columns: list[dict[str, Any]], model: dict[str, Any] | None) -> MonitoringPlan:
    """Build the plan of *task* (wire Task dict), its schema *columns* (ColumnInfo dicts) and *model*."""
    task_type, structure = str(task["type"]), str(task["data_structure"])
    by_role: dict[str, list[dict[str, Any]]] = {}
    for column in columns:
        by_role.setdefault(str(column["role"]), []).append(column)
    id_column = by_role["id"][0]["name"]
    time_column = by_role["time_id"][0]["name"]
    targets = by_role.get("target")
    target = targets[0] if targets else None
    prediction = probability = None
    if model is not None:
        pred_name = f"{model['name']}@{model['version']}"
        prob_name = f"{model['name']}_probability@{model['version']}"
        for column in by_role.get("prediction", []):
            if column["name"] == pred_name:
                prediction = column
            elif column["name"] == prob_name:
                probability = column
    inputs = by_role.get("input", [])
    derived: list[Derived] = []
    quantities: list[Quantity] = []
    notes: list[str] = []
    numeric_in = tuple(c["name"] for c in inputs if _kind(c) == "numeric")
    categorical_in = tuple(c["name"] for c in inputs if _kind(c) == "categorical")

    if structure == DataStructure.TEXT.value:
        text_sources = [(_text_target(c), c["name"]) for c in inputs if c.get("subrole") != "sys_prompt"]
        text_sources += [(MonitoringTarget.USER_INPUT.value, c["name"]) for c in by_role.get("user_input", [])]
        text_sources += [(MonitoringTarget.RETRIEVED_CONTEXT.value, c["name"])
                         for c in by_role.get("retrieved_context", [])]
        for target_name, source in text_sources:
            length, mood = f"{source}::text_length", f"{source}::text_sentiment"
            derived.append(Derived(length, "text_length", source))
            quantities.append(Quantity(target_name, MonitoringMetric.TEXT_LENGTH.value, numeric=(length,)))
            if target_name != MonitoringTarget.RETRIEVED_CONTEXT.value:
                derived.append(Derived(mood, "text_sentiment", source))
                quantities.append(Quantity(target_name, MonitoringMetric.TEXT_SENTIMENT.value, categorical=(mood,)))
                quantities.append(Quantity(target_name, None, numeric=(length,), categorical=(mood,)))
        if task_type == TaskType.RAG.value and prediction is not None:
            length = f"{prediction['name']}::text_length"
            derived.append(Derived(length, "text_length", prediction["name"]))
            quantities.append(Quantity(MonitoringTarget.PREDICTION.value, MonitoringMetric.TEXT_LENGTH.value,
                                       numeric=(length,)))
    elif structure == DataStructure.TABULAR.value:
        if numeric_in or categorical_in:
            quantities.append(Quantity(MonitoringTarget.INPUT.value, None, numeric_in, categorical_in))
    elif structure == DataStructure.IMAGE.value:
        image_columns = []
        for metric in IMAGE_METRICS:
            name = metric_column(metric)
            derived.append(Derived(name, "image_metric", FILE_NAME))  # computed from the archive, not the frame
            quantities.append(Quantity(MonitoringTarget.INPUT.value, MonitoringMetric(metric).value, numeric=(name,)))
            image_columns.append(name)
        quantities.append(Quantity(MonitoringTarget.INPUT.value, None, numeric=tuple(image_columns)))
    else:
        notes.append(f"{structure} inputs are not tested for drift yet; prediction and error are monitored.")

    target_kind = _kind(target) if target else None
    pred_kind = _kind(prediction) if prediction else None
    tabular_supervised = task_type in SUPERVISED_TABULAR
    if tabular_supervised and structure == DataStructure.TABULAR.value and target is not None and target_kind:
        num = numeric_in + ((target["name"],) if target_kind == "numeric" else ())
        cat = categorical_in + ((target["name"],) if target_kind == "categorical" else ())
        quantities.append(Quantity(MonitoringTarget.CONCEPT.value, None, num, cat, needs_target=True))
    if tabular_supervised and prediction is not None and pred_kind:
        pred = ((prediction["name"],), ()) if pred_kind == "numeric" else ((), (prediction["name"],))
        quantities.append(Quantity(MonitoringTarget.PREDICTION.value, None, *pred))
        if structure == DataStructure.TABULAR.value and (numeric_in or categorical_in):
            quantities.append(Quantity(MonitoringTarget.INPUT_PREDICTION.value, None,
                                       numeric_in + pred[0], categorical_in + pred[1]))
    error_stream = None
    if tabular_supervised and prediction is not None and target is not None:
        error_stream = "real" if task_type == TaskType.REGRESSION.value else "binary"
    if probability is not None and task_type == TaskType.CLASSIFICATION_BINARY.value:
        entropy = f"{probability['name']}::entropy"
        derived.append(Derived(entropy, "binary_entropy", probability["name"]))
        quantities.append(Quantity(MonitoringTarget.PREDICTION.value, MonitoringMetric.MODEL_ENTROPY.value,
                                   numeric=(entropy,)))
        if target is not None:
            loglik = f"{probability['name']}::log_likelihood"
            derived.append(Derived(loglik, "log_likelihood", probability["name"], target["name"]))
            quantities.append(Quantity(MonitoringTarget.ERROR.value, MonitoringMetric.LOG_LIKELIHOOD.value,
                                       numeric=(loglik,), needs_target=True))
    return MonitoringPlan(
        task_type=task_type, data_structure=structure, id_column=id_column, time_column=time_column,
        target_column=target["name"] if target else None, target_kind=target_kind,
        prediction_column=prediction["name"] if prediction else None,
        probability_column=probability["name"] if probability else None,
        positive_class=task.get("positive_class"), text_language=_language(task), derived=tuple(derived),
        quantities=tuple(quantities), error_stream=error_stream,
        evaluation=error_stream is not None, notes=tuple(notes),
    )
