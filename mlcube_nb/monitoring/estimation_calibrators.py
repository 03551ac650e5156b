"""Probability calibration on a labelled reference: isotonic when the reference is large, Platt otherwise.

Confidence-based performance estimation is only as good as the probabilities it is fed: a score of 0.8
must mean "right 80 % of the time". The model's raw scores are mapped through a monotone calibrator fitted
on the reference (:func:`family_by_size`). Isotonic regression is non-parametric and needs many rows of each
outcome; below :data:`ISOTONIC_MIN_ROWS` rows (or :data:`ISOTONIC_MIN_EACH` of either outcome) Platt scaling,
a logistic regression on the score's logit, is used instead because it cannot overfit a small reference.

When are the raw scores kept (``identity``)?
-------------------------------------------
A calibrator also adds noise: the expected accuracy ``mean(max(q, 1 - q))`` is convex in ``q``, so a noisy
map biases it upwards, and a model that is calibrated already is best left alone. But "the fitted map does
not beat the raw scores on cross-validated Brier score" is not evidence that the raw scores are
calibrated: Brier mixes calibration with resolution, and the CV penalty of an isotonic fit (its variance)
can hide a real, systematic miscalibration. That systematic part is what hurts CBPE most: over-confident
scores (``p`` further from 1/2 than the truth) overstate the expected accuracy on every batch, and more so
on batches shifted towards the boundary. So the raw scores must first *pass a calibration test on the
reference*; the test's null is "the scores are calibrated", ``y_i ~ Bernoulli(p_i)`` independently, under
which both statistics below are sums of independent zero-mean terms with known variance, hence
asymptotically N(0, 1) (no fit, so no cross-validation is needed for the raw scores):

- Spiegelhalter's z, ``sum (y - p)(1 - 2p) / sqrt(sum (1 - 2p)^2 p (1 - p))``: the standardised
  reliability part of the Brier score; positive when the scores are over-confident, negative when
  under-confident (the direction that biases CBPE's accuracy);
- calibration in the large, ``sum (y - p) / sqrt(sum p (1 - p))``: the base rate is off, which
  Spiegelhalter's weights ``1 - 2p`` barely see for scores near 1/2.

Each is two-sided at ``CALIBRATION_ALPHA / 2`` (Bonferroni: a calibrated model is rejected at most
:data:`CALIBRATION_ALPHA` = 5 % of the time, and then pays only an isotonic fit's small noise). Raw scores
that pass are kept only if the family also does not beat them on 5-fold cross-validated Brier score; raw
scores that fail are always recalibrated. The cost is asymmetric: recalibrating a calibrated model on a
reference of thousands of rows moves the estimate by far less than its sampling noise, while keeping
miscalibrated scores biases every estimate and leaves the band without calibration spread.

Seeded checks (``tests/monitoring/test_estimation.py``): on perfectly calibrated scores the test rejects
4.75 % of 400 references of 2,000 rows, and a rejection (isotonic instead of the raw scores, 5,000 rows)
changes |estimate - realised accuracy| by +0.00013 on average (at most 0.0036) over 18 batches of 2,000,
against a sampling sd of about 0.01: keeping raw scores is still chosen where it is right and a false
rejection costs next to nothing. Scores over-confident by a logit factor of 1.15, which the Brier rule
alone kept, fail it (z = 4.9) and the recalibrated estimate's error halves. The benchmark's gradient-boosting
classifiers (``benchmarks/estimation.py``) are over-confident on their own reference, Spiegelhalter z 4.8
to 10.7 over seeds 0-9 (binary) and 11.7 to 17.8 (multiclass, per class), so they are all recalibrated; the
Brier rule alone kept the binary raw scores on seeds 5, 7, 8 and 9.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ISOTONIC_MIN_ROWS = 1000
ISOTONIC_MIN_EACH = 100
#: family-wise level of the calibration test the raw scores must pass to be kept (two tests, Bonferroni)
CALIBRATION_ALPHA = 0.05
_EPS = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Calibrator:
    """A fitted monotone map from raw score to probability (``isotonic`` breakpoints, ``platt`` slope/intercept
    or ``identity``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> score = rng.uniform(size=400)
    >>> outcome = rng.uniform(size=400) < score ** 2  # the model is over-confident
    >>> calibrator = fit_calibrator(score, outcome)
    >>> calibrator.method, round(float(calibrator(np.array([0.5]))[0]), 1)
    ('platt', 0.2)
    """

    method: str
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    slope: float = 1.0
    intercept: float = 0.0

    def __call__(self, score: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of raw scores (any shape)."""
        score = np.asarray(score, dtype=np.float64)
        if self.method == "identity":
            return np.clip(score, 0.0, 1.0)
        if self.method == "isotonic":
            return np.interp(score, self.x, self.y)
        return 1.0 / (1.0 + np.exp(-(self.slope * _logit(score) + self.intercept)))


def _cv_brier(score: np.ndarray, outcome: np.ndarray, method: str, seed: int) -> float:
    """5-fold cross-validated Brier score of a calibrator family on the reference."""
    folds = np.random.default_rng(seed).integers(0, 5, size=score.size)
    loss = 0.0
    for fold in range(5):
        test = folds == fold
        fitted = fit_calibrator(score[~test], outcome[~test], method=method)
        loss += float(np.sum(np.square(fitted(score[test]) - outcome[test])))
    return loss / score.size


def calibration_z(score: np.ndarray, outcome: np.ndarray) -> tuple[float, float]:
    """Spiegelhalter's z and the calibration-in-the-large z of probabilities *score* against 0/1 *outcome*.

    Both are N(0, 1) when ``outcome ~ Bernoulli(score)`` independently (see the module docstring);
    Spiegelhalter's is positive for over-confident scores.

    Examples
    --------
    >>> rng = np.random.default_rng(4)
    >>> p = rng.uniform(0.02, 0.98, size=4000)
    >>> y = rng.uniform(size=4000) < p
    >>> [round(z, 1) for z in calibration_z(p, y)]  # calibrated: both small
    [0.0, 0.2]
    >>> over = 1 / (1 + np.exp(-1.5 * np.log(p / (1 - p))))  # the same truth, claimed more confidently
    >>> [round(z, 1) for z in calibration_z(over, y)]
    [13.8, 0.0]
    """
    p = np.clip(np.asarray(score, dtype=np.float64), 0.0, 1.0)
    y = np.asarray(outcome, dtype=np.float64)
    # a score of exactly 0 or 1 that is contradicted has zero variance under the null: not calibrated
    if np.any(((p == 0.0) & (y == 1.0)) | ((p == 1.0) & (y == 0.0))):
        return math.inf, math.inf
    variance = p * (1.0 - p)
    weight = 1.0 - 2.0 * p
    spread = float(np.sum(weight**2 * variance))
    total = float(np.sum(variance))
    spiegelhalter = float(np.sum((y - p) * weight)) / math.sqrt(spread) if spread > 0 else 0.0
    in_the_large = float(np.sum(y - p)) / math.sqrt(total) if total > 0 else 0.0
    return spiegelhalter, in_the_large


def passes_calibration_test(score: np.ndarray, outcome: np.ndarray, *, alpha: float = CALIBRATION_ALPHA) -> bool:
    """True when neither :func:`calibration_z` statistic rejects calibration (two-sided, ``alpha / 2`` each)."""
    from scipy.stats import norm

    critical = float(norm.ppf(1.0 - alpha / 4.0))
    return all(abs(z) <= critical for z in calibration_z(score, outcome))


def family_by_size(outcome: np.ndarray) -> str:
    """``isotonic`` when the 0/1 *outcome* has enough rows of each value, else ``platt``."""
    positives = int(np.sum(outcome))
    enough = min(positives, outcome.size - positives) >= ISOTONIC_MIN_EACH
    return "isotonic" if outcome.size >= ISOTONIC_MIN_ROWS and enough else "platt"


def choose_method(score: np.ndarray, outcome: np.ndarray, *, seed: int = 0) -> str:
    """``isotonic`` (large reference) or ``platt`` (small); ``identity`` only when the raw scores pass the
    calibration test and the family does not beat them on cross-validated Brier score."""
    positives = int(outcome.sum())
    family = family_by_size(outcome)
    if positives in (0, outcome.size) or outcome.size < 10 or not np.all((score >= 0) & (score <= 1)):
        return family
    if not passes_calibration_test(score, outcome):
        return family
    raw = float(np.mean(np.square(score - outcome)))
    return family if _cv_brier(score, outcome, family, seed) < raw else "identity"


def fit_calibrator(score: np.ndarray, outcome: np.ndarray, *, method: str | None = None) -> Calibrator:
    """Fit a calibrator of *score* to the 0/1 *outcome*; *method* None chooses (:func:`choose_method`)."""
    score = np.asarray(score, dtype=np.float64)
    outcome = np.asarray(outcome, dtype=bool)
    if score.shape != outcome.shape or score.ndim != 1 or score.size < 2:
        raise ValueError(f"score and outcome must be 1-D of one length >= 2, got {score.shape} and {outcome.shape}.")
    positives = int(outcome.sum())
    if method is None:
        method = choose_method(score, outcome)
    if method == "identity":
        return Calibrator("identity")
    if positives in (0, outcome.size):  # one outcome only: the constant rate is all the data says
        rate = float(np.clip(positives / outcome.size, _EPS, 1 - _EPS))
        return Calibrator("platt", slope=0.0, intercept=float(np.log(rate / (1 - rate))))
    # scikit-learn is imported here, on first use: importing the job catalog (every pipeline) at a server's
    # start does not pay for it (issue 14)
    if method == "isotonic":
        from sklearn.isotonic import IsotonicRegression

        model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(score, outcome.astype(float))
        return Calibrator("isotonic", tuple(map(float, model.X_thresholds_)), tuple(map(float, model.y_thresholds_)))
    if method != "platt":
        raise ValueError(f"method must be 'isotonic', 'platt', 'identity' or None, got {method!r}.")
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1e4).fit(_logit(score)[:, None], outcome)
    return Calibrator("platt", slope=float(model.coef_[0, 0]), intercept=float(model.intercept_[0]))


