"""Model metrics (``ModelMetricName``) and the task's business cost of a set of predictions (PLATFORM.md §5.5)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

CostFunction = Callable[[np.ndarray, np.ndarray], float]
"""Mean cost per sample of predictions given the truth: ``cost(y_true, y_pred)``."""


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(y_true, float) - np.asarray(y_pred, float)) ** 2)))


def rsquare(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot`` (0 when the truth is constant and matched)."""
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    residual = float(np.sum((y_true - y_pred) ** 2))
    total = float(np.sum((y_true - y_true.mean()) ** 2))
    if total == 0:
        return 0.0 if residual > 0 else 1.0
    return 1.0 - residual / total


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of samples whose predicted class is the true one."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {"rmse": rmse, "rsquare": rsquare,
                                                                 "accuracy": accuracy}
"""The model metrics the retraining report can forecast, by ``ModelMetricName`` value."""


def cost_function(kind: str, cost_info: Mapping[str, Any] | None, classes: tuple[str, ...] = (),
                  positive_class: str | None = None) -> CostFunction | None:
    """The task's mean cost per sample (None without cost info or without a variant matching the task).

    Regression: ``Σ over·(ŷ-y)⁺ + under·(y-ŷ)⁺ / N``. Binary: ``(N_FP·c_FP + N_FN·c_FN) / N`` with the task's
    positive class. Multiclass: each misclassified sample costs its true class's misclassification cost.
    Classification labels are class indices into *classes* (the label strings).
    """
    if not cost_info:
        return None
    if kind == "regression" and {"overestimation_cost", "underestimation_cost"} <= cost_info.keys():
        over, under = float(cost_info["overestimation_cost"]), float(cost_info["underestimation_cost"])
        return lambda y, p: float(np.mean(over * np.clip(p - y, 0, None) + under * np.clip(y - p, 0, None)))
    if kind == "classification" and {"false_positive_cost", "false_negative_cost"} <= cost_info.keys():
        if positive_class is None or positive_class not in classes:
            return None
        positive = classes.index(positive_class)
        fp, fn = float(cost_info["false_positive_cost"]), float(cost_info["false_negative_cost"])
        return lambda y, p: float(np.mean(fp * ((p == positive) & (y != positive))
                                          + fn * ((p != positive) & (y == positive))))
    if kind == "classification" and "misclassification_cost" in cost_info:
        table = {str(k): float(v) for k, v in dict(cost_info["misclassification_cost"]).items()}
        per_class = np.array([table.get(label, 0.0) for label in classes])
        return lambda y, p: float(np.mean(np.where(y != p, per_class[y.astype(int)], 0.0)))
    return None
