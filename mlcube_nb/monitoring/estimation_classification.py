"""Confidence-based performance estimation (CBPE) of binary and multiclass classifiers without targets.

Fit once on a labelled reference (rows in time order): the model's class scores are calibrated one-vs-rest
(:mod:`.estimation_calibrators`), and 16 more calibrators are fitted on bootstrap resamples of the reference
to carry the calibration's own uncertainty. For a batch without targets, calibrated probabilities ``P[i, j]``
give the *expected* confusion matrix ``E[C][j, l] = sum_i P[i, j] [prediction_i = l]`` and from it accuracy,
precision, recall and F1 (binary: of the positive class; multiclass: macro); ROC AUC is the expected
Mann-Whitney statistic of the raw scores with labels weighted by ``P`` (macro one-vs-rest for multiclass).

The band is a predictive interval of the *realised* metric: labels are drawn from the calibrated
probabilities and the metric is recomputed, 256 times, each draw moved by one bootstrap calibrator's
deviation from the bootstrap mean; the 2.5 % and 97.5 % quantiles bound it. So it holds both the sampling
variance at the batch's size and the calibration's own uncertainty (but not its bootstrap bias: resampled
isotonic fits are sharper than the fit on all rows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from .estimation_calibrators import ClassCalibrators, fit_calibrator, fit_class_calibrators
from .estimation_common import Estimate, EstimationUnsupported, ReferenceSpread, spread_of
from .estimation_realized import confusion_metrics

MIN_REFERENCE_ROWS = 100
N_BOOTSTRAP = 16
REPLICATES = 256
SIMULATION_ROWS = 50_000


def _expected_auc(score: np.ndarray, weight: np.ndarray) -> float:
    """Expected ROC AUC when row i is positive with probability ``weight[i]`` (self-pairs excluded)."""
    _, group = np.unique(score, return_inverse=True)
    negative = np.bincount(group, weights=1.0 - weight)
    below = np.cumsum(negative) - negative
    self_pairs = float(np.sum(weight * (1.0 - weight)))
    numerator = float(np.sum(weight * (below[group] + 0.5 * negative[group]))) - 0.5 * self_pairs
    pairs = float(weight.sum() * (1.0 - weight).sum()) - self_pairs
    return numerator / pairs if pairs > 0 else math.nan


def expected_metrics(probabilities: np.ndarray, scores: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Point estimates from calibrated ``(n, k)`` probabilities, raw scores and predicted class indices."""
    k = probabilities.shape[1]
    confusion = np.zeros((k, k))
    for label in range(k):
        confusion[:, label] = probabilities[predicted == label].sum(axis=0)
    out = confusion_metrics(confusion)
    columns = [1] if k == 2 else range(k)
    aucs = [_expected_auc(scores[:, j], probabilities[:, j]) for j in columns]
    finite = [a for a in aucs if math.isfinite(a)]
    out["roc_auc"] = float(np.mean(finite)) if finite else math.nan
    return out


