"""Importance weights from a probabilistic domain classifier, and the effective sample size they leave.

The new concept (samples after the last drift) has density ``p_new``; every other stored sample comes from
``p_old``. A logistic classifier trained to tell the two apart gives ``P(new | x)``, and by Bayes

    p_new(x) / p_old(x) = P(new | x) / P(old | x) · n_old / n_new          (the density ratio r(x))

For the retraining suggestion all samples are pooled (old and new alike), whose density is
``p_pool = π p_new + (1 - π) p_old`` with ``π = n_new / N``; weighting the pool by

    w(x) = p_new(x) / p_pool(x) = P(new | x) / π

makes the weighted pool distributed as the new concept. Weights are then clipped (so a handful of samples
cannot carry the whole dataset) and normalised to mean 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlcube_nb.retraining.linear import SoftmaxModel, fit_softmax

DEFAULT_L2 = 1.0
"""Ridge penalty of the domain classifier (on standardised inputs; the intercept is free)."""
MAX_WEIGHT = 20.0
"""Largest weight kept, relative to the mean weight; larger ones are clipped to it."""
MIN_WEIGHT = 1e-3
"""Smallest weight kept, relative to the mean weight: every stored sample keeps a little say."""
MAX_FIT_SAMPLES = 100_000
"""The domain classifier is fitted on at most this many samples (a seeded subsample); all are weighted."""


@dataclass(frozen=True)
class DomainClassifier:
    """``P(new | x)`` for design-matrix rows, with the class counts it was trained on."""

    model: SoftmaxModel
    n_old: int
    n_new: int

    def p_new(self, x: np.ndarray) -> np.ndarray:
        """Probability that each row belongs to the new concept."""
        return self.model.predict_proba(x)[:, 1]

    def density_ratio(self, x: np.ndarray) -> np.ndarray:
        """Estimated ``p_new(x) / p_old(x)`` at each row."""
        p = np.clip(self.p_new(x), 1e-12, 1 - 1e-12)
        return p / (1 - p) * (self.n_old / self.n_new)


def fit_domain_classifier(x: np.ndarray, is_new: np.ndarray, *, l2: float = DEFAULT_L2,
                          seed: int = 0) -> DomainClassifier:
    """Fit the L2-regularised logistic regression separating new-concept rows (``is_new``) from the rest."""
    is_new = np.asarray(is_new, dtype=bool)
    n_new, n_old = int(is_new.sum()), int((~is_new).sum())
    if n_new == 0 or n_old == 0:
        raise ValueError("importance weighting needs samples both before and after the drift")
    rows = np.arange(len(is_new))
    if len(rows) > MAX_FIT_SAMPLES:
        rows = np.sort(np.random.default_rng(seed).choice(rows, MAX_FIT_SAMPLES, replace=False))
    model = fit_softmax(x[rows], is_new[rows].astype(int), 2, l2=l2)
    fitted_new = int(is_new[rows].sum())
    return DomainClassifier(model, len(rows) - fitted_new, fitted_new)


def clip_and_normalise(weights: np.ndarray, *, low: float = MIN_WEIGHT, high: float = MAX_WEIGHT) -> np.ndarray:
    """Weights scaled to mean 1, clipped to ``[low, high]``, then scaled to mean 1 again."""
    w = np.asarray(weights, dtype=float)
    if w.size == 0 or not np.all(np.isfinite(w)) or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    w = np.clip(w / w.mean(), low, high)
    return w / w.mean()


def pooled_weights(x: np.ndarray, is_new: np.ndarray, *, l2: float = DEFAULT_L2, seed: int = 0) -> np.ndarray:
    """One weight per row of the pool (old and new samples): ``P(new | x) / π``, clipped and of mean 1."""
    classifier = fit_domain_classifier(x, is_new, l2=l2, seed=seed)
    share = classifier.n_new / (classifier.n_new + classifier.n_old)
    return clip_and_normalise(classifier.p_new(x) / share)


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's ``(Σw)² / Σw²``: how many unweighted samples carry as much information as the weighted set.

    Equals N when all weights are equal and falls towards 1 as the weight concentrates on few samples,
    i.e. as the drift grows and fewer old samples resemble the new concept.
    """
    w = np.asarray(weights, dtype=float)
    total = float(np.sum(w ** 2))
    return float(np.sum(w) ** 2 / total) if total > 0 else 0.0
