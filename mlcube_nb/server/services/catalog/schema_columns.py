"""Columns the platform writes itself: the schema template of a task, and each model's prediction columns.

Pure. Model columns follow PLATFORM.md §3.7: ``<MODEL>@<VERSION>`` for the prediction,
``<MODEL>_probability@<VERSION>`` for a probabilistic output and ``<MODEL>_embeddings@<VERSION>`` for a
prediction embedding; an object-label target is mirrored by ``<MODEL>_labels@<VERSION>``. A prediction
column copies the type of the target it predicts, so both files can be checked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlcube_nb.enums import ColumnRole, ColumnSubRole, DataStructure, DataType, ImageMode, TaskType, TimeseriesMode
from mlcube_nb.models import ColumnInfo
from mlcube_nb.server.services.catalog.schema_checks import TaskFacts, is_main_target

_T, _R, _S, _D = TaskType, ColumnRole, ColumnSubRole, DataType

PROBABILISTIC_TYPES = frozenset({_T.CLASSIFICATION_BINARY, _T.CLASSIFICATION_MULTICLASS,
                                 _T.CLASSIFICATION_MULTILABEL, _T.RAG})
"""Task types whose models may have a probabilistic output (PLATFORM.md §5.6)."""

DEFAULT_PREDICTION: dict[TaskType, tuple[DataType, list[int] | None]] = {
    _T.REGRESSION: (_D.FLOAT, None),
    _T.TIMESERIES: (_D.FLOAT, None),
    _T.CLASSIFICATION_BINARY: (_D.STRING, None),
    _T.CLASSIFICATION_MULTICLASS: (_D.STRING, None),
    _T.CLASSIFICATION_MULTILABEL: (_D.ARRAY_1, [-1]),
    _T.CLUSTERING: (_D.INTEGER, None),
    _T.RAG: (_D.STRING, None),
    _T.OCR: (_D.STRING, None),
    _T.OBJECT_DETECTION: (_D.ARRAY_2, [-1, 4]),
    _T.SEMANTIC_SEGMENTATION: (_D.ARRAY_3, [-1, -1, 2]),
}
"""Prediction type when the schema has no target to copy (optional target, RAG, clustering)."""


@dataclass(frozen=True)
class ModelFacts:
    """What the column builder needs to know about a model version."""

    id: str
    name: str
    version: str
    with_probabilistic_output: bool


def prediction_name(model: ModelFacts) -> str:
    """``<MODEL_NAME>@<MODEL_VERSION>``: the column holding the model's predictions."""
    return f"{model.name}@{model.version}"


def _suffixed(model: ModelFacts, suffix: str) -> str:
    return f"{model.name}_{suffix}@{model.version}"


def model_columns(task: TaskFacts, user_columns: list[ColumnInfo], model: ModelFacts) -> list[ColumnInfo]:
    """The columns *model* adds to a schema whose own columns are *user_columns*."""
    target = next((c for c in user_columns if is_main_target(c)), None)
    labels = next((c for c in user_columns if c.subrole is _S.OBJECT_LABEL_TARGET), None)
    embedding = next((c for c in user_columns if c.role is _R.TARGET_ADDITIONAL_EMBEDDING), None)
    common: dict[str, Any] = {"role": _R.PREDICTION, "is_nullable": False, "model_id": model.id,
                              "model_name": model.name}
    if target is not None:
        subrole = _S.OBJECT_TEXT_PREDICTION if target.subrole is _S.OBJECT_TEXT_TARGET else None
        columns = [ColumnInfo(name=prediction_name(model), data_type=target.data_type, dims=target.dims,
                              possible_values=target.possible_values, classes_names=target.classes_names,
                              predicted_target=target.name, subrole=subrole, **common)]
    else:
        data_type, dims = DEFAULT_PREDICTION[task.type]
        columns = [ColumnInfo(name=prediction_name(model), data_type=data_type, dims=dims, **common)]
    if labels is not None:
        columns.append(ColumnInfo(name=_suffixed(model, "labels"), data_type=labels.data_type, dims=labels.dims,
                                  predicted_target=labels.name, subrole=_S.OBJECT_LABEL_PREDICTION, **common))
    if model.with_probabilistic_output:
        data_type, dims = _probability_shape(task, target)
        columns.append(ColumnInfo(name=_suffixed(model, "probability"), data_type=data_type, dims=dims,
                                  predicted_target=target.name if target else None,
                                  subrole=_S.MODEL_PROBABILITY, **common))
    if embedding is not None:
        columns.append(ColumnInfo(
            name=_suffixed(model, "embeddings"), role=_R.PREDICTION_ADDITIONAL_EMBEDDING, is_nullable=False,
            data_type=embedding.data_type, dims=embedding.dims, model_id=model.id, model_name=model.name))
    return columns


