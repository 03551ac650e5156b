"""Small linear learners fitted with numpy/scipy: weighted ridge regression and L2 softmax regression.

They are the "simple models" of the retraining module: the domain classifier that estimates importance
weights, and the stand-in model whose measured metric bounds the forecast performance of a retrain.
Inputs are design matrices (already standardised / one-hot encoded, see :mod:`.design`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp


@dataclass(frozen=True)
class RidgeModel:
    """``y ≈ X @ coef + intercept``; the intercept is not penalised."""

    coef: np.ndarray
    intercept: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted values for the rows of *x*."""
        return x @ self.coef + self.intercept


def fit_ridge(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None, l2: float = 1.0) -> RidgeModel:
    """Weighted least squares with an L2 penalty ``l2 * |coef|²``, solved in closed form on centred data."""
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if len(y) == 0 or w.sum() <= 0:
        raise ValueError("ridge regression needs at least one sample with a positive weight")
    w = w / w.mean()
    x_mean = np.average(x, axis=0, weights=w)
    y_mean = float(np.average(y, weights=w))
    xc, yc = x - x_mean, y - y_mean
    gram = xc.T @ (xc * w[:, None]) + l2 * np.eye(x.shape[1])
    coef = np.linalg.solve(gram, xc.T @ (w * yc))
    return RidgeModel(coef, y_mean - float(x_mean @ coef))


@dataclass(frozen=True)
class SoftmaxModel:
    """Multinomial logistic regression over ``n_classes`` classes (binary = two classes)."""

    coef: np.ndarray  # (n_features, n_classes)
    intercept: np.ndarray  # (n_classes,)

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Unnormalised class scores."""
        return x @ self.coef + self.intercept

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities, one row per sample."""
        z = self.logits(x)
        return np.exp(z - logsumexp(z, axis=1, keepdims=True))

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The most probable class index of each row."""
        return np.argmax(self.logits(x), axis=1)


def fit_softmax(x: np.ndarray, y: np.ndarray, n_classes: int, sample_weight: np.ndarray | None = None,
                l2: float = 1.0, max_iter: int = 500) -> SoftmaxModel:
    """Minimise the weighted cross-entropy plus ``l2/2 * |coef|²`` (intercepts unpenalised) with L-BFGS.

    *y* holds class indices in ``[0, n_classes)``. Weights are rescaled to mean 1 so that *l2* means the
    same whatever their scale.
    """
    if n_classes < 2:
        raise ValueError("a classifier needs at least two classes")
    n, d = x.shape
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if n == 0 or w.sum() <= 0:
        raise ValueError("logistic regression needs at least one sample with a positive weight")
    w = w / w.mean()
    onehot = np.zeros((n, n_classes))
    onehot[np.arange(n), y.astype(int)] = 1.0

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return theta[: d * n_classes].reshape(d, n_classes), theta[d * n_classes:]

    def loss_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, intercept = unpack(theta)
        z = x @ coef + intercept
        log_norm = logsumexp(z, axis=1, keepdims=True)
        loss = -float(np.sum(w * np.sum(onehot * (z - log_norm), axis=1))) + 0.5 * l2 * float(np.sum(coef ** 2))
        residual = (np.exp(z - log_norm) - onehot) * w[:, None]
        grad_coef = x.T @ residual + l2 * coef
        return loss, np.concatenate([grad_coef.ravel(), residual.sum(axis=0)])

    start = np.zeros(d * n_classes + n_classes)
    result = minimize(loss_and_grad, start, jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    coef, intercept = unpack(result.x)
    return SoftmaxModel(coef, intercept)