def _simulated_metrics(labels: np.ndarray, predicted: np.ndarray, ranks: list[np.ndarray], k: int) -> dict[str, float]:
    """Realised metrics of one simulated labelling (``ranks``: per scored class, the rows' score ranks)."""
    confusion = np.bincount(labels * k + predicted, minlength=k * k).reshape(k, k)
    out = confusion_metrics(confusion)
    columns = [1] if k == 2 else range(k)
    aucs = []
    for j, rank in zip(columns, ranks, strict=True):
        positive = labels == j
        n_pos = int(positive.sum())
        n_neg = labels.size - n_pos
        if n_pos and n_neg:
            aucs.append((float(rank[positive].sum()) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
    out["roc_auc"] = float(np.mean(aucs)) if aucs else math.nan
    return out


@dataclass(frozen=True)
class ClassificationEstimator:
    """A fitted CBPE estimator: class names, calibrators (main and bootstrap) and the reference's spread.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.beta(2, 2, size=3000)
    >>> y = (rng.uniform(size=3000) < p).astype(int)
    >>> est = fit_classification(np.column_stack([1 - p, p]), y, (p > 0.5).astype(int), ("no", "yes"))
    >>> est.calibrators.per_class[0].method  # the scores are calibrated already: kept as they are
    'identity'
    >>> round(est.estimate(np.column_stack([1 - p, p])[:2000], (p[:2000] > 0.5).astype(int))["accuracy"].value, 2)
    0.69
    """

    classes: tuple[str, ...]
    calibrators: ClassCalibrators
    bootstrap: tuple[ClassCalibrators, ...]
    spread: ReferenceSpread

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metrics this estimator gives."""
        return ("accuracy", "precision", "recall", "f1", "roc_auc")

    def point(self, scores: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
        """Point estimates only (no band): what the reference's chunk spread is measured on."""
        return expected_metrics(self.calibrators(scores), scores, predicted)

    def estimate(self, scores: np.ndarray, predicted: np.ndarray, *, seed: int = 0,
                 alpha: float = 0.05) -> dict[str, Estimate]:
        """Estimates with a ``1 - alpha`` band for a batch: ``(n, k)`` raw scores, predicted class indices."""
        scores, predicted = _check(scores, predicted, len(self.classes))
        point = self.point(scores, predicted)
        draws = self._draws(scores, predicted, point, seed)
        out = {}
        for metric in self.metrics:
            values = np.asarray([d[metric] for d in draws], dtype=np.float64)
            values = values[np.isfinite(values)]
            if not math.isfinite(point[metric]) or values.size < 10:
                continue
            lower, upper = np.quantile(values, [alpha / 2, 1 - alpha / 2])
            out[metric] = Estimate(metric, point[metric], float(min(lower, point[metric])),
                                   float(max(upper, point[metric])))
        return out

    def _draws(self, scores: np.ndarray, predicted: np.ndarray, point: dict[str, float],
               seed: int) -> list[dict[str, float]]:
        """Simulated realised metrics, each moved by one bootstrap calibrator's deviation from the bootstrap
        mean (its spread, not the sharpening bootstrap gives isotonic fits). Batches above
        :data:`SIMULATION_ROWS` are simulated on an evenly spaced subsample whose sampling deviations are
        scaled by ``sqrt(m / n)``: sampling noise shrinks as one over the root of the batch size."""
        n = scores.shape[0]
        if n > SIMULATION_ROWS:
            keep = np.linspace(0, n - 1, SIMULATION_ROWS).astype(np.int64)
            scores, predicted = scores[keep], predicted[keep]
        shrink = math.sqrt(scores.shape[0] / n)
        centre = self.point(scores, predicted) if n > SIMULATION_ROWS else point
        offsets = self._calibration_offsets(scores, predicted)
        draws = []
        for r, draw in enumerate(self._simulate(scores, predicted, seed)):
            offset = offsets[r % len(offsets)]
            draws.append({m: point[m] + (v - centre[m]) * shrink + offset.get(m, 0.0) for m, v in draw.items()})
        return draws

    def _simulate(self, scores: np.ndarray, predicted: np.ndarray, seed: int) -> list[dict[str, float]]:
        """Realised metrics of labelings drawn from the calibrated probabilities (sampling noise only)."""
        k = len(self.classes)
        rng = np.random.default_rng(seed)
        ranks = [rankdata(scores[:, j]) for j in ([1] if k == 2 else range(k))]
        cumulative = np.cumsum(self.calibrators(scores), axis=1)
        draws = []
        for _ in range(REPLICATES):
            u = rng.uniform(size=(scores.shape[0], 1))
            labels = np.minimum((u > cumulative).sum(axis=1), k - 1)
            draws.append(_simulated_metrics(labels, predicted, ranks, k))
        return draws

    def _calibration_offsets(self, scores: np.ndarray, predicted: np.ndarray) -> list[dict[str, float]]:
        points = [expected_metrics(c(scores), scores, predicted) for c in self.bootstrap]
        if not points:
            return [{}]
        mean = {m: float(np.nanmean([p[m] for p in points])) for m in points[0]}
        return [{m: p[m] - mean[m] if math.isfinite(p[m]) else 0.0 for m in p} for p in points]

    def unit_sd(self, scores: np.ndarray, predicted: np.ndarray, seed: int = 0) -> dict[str, float]:
        """Per-row standard deviation of the realised metrics' sampling noise (simulated), ``sd * sqrt(n)``."""
        if scores.shape[0] > SIMULATION_ROWS:
            keep = np.linspace(0, scores.shape[0] - 1, SIMULATION_ROWS).astype(np.int64)
            scores, predicted = scores[keep], predicted[keep]
        draws = self._simulate(scores, predicted, seed)
        root = math.sqrt(scores.shape[0])
        return {m: float(np.nanstd([d[m] for d in draws], ddof=1)) * root for m in self.metrics}


def _columns(scores: np.ndarray, labels: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(score, outcome) of each calibrated class: the positive class only for binary tasks."""
    k = scores.shape[1]
    return [(scores[:, j], labels == j) for j in ([1] if k == 2 else range(k))]


def _check(scores: Any, predicted: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=np.float64)
    predicted = np.asarray(predicted, dtype=np.int64)
    if scores.ndim != 2 or scores.shape[1] != k or predicted.shape != (scores.shape[0],):
        raise ValueError(f"scores must be (n, {k}) and predicted (n,), got {scores.shape} and {predicted.shape}.")
    if predicted.size and (predicted.min() < 0 or predicted.max() >= k):
        raise ValueError(f"predicted class indices must lie in 0..{k - 1}.")
    return scores, predicted


def fit_classification(scores: Any, labels: Any, predicted: Any, classes: tuple[str, ...], *,
                       seed: int = 0, method: str | None = None) -> ClassificationEstimator:
    """Fit CBPE on a labelled reference in time order: ``(n, k)`` raw scores, label and prediction indices.

    Raises :class:`EstimationUnsupported` when the reference cannot support an estimate.
    """
    k = len(classes)
    scores, predicted = _check(scores, predicted, k)
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != predicted.shape:
        raise ValueError(f"labels and predicted must have one length, got {labels.shape} and {predicted.shape}.")
    if labels.size < MIN_REFERENCE_ROWS:
        raise EstimationUnsupported(
            "REFERENCE_TOO_SMALL", f"The reference has {labels.size} labelled rows with probabilities and "
            f"predictions; performance estimation needs at least {MIN_REFERENCE_ROWS}.")
    if np.unique(labels).size < 2:
        raise EstimationUnsupported(
            "SINGLE_CLASS_REFERENCE", "Every labelled reference row has the same class; the probabilities cannot "
            "be calibrated. Set a reference that holds every class.")
    calibrators = fit_class_calibrators(scores, labels, method=method)
    rng = np.random.default_rng(seed)
    bootstrap = []
    for _ in range(N_BOOTSTRAP):
        idx = rng.integers(0, labels.size, size=labels.size)
        bootstrap.append(ClassCalibrators(tuple(
            fit_calibrator(column_score, column_outcome, method=c.method)
            for c, (column_score, column_outcome) in zip(calibrators.per_class, _columns(scores[idx], labels[idx]),
                                                          strict=True))))
    draft = ClassificationEstimator(tuple(map(str, classes)), calibrators, tuple(bootstrap),
                                    ReferenceSpread({}, {}))
    whole = draft.point(scores, predicted)
    spread = spread_of(labels.size, whole, lambda s: draft.point(scores[s], predicted[s]),
                       draft.unit_sd(scores, predicted, seed))
    return ClassificationEstimator(draft.classes, calibrators, tuple(bootstrap), spread)
