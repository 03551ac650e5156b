"""From a task's stored rows to the arrays the label-free estimators take, and back to per-metric results.

Pure (no I/O, no database): the estimation pipeline reads the frames, this module decides what the model's
columns mean for the task type and refuses, with a reason and a sentence saying why, where an estimate
would not be sound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mlcube_nb.enums import MonitoringTarget, TaskType
from mlcube_nb.monitoring.estimation_classification import ClassificationEstimator, fit_classification
from mlcube_nb.monitoring.estimation_common import Estimate, EstimationUnsupported
from mlcube_nb.monitoring.estimation_realized import classification_counts, regression_counts
from mlcube_nb.monitoring.estimation_regression import RegressionEstimator, fit_regression
from mlcube_nb.monitoring.plan import MonitoringPlan

Estimator = ClassificationEstimator | RegressionEstimator
CONFUSION_METRICS = ("accuracy", "precision", "recall", "f1")
MAX_FIT_ROWS = 50_000  # larger references are thinned evenly in time: the fit's cost, not its quality, grows


@dataclass(frozen=True)
class Rows:
    """The usable rows of a frame for one model: class scores or inputs, predictions, and labels where known."""

    scores: np.ndarray | None
    inputs: pd.DataFrame | None
    predicted: np.ndarray
    labels: np.ndarray | None
    times: np.ndarray


def method_of(plan: MonitoringPlan) -> str:
    """``cbpe`` or ``dle`` for the plan's task, or a refusal saying why neither is sound."""
    if plan.task_type == TaskType.REGRESSION.value:
        if plan.prediction_column is None or plan.target_column is None:
            raise EstimationUnsupported("NO_PREDICTIONS", "Loss estimation needs the task's target and the model's "
                                        "prediction column in the data schema.")
        return "dle"
    if plan.task_type in (TaskType.CLASSIFICATION_BINARY.value, TaskType.CLASSIFICATION_MULTICLASS.value):
        if plan.probability_column is None:
            raise EstimationUnsupported(
                "NO_PROBABILITIES", "Confidence-based estimation needs the model's class probabilities: create the "
                "model with with_probabilistic_output=True and send its probability column with the predictions.")
        if plan.prediction_column is None or plan.target_column is None:
            raise EstimationUnsupported("NO_PREDICTIONS", "Confidence-based estimation needs the task's target and "
                                        "the model's prediction column in the data schema.")
        return "cbpe"
    raise EstimationUnsupported(
        "UNSUPPORTED_TASK_TYPE", f"Performance is estimated for binary and multiclass classification (with "
        f"probabilities) and regression only; a {plan.task_type} task has no sound label-free estimate.")


def classes_of(plan: MonitoringPlan, schema: list[dict[str, Any]]) -> tuple[str, ...]:
    """Class names in the order of the probability column: ``(negative, positive)`` for binary tasks."""
    target = next((c for c in schema if c["name"] == plan.target_column), {})
    values = [str(v) for v in (target.get("possible_values") or [])]
    if plan.task_type == TaskType.CLASSIFICATION_BINARY.value:
        if plan.positive_class is None:
            raise EstimationUnsupported("NO_POSITIVE_CLASS", "The binary task has no positive_class: the probability "
                                        "column cannot be read as P(positive). Set it on the task.")
        positive = str(plan.positive_class)
        negative = next((v for v in values if v != positive), f"not {positive}")
        return negative, positive
    if len(values) < 2:
        raise EstimationUnsupported("UNKNOWN_CLASSES", "The target column lists no possible_values, so the model's "
                                    "probability array cannot be matched to classes.")
    return tuple(values)


def _indices(values: pd.Series, classes: tuple[str, ...], binary: bool) -> np.ndarray:
    text = values.astype("string")
    if binary:
        return np.where(text.isna(), -1, (text == classes[1]).fillna(False).astype(int)).astype(np.int64)
    lookup = {c: i for i, c in enumerate(classes)}
    return np.array([lookup.get(v, -1) if isinstance(v, str) else -1 for v in text.tolist()], dtype=np.int64)


def _score_matrix(values: pd.Series, k: int) -> np.ndarray:
    if k == 2:
        p = pd.to_numeric(values, errors="coerce").to_numpy(np.float64)
        return np.column_stack([1.0 - p, p])
    out = np.full((len(values), k), np.nan)
    for i, row in enumerate(values.tolist()):
        if row is not None and len(row) == k:
            out[i] = np.asarray(row, dtype=np.float64)
    return out