@dataclass(frozen=True)
class ClassCalibrators:
    """One calibrator per class (one-vs-rest; each chooses its family); binary tasks calibrate the positive class.

    Applied to an ``(n, k)`` score matrix it returns calibrated class probabilities whose rows sum to one.
    """

    per_class: tuple[Calibrator, ...]

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated ``(n, k)`` probabilities of raw ``(n, k)`` scores."""
        if len(self.per_class) == 1:  # binary: column 1 is the positive class
            positive = self.per_class[0](scores[:, 1])
            return np.column_stack([1.0 - positive, positive])
        out = np.column_stack([c(scores[:, j]) for j, c in enumerate(self.per_class)])
        total = out.sum(axis=1, keepdims=True)
        uniform = np.full_like(out, 1.0 / out.shape[1])
        return np.divide(out, total, out=uniform, where=total > 0)


def fit_class_calibrators(scores: np.ndarray, labels: np.ndarray, *, method: str | None = None) -> ClassCalibrators:
    """Fit :class:`ClassCalibrators` on ``(n, k)`` scores and integer labels in ``0..k-1``."""
    k = scores.shape[1]
    if k == 2:
        return ClassCalibrators((fit_calibrator(scores[:, 1], labels == 1, method=method),))
    return ClassCalibrators(tuple(fit_calibrator(scores[:, j], labels == j, method=method) for j in range(k)))
