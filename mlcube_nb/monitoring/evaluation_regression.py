"""Evaluation metrics for regression and time series (PLATFORM.md §8.4).

MAPE is returned as a fraction (0.1 = 10 %), as the platform documents it; targets equal to
zero are left out of MAPE because their percentage error is undefined.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t, p = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if t.shape != p.shape or t.ndim != 1 or t.size == 0:
        raise ValueError(f"y_true and y_pred must be non-empty 1-D of one shape, got {t.shape}, {p.shape}.")
    return t, p


def mae(y_true: Any, y_pred: Any) -> float:
    """Mean absolute error.

    Examples
    --------
    >>> mae([1.0, 2.0, 3.0], [1.5, 2.0, 2.0])
    0.5
    """
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(t - p)))


def rmse(y_true: Any, y_pred: Any) -> float:
    """Root mean squared error.

    Examples
    --------
    >>> rmse([0.0, 0.0, 0.0, 0.0], [2.0, 2.0, 2.0, 2.0])
    2.0
    """
    t, p = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((t - p) ** 2)))


def mape(y_true: Any, y_pred: Any) -> float:
    """Mean absolute percentage error as a fraction, over the non-zero targets.

    Examples
    --------
    >>> mape([100.0, 200.0, 0.0], [110.0, 180.0, 5.0])
    0.1
    """
    t, p = _pair(y_true, y_pred)
    nonzero = t != 0
    if not nonzero.any():
        raise ValueError("mape needs at least one non-zero target.")
    return float(np.mean(np.abs((t[nonzero] - p[nonzero]) / t[nonzero])))


def r_squared(y_true: Any, y_pred: Any) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot`` (NaN for a constant target).

    Examples
    --------
    >>> r_squared([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    0.5
    """
    t, p = _pair(y_true, y_pred)
    total = np.sum((t - t.mean()) ** 2)
    return float(1.0 - np.sum((t - p) ** 2) / total) if total > 0 else float("nan")


def regression_metrics(y_true: Any, y_pred: Any) -> dict[str, float]:
    """All regression metrics keyed by their MonitoringEvaluationMetric wire value.

    Examples
    --------
    >>> sorted(regression_metrics([1.0, 2.0], [1.0, 3.0]))
    ['mae', 'mape', 'r_squared', 'rmse']
    """
    return {
        "mae": mae(y_true, y_pred), "rmse": rmse(y_true, y_pred),
        "mape": mape(y_true, y_pred), "r_squared": r_squared(y_true, y_pred),
    }