def _probability_shape(task: TaskFacts, target: ColumnInfo | None) -> tuple[DataType, list[int] | None]:
    """One probability for binary and RAG outputs; one per class or label otherwise."""
    if task.type in (_T.CLASSIFICATION_BINARY, _T.RAG):
        return _D.FLOAT, None
    if task.type is _T.CLASSIFICATION_MULTICLASS:
        return _D.ARRAY_1, [len(target.possible_values or []) or -1] if target else [-1]
    return _D.ARRAY_1, list(target.dims or [-1]) if target else [-1]


def _column(name: str, role: ColumnRole, data_type: DataType, **extra: Any) -> ColumnInfo:
    return ColumnInfo(name=name, role=role, data_type=data_type, is_nullable=extra.pop("is_nullable", False),
                      **extra)


def template(task: TaskFacts) -> list[ColumnInfo]:
    """A valid starting schema for the task's type and data structure, placeholders to rename and refine."""
    columns = [_column("sample_id", _R.ID, _D.STRING), _column("timestamp", _R.TIME_ID, _D.FLOAT)]
    return columns + _template_inputs(task) + _template_targets(task)


def _template_inputs(task: TaskFacts) -> list[ColumnInfo]:
    if task.type is _T.RAG:
        columns = [_column("user_input", _R.INPUT, _D.STRING, subrole=_S.RAG_USER_INPUT),
                   _column("retrieved_context", _R.INPUT, _D.STRING, subrole=_S.RAG_RETRIEVED_CONTEXT,
                           is_nullable=True)]
        if task.multi_turn:
            columns += [_column("session_id", _R.METADATA, _D.STRING, subrole=_S.RAG_SESSION_ID),
                        _column("turn_id", _R.METADATA, _D.INTEGER, subrole=_S.RAG_TURN_ID)]
        return columns
    if task.type is _T.TIMESERIES:
        return [_column("regressor_1", _R.INPUT, _D.FLOAT, subrole=_S.REGRESSOR,
                        timeseries_mode=TimeseriesMode.ADDITIVE)]
    structure = task.structure
    if structure is DataStructure.TABULAR:
        return [_column("feature_numeric", _R.INPUT, _D.FLOAT, is_nullable=True),
                _column("feature_category", _R.INPUT, _D.CATEGORICAL, possible_values=["a", "b", "c"],
                        is_nullable=True)]
    if structure is DataStructure.TEXT:
        return [_column("text", _R.INPUT, _D.STRING)]
    if structure is DataStructure.EMBEDDING:
        return [_column("embedding", _R.INPUT, _D.ARRAY_1, dims=[-1])]
    return [_column("image", _R.INPUT, _D.ARRAY_3, dims=[-1, -1, 3], image_mode=ImageMode.RGB)]


def _template_targets(task: TaskFacts) -> list[ColumnInfo]:
    nullable = task.optional_target
    kind = task.type
    if kind in (_T.RAG, _T.CLUSTERING):
        return []
    if kind in (_T.REGRESSION, _T.TIMESERIES):
        return [_column("target", _R.TARGET, _D.FLOAT, is_nullable=nullable)]
    if kind is _T.CLASSIFICATION_BINARY:
        return [_column("target", _R.TARGET, _D.CATEGORICAL, is_nullable=nullable,
                        possible_values=binary_values(task.positive_class))]
    if kind is _T.CLASSIFICATION_MULTICLASS:
        return [_column("target", _R.TARGET, _D.CATEGORICAL, is_nullable=nullable,
                        possible_values=["class_a", "class_b", "class_c"])]
    if kind is _T.CLASSIFICATION_MULTILABEL:
        return [_column("target", _R.TARGET, _D.ARRAY_1, is_nullable=nullable, dims=[3],
                        classes_names=["label_a", "label_b", "label_c"], possible_values=[0, 1])]
    if kind is _T.OCR:
        return [_column("target", _R.TARGET, _D.STRING, is_nullable=nullable, subrole=_S.OBJECT_TEXT_TARGET)]
    shape = [-1, 4] if kind is _T.OBJECT_DETECTION else [-1, -1, 2]
    data_type = _D.ARRAY_2 if kind is _T.OBJECT_DETECTION else _D.ARRAY_3
    return [_column("target", _R.TARGET, data_type, is_nullable=nullable, dims=shape),
            _column("target_labels", _R.TARGET, _D.ARRAY_1, is_nullable=nullable, dims=[-1],
                    subrole=_S.OBJECT_LABEL_TARGET)]


def binary_values(positive_class: Any) -> list[Any]:
    """Two target values that include the positive class, of the same JSON type."""
    if isinstance(positive_class, bool):
        return [False, True]
    if isinstance(positive_class, int):
        return sorted({positive_class, 0 if positive_class != 0 else 1})
    return [positive_class, f"not_{positive_class}"]


def model_column_names(model: ModelFacts) -> set[str]:
    """Every name a column of *model* can have, whatever the schema around it."""
    return {prediction_name(model)} | {_suffixed(model, s) for s in ("labels", "probability", "embeddings")}
