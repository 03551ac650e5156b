"""What a task may be: type × data structure, the settings each type needs, and cost info that suits it.

Pure checks over request values; each raises ``BadRequest(INVALID_PARAMETERS)`` with a sentence that
says what to change. The tables are PLATFORM.md §5.4–5.5 and §8.7.
"""

from __future__ import annotations

from typing import Any

from mlcube_nb.enums import DataStructure, ErrorCode, TaskType
from mlcube_nb.models import (
    BinaryClassificationTaskCostInfo,
    MulticlassClassificationTaskCostInfo,
    MultilabelClassificationTaskCostInfo,
    RegressionTaskCostInfo,
    TaskCostInfo,
)
from mlcube_nb.server.errors import BadRequest

_T = TaskType
_ALL_STRUCTURES = frozenset(DataStructure)
STRUCTURES: dict[TaskType, frozenset[DataStructure]] = {
    _T.REGRESSION: _ALL_STRUCTURES,
    _T.CLASSIFICATION_BINARY: _ALL_STRUCTURES,
    _T.CLASSIFICATION_MULTICLASS: _ALL_STRUCTURES,
    _T.CLASSIFICATION_MULTILABEL: _ALL_STRUCTURES,
    _T.CLUSTERING: _ALL_STRUCTURES,
    _T.RAG: frozenset({DataStructure.TEXT}),
    _T.OBJECT_DETECTION: frozenset({DataStructure.IMAGE}),
    _T.SEMANTIC_SEGMENTATION: frozenset({DataStructure.IMAGE}),
    _T.OCR: frozenset({DataStructure.IMAGE}),
    _T.TIMESERIES: frozenset({DataStructure.TABULAR}),
}
"""Data structures each task type supports (PLATFORM.md §8.7)."""

_RAG_TARGETS = frozenset({"user_input", "retrieved_context", "user_input_retrieved_context",
                          "user_input_model_output", "model_output_retrieved_context", "turn"})
TASK_SPECIFIC_TARGETS: dict[str, frozenset[TaskType]] = {
    **{target: frozenset({_T.RAG}) for target in _RAG_TARGETS},
    "character_error_rate": frozenset({_T.OCR}),
    "word_error_rate": frozenset({_T.OCR}),
}
"""Monitoring targets that exist only for some task types (PLATFORM.md §8.2); the others apply more widely."""


def check_monitoring_target(task_type: TaskType, target: str) -> None:
    """Refuse a monitoring target that no task of this type has (e.g. word_error_rate on a regression)."""
    allowed = TASK_SPECIFIC_TARGETS.get(target)
    if allowed is not None and task_type not in allowed:
        kinds = ", ".join(sorted(t.value for t in allowed))
        raise _bad(f"monitoring_target {target} is monitored only on {kinds} tasks, and this task is "
                   f"{task_type.value}: pick a target of its type (e.g. input, prediction)")


COST_INFO: dict[TaskType, type[TaskCostInfo]] = {
    _T.REGRESSION: RegressionTaskCostInfo,
    _T.CLASSIFICATION_BINARY: BinaryClassificationTaskCostInfo,
    _T.CLASSIFICATION_MULTICLASS: MulticlassClassificationTaskCostInfo,
    _T.CLASSIFICATION_MULTILABEL: MultilabelClassificationTaskCostInfo,
}
"""The one cost-info variant each task type accepts; other types take no cost info."""

TYPE_OPTIONS: dict[str, TaskType] = {
    "llm_default_answer": _T.RAG,
    "multi_turn": _T.RAG,
    "semantic_segmentation_target_type": _T.SEMANTIC_SEGMENTATION,
    "timeseries_frequency": _T.TIMESERIES,
    "ocr_mode": _T.OCR,
}
"""v1's extra create_task keys and the only task type each one belongs to."""


def _bad(message: str) -> BadRequest:
    return BadRequest(ErrorCode.INVALID_PARAMETERS, message)


def check_structure(task_type: TaskType, structure: DataStructure) -> None:
    """A task type only handles some data structures (RAG is text, detection is image...)."""
    allowed = STRUCTURES[task_type]
    if structure not in allowed:
        names = ", ".join(sorted(s.value for s in allowed))
        raise _bad(f"A {task_type.value} task cannot use {structure.value} data; use one of: {names}")


def check_settings(
    task_type: TaskType,
    structure: DataStructure,
    *,
    positive_class: str | int | bool | None,
    text_language: Any,
    rag_contexts_separator: str | None,
) -> None:
    """positive_class only (and always) for binary classification; text_language only (and always) for
    text data; rag_contexts_separator only for RAG."""
    binary = task_type is _T.CLASSIFICATION_BINARY
    if binary and positive_class is None:
        raise _bad("A binary classification task needs positive_class: the target value that counts as positive")
    if not binary and positive_class is not None:
        raise _bad(f"positive_class only applies to binary classification; leave it empty for {task_type.value}")
    text = structure is DataStructure.TEXT
    if text and text_language is None:
        raise _bad("A task on text data needs text_language (italian, english or multilanguage)")
    if not text and text_language is not None:
        raise _bad(f"text_language only applies to text data; leave it empty for {structure.value} data")
    if rag_contexts_separator is not None and task_type is not _T.RAG:
        raise _bad("rag_contexts_separator only applies to RAG tasks; leave it empty")
    if rag_contexts_separator == "":
        raise _bad("rag_contexts_separator must not be empty; leave it null when contexts have one source")


def check_options(task_type: TaskType, options: dict[str, Any]) -> None:
    """Each of v1's extra keys belongs to one task type; it must be null for the others."""
    for key, value in options.items():
        owner = TYPE_OPTIONS[key]
        if value is not None and task_type is not owner:
            raise _bad(f"{key} only applies to {owner.value} tasks; leave it empty for {task_type.value}")


def check_cost_info(task_type: TaskType, cost_info: TaskCostInfo | None) -> None:
    """The cost-info variant must be the one of the task type, and costs cannot be negative."""
    if cost_info is None:
        return
    expected = COST_INFO.get(task_type)
    if expected is None:
        raise _bad(f"A {task_type.value} task takes no cost_info; leave it empty")
    if not isinstance(cost_info, expected):
        raise _bad(f"cost_info of a {task_type.value} task must be a {expected.__name__}, "
                   f"not a {type(cost_info).__name__}")
    for name, value in _costs(cost_info):
        if value < 0:
            raise _bad(f"cost_info.{name} is {value}; costs cannot be negative")


def _costs(cost_info: TaskCostInfo) -> list[tuple[str, float]]:
    """Every (field, cost) pair of a variant, dictionaries flattened as ``field[key]``."""
    pairs: list[tuple[str, float]] = []
    for name in type(cost_info).model_fields:
        value = getattr(cost_info, name)
        if isinstance(value, dict):
            pairs += [(f"{name}[{key}]", float(cost)) for key, cost in value.items()]
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            pairs.append((name, float(value)))
    return pairs
