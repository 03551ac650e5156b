"""The retraining module's simple linear learners, from scikit-learn: weighted ridge and L2 logistic regression.

They are the "simple models" of the retraining module: the domain classifier that estimates importance
weights, and the stand-in model whose measured metric bounds the forecast performance of a retrain.
Inputs are design matrices (already standardised / one-hot encoded, see :mod:`.design`). Sample weights
are rescaled to mean 1, so the penalty ``l2`` means the same whatever their scale; both fits are
deterministic (closed-form ridge, L-BFGS logistic regression).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


def _weights(n: int, sample_weight: np.ndarray | None, what: str) -> np.ndarray:
    """*sample_weight* (ones when None) scaled to mean 1; an error when no sample has a positive weight."""
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if n == 0 or w.sum() <= 0:
        raise ValueError(f"{what} needs at least one sample with a positive weight")
    return w / w.mean()


@dataclass(frozen=True)
class RidgeModel:
    """A fitted ``sklearn.linear_model.Ridge`` (the intercept is not penalised)."""

    estimator: Any

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted values for the rows of *x*."""
        return np.asarray(self.estimator.predict(x), dtype=float)


def fit_ridge(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None, l2: float = 1.0) -> RidgeModel:
    """Weighted least squares with the penalty ``l2 * |coef|²`` (``Ridge(alpha=l2)``)."""
    from sklearn.linear_model import Ridge

    w = _weights(len(y), sample_weight, "ridge regression")
    return RidgeModel(Ridge(alpha=l2).fit(x, y, sample_weight=w))


@dataclass(frozen=True)
class SoftmaxModel:
    """Logistic regression over class indices ``0..n_classes-1``; classes absent from the fit get probability 0."""

    estimator: Any  # a fitted LogisticRegression, or None when the fit saw a single class
    classes: np.ndarray  # the class indices seen by the fit, in the estimator's column order
    n_classes: int

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities, one row per sample and one column per class index."""
        proba = np.zeros((len(x), self.n_classes))
        if self.estimator is None:
            proba[:, self.classes[0]] = 1.0
        else:
            proba[:, self.classes] = self.estimator.predict_proba(x)
        return proba

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The most probable class index of each row."""
        return np.argmax(self.predict_proba(x), axis=1)


def fit_softmax(x: np.ndarray, y: np.ndarray, n_classes: int, sample_weight: np.ndarray | None = None,
                l2: float = 1.0, max_iter: int = 500) -> SoftmaxModel:
    """Weighted cross-entropy plus ``l2/2 * |coef|²`` (``LogisticRegression(C=1/l2)``, L-BFGS, free intercepts).

    *y* holds class indices in ``[0, n_classes)``; two classes are a binary logistic regression, more a
    multinomial one. A fit that sees a single class predicts that class.
    """
    if n_classes < 2:
        raise ValueError("a classifier needs at least two classes")
    w = _weights(len(y), sample_weight, "logistic regression")
    y = np.asarray(y).astype(int)
    seen = np.unique(y[w > 0])
    if len(seen) == 1:
        return SoftmaxModel(None, seen, n_classes)
    from sklearn.linear_model import LogisticRegression

    estimator = LogisticRegression(C=1.0 / l2, max_iter=max_iter).fit(x, y, sample_weight=w)
    return SoftmaxModel(estimator, estimator.classes_.astype(int), n_classes)
