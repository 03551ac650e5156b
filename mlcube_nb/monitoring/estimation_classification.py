"""Confidence-based performance estimation (CBPE) of binary and multiclass classifiers without targets.

Fit once on a labelled reference (rows in time order): the model's class scores are calibrated one-vs-rest
(:mod:`.estimation_calibrators`), and 16 more calibrators are fitted on bootstrap resamples of the reference
to carry the calibration's own uncertainty. For a batch without targets, calibrated probabilities ``P[i, j]``
give the *expected* confusion matrix ``E[C][j, l] = sum_i P[i, j] [prediction_i = l]`` and from it accuracy,
precision, recall and F1 (binary: of the positive class; multiclass: macro); ROC AUC is the expected
Mann-Whitney statistic of the raw scores with labels weighted by ``P`` (macro one-vs-rest for multiclass),
see below.

Expected ROC AUC
----------------
Labels drawn from calibrated probabilities, ``y_i ~ Bernoulli(p_i)`` independently, make the batch's AUC
``R = X / Y`` with ``X = sum_{i != j} y_i (1 - y_j) H(s_i - s_j)`` (H: 1 above, 1/2 tied, 0 below) and
``Y = N1 N0 = sum_{i != j} y_i (1 - y_j)``. The estimate with the least expected squared error against the
realised ``R`` is ``E[R]`` (for absolute error its median, which lies *above* the mean by O(1/n): R is
skewed to the left). Candidates:

- ratio of expected pair counts over distinct pairs, ``a = E[X] / E[Y]``, ``E[Y] = P Q - sum p q``
  (``P = sum p``, ``Q = sum q``, ``q = 1 - p``): ``E[X / Y] - a = O(1/n)`` because ``Y`` is random;
- NannyML's trapezoid under the expected ROC curve also pairs every row with itself (``+ p_i q_i / 2`` on
  top, ``+ p_i q_i`` below): it moves ``a`` towards 1/2 by ``(a - 1/2) sum p q / (P Q)``, a further O(1/n)
  bias in the wrong direction for both losses;
- the mean over the 256 labelings drawn for the band: unbiased, but adds ``Var(R) / 256`` of noise,
  far more than the bias it removes;
- **used**: the second-order (delta-method) expansion ``E[X / Y] = a - Cov(X - a Y, Y) / E[Y]^2 +
  O(1/n^2)``. With independent labels only terms sharing a row covary, and for terms sharing exactly one
  row the covariance factorises, so ``Cov(X - a Y, Y) = sum_i p_i q_i A_i B_i + O(n^2)`` with
  ``B_i = dY/dy_i = sum_{j != i} (q_j - p_j)`` and ``A_i = d(X - a Y)/dy_i =
  sum_{j != i} [q_j H(s_i - s_j) - p_j H(s_j - s_i)] - a B_i``: O(n log n) after sorting. It is not
  applied below :data:`MIN_EXPECTED_CLASS` expected rows of either class (the expansion is in 1/E[N1]).
  Macro one-vs-rest: the mean of the classes' expectations is the expectation of the macro AUC.

Seeded simulation, perfectly calibrated scores (``tests/monitoring/test_estimation_auc.py``): distance
to ``E[R]`` (root mean square over score sets; ``E[R]`` from 1e5-2e5 labelings, its own noise ~6e-5 at
200 rows, ~3e-5 at 2,000) is 5.7e-5 / 1.3e-4 / 1.1e-3 / 1.7e-3 (used / distinct pairs / self pairs /
Monte Carlo) at 200 rows and 3.1e-5 / 3.2e-5 / 1.1e-4 / 4.8e-4 at 2,000 rows; against 3 million realised
AUCs of 200 rows the excess MAE over the best constant (the median) is 0.07 % / 0.08 % / 0.33 % / 0.27 %.
Every difference is far below the sampling noise (sd of R: 0.027 at 200 rows, 0.009 at 2,000) and far
below what miscalibration does in practice.

The band is a predictive interval of the *realised* metric: labels are drawn from the calibrated
probabilities and the metric is recomputed, 256 times, each draw moved by one bootstrap calibrator's
deviation from the bootstrap mean; the 2.5 % and 97.5 % quantiles bound it. So it holds both the sampling
variance at the batch's size and the calibration's own uncertainty (but not its bootstrap bias: resampled
isotonic fits are sharper than the fit on all rows). When the raw scores are kept (``identity``: they
passed the calibration test of :mod:`.estimation_calibrators` and no family beat them), the bootstrap
calibrators are still the *family's* fits (isotonic or Platt, by size) on the resamples: passing a test
is not knowing the map, and the recalibrations the reference cannot tell apart from the raw scores are
what the calibration's uncertainty is. Before, the resamples inherited ``identity`` and every offset was
zero, so a kept model's band held sampling noise only (coverage 0-0.6 on the benchmark seeds that kept
over-confident scores). Re-running the whole choice on each resample was considered: it comes to the same
thing for the wrong reason, since duplicated rows fall on both sides of a resample's CV folds and make the
flexible family's cross-validated Brier score optimistic, so the resamples choose the family.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from .estimation_calibrators import ClassCalibrators, family_by_size, fit_calibrator, fit_class_calibrators
from .estimation_common import Estimate, EstimationUnsupported, ReferenceSpread, spread_of
from .estimation_realized import confusion_metrics

MIN_REFERENCE_ROWS = 100
N_BOOTSTRAP = 16
REPLICATES = 256
SIMULATION_ROWS = 50_000
MIN_EXPECTED_CLASS = 5.0  # below, a 1/E[N1] expansion of the AUC's bias means nothing: the plain ratio


def expected_auc(score: np.ndarray, weight: np.ndarray, *, second_order: bool = True) -> float:
    """Expected realised ROC AUC of *score* when row i is positive with probability ``weight[i]``, independently.

    ``second_order=False`` gives the ratio of expected pair counts over distinct pairs; the default adds the
    delta-method term that removes its O(1/n) bias (see the module docstring).
    """
    p = np.asarray(weight, dtype=np.float64)
    q = 1.0 - p
    total_p, total_q = float(p.sum()), float(q.sum())
    pairs = total_p * total_q - float(np.sum(p * q))  # E[N1 N0]: distinct ordered (positive, negative) pairs
    if pairs <= 0:
        return math.nan
    _, group = np.unique(score, return_inverse=True)
    negative, positive = np.bincount(group, weights=q), np.bincount(group, weights=p)
    # over the other rows j != i, a tie counting one half: sum q_j H(s_i - s_j) and sum p_j H(s_j - s_i)
    negative_below = (np.cumsum(negative) - negative)[group] + 0.5 * (negative[group] - q)
    positive_above = (total_p - np.cumsum(positive))[group] + 0.5 * (positive[group] - p)
    ratio = float(np.sum(p * negative_below)) / pairs
    if not second_order or min(total_p, total_q) < MIN_EXPECTED_CLASS:
        return ratio
    b = (total_q - q) - (total_p - p)  # d N1 N0 / d y_i
    a = negative_below - positive_above - ratio * b  # d (X - ratio * N1 N0) / d y_i
    return float(np.clip(ratio - float(np.sum(p * q * a * b)) / pairs**2, 0.0, 1.0))


def expected_metrics(probabilities: np.ndarray, scores: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Point estimates from calibrated ``(n, k)`` probabilities, raw scores and predicted class indices."""
    k = probabilities.shape[1]
    confusion = np.zeros((k, k))
    for label in range(k):
        confusion[:, label] = probabilities[predicted == label].sum(axis=0)
    out = confusion_metrics(confusion)
    columns = [1] if k == 2 else range(k)
    aucs = [expected_auc(scores[:, j], probabilities[:, j]) for j in columns]
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


def _bootstrap_method(method: str, outcome: np.ndarray) -> str:
    """The calibrator family of a bootstrap resample: the full fit's, or the family by size for ``identity``."""
    return family_by_size(outcome) if method == "identity" else method


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
            fit_calibrator(column_score, column_outcome, method=_bootstrap_method(c.method, column_outcome))
            for c, (column_score, column_outcome) in zip(calibrators.per_class, _columns(scores[idx], labels[idx]),
                                                          strict=True))))
    draft = ClassificationEstimator(tuple(map(str, classes)), calibrators, tuple(bootstrap),
                                    ReferenceSpread({}, {}))
    whole = draft.point(scores, predicted)
    spread = spread_of(labels.size, whole, lambda s: draft.point(scores[s], predicted[s]),
                       draft.unit_sd(scores, predicted, seed))
    return ClassificationEstimator(draft.classes, calibrators, tuple(bootstrap), spread)
