"""Forecast bounds of a retrain on the suggestion, measured with a simple stand-in model.

- **lower bound (empirical)**: the simple model (ridge regression, or L2 softmax regression for
  classification) is trained on the *old* labelled samples weighted by the importance weights, and its
  metric is measured on the *new-concept* labelled samples it never saw — what reweighting the old data
  achieves on the new concept;
- **upper bound (optimistic)**: the same model is trained on the new concept itself and scored by k-fold
  cross-validation on it (pooled out-of-fold predictions) — what a model fitted to the new concept reaches
  when its training data already are the new concept.

Both are in the model's metric. The two estimates are noisy and either can come out better (with few
new-concept samples, reweighted old data can beat cross-validation), so they are reported as an
interval: the **upper** performance bound is the better of the two in the metric's direction (for rmse,
the smaller number), the lower bound the worse; ``cost_lower_bound`` is the smaller of the two costs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlcube_nb.retraining.linear import fit_ridge, fit_softmax
from mlcube_nb.retraining.metrics import METRICS, CostFunction

MIN_NEW_LABELLED = 10
"""Labelled new-concept samples needed to measure the bounds."""
FOLDS = 5
"""Cross-validation folds of the optimistic bound."""
MODEL_L2 = 1.0
"""Ridge penalty of the stand-in model."""
LOWER_IS_BETTER = frozenset({"rmse"})
"""Metrics where a smaller value is a better model."""


@dataclass(frozen=True)
class Problem:
    """What is predicted: ``regression`` or ``classification`` (labels are indices into ``classes``)."""

    kind: str
    metric: str
    classes: tuple[str, ...] = ()
    cost: CostFunction | None = None


@dataclass(frozen=True)
class Bounds:
    """The forecast of a retrain: metric and cost under the empirical and the optimistic estimate."""

    performance_lower_bound: float
    performance_upper_bound: float
    cost_lower_bound: float | None
    cost_upper_bound: float | None
    n_old_labelled: int
    n_new_labelled: int


def _fit_predict(problem: Problem, x_fit: np.ndarray, y_fit: np.ndarray, w_fit: np.ndarray | None,
                 x_eval: np.ndarray) -> np.ndarray:
    if problem.kind == "regression":
        return fit_ridge(x_fit, y_fit, w_fit, l2=MODEL_L2).predict(x_eval)
    return fit_softmax(x_fit, y_fit.astype(int), len(problem.classes), w_fit, l2=MODEL_L2).predict(x_eval)


def _cross_validated(problem: Problem, x: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """Out-of-fold predictions of the stand-in model on (x, y)."""
    folds = np.array_split(np.random.default_rng(seed).permutation(len(y)), min(FOLDS, len(y)))
    out = np.empty(len(y), dtype=float if problem.kind == "regression" else int)
    for held in folds:
        train = np.setdiff1d(np.arange(len(y)), held)
        out[held] = _fit_predict(problem, x[train], y[train], None, x[held])
    return out


def forecast_bounds(problem: Problem, x: np.ndarray, y: np.ndarray, is_new: np.ndarray, labelled: np.ndarray,
                    weights: np.ndarray, seed: int = 0) -> Bounds:
    """Both bounds (see the module docstring) from the design matrix, targets and importance weights."""
    if problem.metric not in METRICS:
        raise ValueError(f"metric {problem.metric!r} cannot be forecast; use one of {sorted(METRICS)}")
    old, new = labelled & ~is_new, labelled & is_new
    if int(new.sum()) < MIN_NEW_LABELLED:
        raise ValueError(f"only {int(new.sum())} labelled samples after the drift; at least {MIN_NEW_LABELLED} are "
                         "needed to measure the forecast: upload their targets with add_target_data")
    if not old.any():
        raise ValueError("no labelled sample before the drift: upload historical data with its target")
    metric = METRICS[problem.metric]
    y_new = y[new]
    empirical = _fit_predict(problem, x[old], y[old], weights[old], x[new])
    optimistic = _cross_validated(problem, x[new], y_new, seed)
    scores = sorted((metric(y_new, empirical), metric(y_new, optimistic)),
                    reverse=problem.metric in LOWER_IS_BETTER)  # (worse, better)
    costs = sorted((problem.cost(y_new, optimistic), problem.cost(y_new, empirical))) if problem.cost else None
    return Bounds(
        performance_lower_bound=scores[0], performance_upper_bound=scores[1],
        cost_lower_bound=costs[0] if costs else None, cost_upper_bound=costs[1] if costs else None,
        n_old_labelled=int(old.sum()), n_new_labelled=int(new.sum()),
    )
