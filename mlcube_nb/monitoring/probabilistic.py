"""MODEL_ENTROPY and LOG_LIKELIHOOD for models that output probabilities (PLATFORM.md §8.3).

A probabilistic regressor outputs a Gaussian ``N(mean, std^2)`` per sample; a classifier
outputs class probabilities. The entropy of each prediction measures the model's uncertainty
(monitored on the prediction), the log-likelihood of the observed target measures how well
the predicted distribution explains it (monitored as an error). Both are per-sample arrays
whose distribution is then compared with the reference like any numeric column.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_1d_float


def gaussian_entropy(std: Any) -> np.ndarray:
    """Differential entropy ``0.5 * ln(2 * pi * e * std^2)`` of Gaussian predictions (nats).

    Examples
    --------
    >>> gaussian_entropy([1.0]).round(4).tolist()
    [1.4189]
    """
    s = as_1d_float("std", std)
    if np.any(s <= 0):
        raise ValueError("std must be positive for every prediction.")
    return 0.5 * np.log(2.0 * np.pi * np.e * s**2)


def categorical_entropy(probabilities: Any) -> np.ndarray:
    """Shannon entropy ``-sum(p * ln p)`` of each row of class probabilities (nats).

    Examples
    --------
    >>> categorical_entropy([[0.5, 0.5], [1.0, 0.0]]).round(4).tolist()
    [0.6931, 0.0]
    """
    p = _rows(probabilities)
    logs = np.log(np.where(p > 0, p, 1.0))
    return np.abs(-np.sum(p * logs, axis=1))


def gaussian_log_likelihood(y_true: Any, mean: Any, std: Any) -> np.ndarray:
    """Log-density of each observed target under its predicted Gaussian.

    Examples
    --------
    >>> gaussian_log_likelihood([0.0], [0.0], [1.0]).round(4).tolist()
    [-0.9189]
    """
    y, m, s = as_1d_float("y_true", y_true), as_1d_float("mean", mean), as_1d_float("std", std)
    if not y.shape == m.shape == s.shape:
        raise ValueError("y_true, mean and std must have the same length.")
    if np.any(s <= 0):
        raise ValueError("std must be positive for every prediction.")
    return -0.5 * np.log(2.0 * np.pi * s**2) - 0.5 * ((y - m) / s) ** 2


def categorical_log_likelihood(y_index: Any, probabilities: Any, *, epsilon: float = 1e-15) -> np.ndarray:
    """Log of the probability given to the observed class (``y_index`` = column index).

    Examples
    --------
    >>> categorical_log_likelihood([1], [[0.2, 0.8]]).round(4).tolist()
    [-0.2231]
    """
    p = _rows(probabilities)
    index = np.asarray(y_index, dtype=np.int64)
    if index.shape != (p.shape[0],) or np.any((index < 0) | (index >= p.shape[1])):
        raise ValueError("y_index must hold one valid column index per row of probabilities.")
    return np.log(np.maximum(p[np.arange(p.shape[0]), index], epsilon))


def _rows(probabilities: Any) -> np.ndarray:
    """Rows of class probabilities, checked to be non-negative and to sum to one."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"probabilities must be a 2-D (samples x classes) array, got shape {p.shape}.")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("each row of probabilities must be non-negative and sum to 1.")
    return p
