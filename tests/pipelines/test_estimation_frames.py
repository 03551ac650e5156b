"""The estimation pipeline's reading of a plan: which estimator fits a task, and the refusals."""

from __future__ import annotations

import pytest

from mlcube_nb.enums import TaskType
from mlcube_nb.monitoring.estimation_common import EstimationUnsupported
from mlcube_nb.monitoring.plan import plan_for
from mlcube_nb.server.pipelines.estimation_frames import classes_of, method_of

SCHEMA = [{"name": "id", "role": "id"}, {"name": "ts", "role": "time_id"},
          {"name": "y", "role": "target", "data_type": "categorical", "possible_values": ["a", "b", "c"]},
          {"name": "m@1", "role": "prediction", "data_type": "categorical"}]
PROBABILITY = {"name": "m_probability@1", "role": "prediction", "data_type": "array_1"}
MODEL = {"name": "m", "version": "1"}


def _task(task_type: TaskType, **extra: str) -> dict[str, str]:
    return {"type": task_type.value, "data_structure": "tabular", **extra}


def test_methods_by_task_type() -> None:
    assert method_of(plan_for(_task(TaskType.REGRESSION), SCHEMA, MODEL)) == "dle"
    plan = plan_for(_task(TaskType.CLASSIFICATION_MULTICLASS), [*SCHEMA, PROBABILITY], MODEL)
    assert method_of(plan) == "cbpe"
    assert classes_of(plan, [*SCHEMA, PROBABILITY]) == ("a", "b", "c")
    binary = plan_for(_task(TaskType.CLASSIFICATION_BINARY, positive_class="b"), [*SCHEMA, PROBABILITY], MODEL)
    assert classes_of(binary, SCHEMA) == ("a", "b")


def test_unsound_estimates_are_refused_with_a_reason() -> None:
    with pytest.raises(EstimationUnsupported) as no_probabilities:
        method_of(plan_for(_task(TaskType.CLASSIFICATION_BINARY, positive_class="b"), SCHEMA, MODEL))
    assert no_probabilities.value.reason == "NO_PROBABILITIES"
    assert "with_probabilistic_output=True" in no_probabilities.value.message
    with pytest.raises(EstimationUnsupported) as unsupported:
        method_of(plan_for(_task(TaskType.CLUSTERING), SCHEMA, MODEL))
    assert unsupported.value.reason == "UNSUPPORTED_TASK_TYPE"
    binary = plan_for(_task(TaskType.CLASSIFICATION_BINARY), [*SCHEMA, PROBABILITY], MODEL)
    with pytest.raises(EstimationUnsupported) as no_positive:
        classes_of(binary, SCHEMA)
    assert no_positive.value.reason == "NO_POSITIVE_CLASS"