def rows_of(plan: MonitoringPlan, method: str, classes: tuple[str, ...], frame: pd.DataFrame,
            *, labelled_only: bool = False) -> Rows:
    """The rows of *frame* with a usable prediction (and score), sorted by time; labels only where known."""
    if plan.prediction_column not in frame.columns:
        return Rows(None, None, np.empty(0), None, np.empty(0))
    frame = frame.sort_values(plan.time_column, kind="stable")
    has_target = plan.target_column in frame.columns
    if labelled_only:
        frame = frame[frame[plan.target_column].notna()] if has_target else frame.iloc[0:0]
    times = pd.to_numeric(frame[plan.time_column], errors="coerce").to_numpy(np.float64)
    if method == "dle":
        predicted = pd.to_numeric(frame[plan.prediction_column], errors="coerce").to_numpy(np.float64)
        keep = np.isfinite(predicted)
        labels = pd.to_numeric(frame[plan.target_column], errors="coerce").to_numpy(np.float64)[keep] \
            if has_target else None
        inputs = frame.loc[keep, list(_input_columns(plan))].reset_index(drop=True)
        return Rows(None, inputs, predicted[keep], labels, times[keep])
    binary = len(classes) == 2
    if plan.probability_column not in frame.columns:
        return Rows(None, None, np.empty(0), None, np.empty(0))
    scores = _score_matrix(frame[plan.probability_column], len(classes))
    predicted = _indices(frame[plan.prediction_column], classes, binary)
    keep = np.isfinite(scores).all(axis=1) & (predicted >= 0)
    labels = _indices(frame[plan.target_column], classes, binary)[keep] if has_target else None
    return Rows(scores[keep], None, predicted[keep], labels, times[keep])


def _input_columns(plan: MonitoringPlan) -> tuple[str, ...]:
    inputs = [q for q in plan.quantities if q.target == MonitoringTarget.INPUT.value and q.metric is None]
    return inputs[0].columns if inputs else ()


def fit_for(plan: MonitoringPlan, method: str, classes: tuple[str, ...], frame: pd.DataFrame,
            seed: int = 0) -> Estimator:
    """Fit the model's estimator on its labelled reference frame (refuses when it cannot be sound)."""
    if len(frame) > MAX_FIT_ROWS:
        frame = frame.sort_values(plan.time_column, kind="stable")
        frame = frame.iloc[np.linspace(0, len(frame) - 1, MAX_FIT_ROWS).astype(np.int64)]
    rows = rows_of(plan, method, classes, frame, labelled_only=True)
    if rows.predicted.size == 0 or rows.labels is None:
        raise EstimationUnsupported(
            "NO_REFERENCE_PREDICTIONS", "The reference holds no rows with both a target and this model's "
            "predictions" + (" and probabilities" if method == "cbpe" else "") + ": send them with the historical "
            "data and set the reference again.")
    if method == "dle":
        assert rows.inputs is not None
        categorical = tuple(c for q in plan.quantities if q.target == MonitoringTarget.INPUT.value
                            and q.metric is None for c in q.categorical)
        return fit_regression(rows.inputs, rows.labels, rows.predicted, categorical=categorical, seed=seed)
    assert rows.scores is not None
    keep = rows.labels >= 0
    return fit_classification(rows.scores[keep], rows.labels[keep], rows.predicted[keep], classes, seed=seed)


def estimate_for(estimator: Estimator, rows: Rows, seed: int = 0) -> dict[str, Estimate]:
    """The estimator's estimates for a batch's rows (nothing when no row is usable)."""
    if rows.predicted.size == 0:
        return {}
    if isinstance(estimator, RegressionEstimator):
        assert rows.inputs is not None
        return estimator.estimate(rows.inputs, rows.predicted)
    assert rows.scores is not None
    return estimator.estimate(rows.scores, rows.predicted, seed=seed)


def counts_for(estimator: Estimator, rows: Rows) -> dict[str, dict[str, Any]]:
    """Per metric, the mergeable realised counts of the labelled rows among *rows* (empty when none)."""
    if rows.labels is None:
        return {}
    if isinstance(estimator, RegressionEstimator):
        keep = np.isfinite(rows.labels)
        if not keep.any():
            return {}
        counts = regression_counts(rows.labels[keep], rows.predicted[keep])
        return {m: counts for m in estimator.metrics}
    keep = rows.labels >= 0
    if not keep.any() or rows.scores is None:
        return {}
    full = classification_counts(rows.labels[keep], rows.predicted[keep], rows.scores[keep], len(estimator.classes))
    plain = {"kind": full["kind"], "confusion": full["confusion"]}
    return {m: (full if m == "roc_auc" else plain) for m in estimator.metrics}
