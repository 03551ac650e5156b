"""Probability calibration on a labelled reference: isotonic when the reference is large, Platt otherwise.

Confidence-based performance estimation is only as good as the probabilities it is fed: a score of 0.8
must mean "right 80 % of the time". The model's raw scores are mapped through a monotone calibrator fitted
on the reference. Isotonic regression is non-parametric and needs many rows of each outcome; below
:data:`ISOTONIC_MIN_ROWS` rows (or :data:`ISOTONIC_MIN_EACH` of either outcome) Platt scaling, a logistic
regression on the score's logit, is used instead because it cannot overfit a small reference.

A calibrator also adds noise: the expected accuracy ``mean(max(q, 1 - q))`` is convex in ``q``, so a noisy
map biases it upwards. So the chosen family is kept only if it beats the raw scores on 5-fold
cross-validated Brier score; a model that is calibrated already keeps its own probabilities (``identity``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ISOTONIC_MIN_ROWS = 1000
ISOTONIC_MIN_EACH = 100
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


def choose_method(score: np.ndarray, outcome: np.ndarray, *, seed: int = 0) -> str:
    """``isotonic`` (large reference) or ``platt`` (small), or ``identity`` when neither beats the raw scores."""
    positives = int(outcome.sum())
    enough = min(positives, outcome.size - positives) >= ISOTONIC_MIN_EACH
    family = "isotonic" if outcome.size >= ISOTONIC_MIN_ROWS and enough else "platt"
    if positives in (0, outcome.size) or outcome.size < 10 or not np.all((score >= 0) & (score <= 1)):
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
