"""Forecast bounds of a retrain on the suggestion, measured with a simple stand-in model.

- **lower bound (empirical)**: the simple model (ridge regression, or L2 softmax regression for
  classification) is trained on the *old* labelled samples weighted by the importance weights, and its
  metric is measured on the *new-concept* labelled samples it never saw — what reweighting the old data
  achieves on the new concept;
- **upper bound (optimistic)**: the same model is trained on the new concept itself and scored by k-fold
  cross-validation on it (pooled out-of-fold predictions) — what a model fitted to the new concept reaches
  when its training data already are the new concept.

Both are in the model's metric (rmse: lower is better, so the "upper" performance bound is then usually
the smaller number). Costs use the same two sets of predictions: ``cost_lower_bound`` is the optimistic
(cross-validated) cost, ``cost_upper_bound`` the empirical one.
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
    cost = problem.cost
    return Bounds(
        performance_lower_bound=metric(y_new, empirical), performance_upper_bound=metric(y_new, optimistic),
        cost_lower_bound=cost(y_new, optimistic) if cost else None,
        cost_upper_bound=cost(y_new, empirical) if cost else None,
        n_old_labelled=int(old.sum()), n_new_labelled=int(new.sum()),
    )
