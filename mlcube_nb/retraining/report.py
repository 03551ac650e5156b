"""The retraining report of a model, computed from a frame of all stored samples (pure: no I/O).

Steps: fit the design on all samples → importance weights of every sample (``weights.pooled_weights``) →
effective sample size → the suggestion (weights, or a seeded weighted resample) → forecast bounds
(``bounds.forecast_bounds``). The new version's reference is the set of samples a weighted resample
keeps (``in_reference``): the distinct ids of ``reference_draws`` draws with replacement, so it follows the
new concept's distribution rather than the whole history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mlcube_nb.retraining.bounds import Bounds, Problem, forecast_bounds
from mlcube_nb.retraining.design import fit_design
from mlcube_nb.retraining.metrics import cost_function
from mlcube_nb.retraining.resample import resample_counts
from mlcube_nb.retraining.weights import effective_sample_size, pooled_weights

SAMPLE_WEIGHTS = "sample_weights"
RESAMPLED_DATASET = "resampled_dataset"


@dataclass(frozen=True)
class ReportSpec:
    """What the report is about: input columns, the target, the metric and the suggestion asked for.

    ``kind`` is ``regression`` or ``classification``; ``classes`` (label strings) fixes the class order;
    ``cost_info`` is the task's TaskCostInfo as a dict (or None).
    """

    numeric: list[str]
    categorical: list[str]
    target: str
    kind: str
    metric: str
    suggestion_type: str = SAMPLE_WEIGHTS
    resampled_dataset_size: int | None = None
    classes: list[str] = field(default_factory=list)
    positive_class: str | None = None
    cost_info: dict[str, Any] | None = None
    seed: int = 0


@dataclass(frozen=True)
class RetrainingResult:
    """Per-sample weights and counts (aligned with the input frame) and the report's numbers."""

    weights: np.ndarray
    counts: np.ndarray  # resampled-dataset multiplicities (zeros for a sample_weights suggestion)
    in_reference: np.ndarray
    effective_sample_size: float
    bounds: Bounds

    def summary(self) -> dict[str, Any]:
        """The JSON numbers of the report."""
        b = self.bounds
        return {"effective_sample_size": self.effective_sample_size,
                "performance_lower_bound": b.performance_lower_bound,
                "performance_upper_bound": b.performance_upper_bound,
                "cost_lower_bound": b.cost_lower_bound, "cost_upper_bound": b.cost_upper_bound,
                "n_samples": len(self.weights), "n_old_labelled": b.n_old_labelled,
                "n_new_labelled": b.n_new_labelled, "n_reference": int(self.in_reference.sum())}


def _labels(spec: ReportSpec, target: pd.Series) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Target values as floats (regression) or class indices (classification), the labelled mask, the classes."""
    labelled = target.notna().to_numpy().copy()
    if spec.kind == "regression":
        values = pd.to_numeric(target, errors="coerce").to_numpy(dtype=float)
        return np.nan_to_num(values), labelled & np.isfinite(values), ()
    as_text = target.astype("string")
    classes = list(spec.classes) or sorted(as_text.dropna().unique().tolist())
    extra = sorted(set(as_text.dropna().unique().tolist()) - set(classes))
    classes += extra
    index = {label: i for i, label in enumerate(classes)}
    codes = np.array([index.get(v, 0) for v in as_text.fillna(classes[0] if classes else "").tolist()], dtype=int)
    return codes, labelled, tuple(classes)


def compute_report(frame: pd.DataFrame, is_new: np.ndarray, spec: ReportSpec) -> RetrainingResult:
    """Weights, suggestion and forecast for the samples of *frame* (``is_new`` marks the new concept)."""
    is_new = np.asarray(is_new, dtype=bool)
    design = fit_design(frame, spec.numeric, spec.categorical)
    if design.width == 0:
        raise ValueError("the task has no numeric or categorical input column to compare old and new samples by")
    x = design.matrix(frame)
    weights = pooled_weights(x, is_new, seed=spec.seed)
    y, labelled, classes = _labels(spec, frame[spec.target])
    if spec.kind == "classification" and len(classes) < 2:
        raise ValueError("the stored targets hold fewer than two classes: a classifier cannot be forecast")
    cost = cost_function(spec.kind, spec.cost_info, classes, spec.positive_class)
    problem = Problem(spec.kind, spec.metric, classes, cost)
    bounds = forecast_bounds(problem, x, y, is_new, labelled, weights, seed=spec.seed)
    if spec.suggestion_type == RESAMPLED_DATASET:
        if not spec.resampled_dataset_size:
            raise ValueError("a resampled_dataset suggestion needs the model's resampled_dataset_size")
        counts = resample_counts(weights, spec.resampled_dataset_size, seed=spec.seed)
        in_reference = counts > 0
    else:
        counts = np.zeros(len(weights), dtype=int)
        in_reference = resample_counts(weights, len(weights), seed=spec.seed) > 0
    return RetrainingResult(weights, counts, in_reference, effective_sample_size(weights), bounds)
