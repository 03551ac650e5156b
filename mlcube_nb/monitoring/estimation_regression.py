"""Direct loss estimation (DLE) of a regression model's MAE and RMSE without targets.

Two gradient-boosting models (scikit-learn's ``HistGradientBoostingRegressor``, squared-error loss so the
fitted values are conditional means, kept above a small positive floor) learn on the labelled reference,
from the inputs and the prediction, the expected absolute error ``g(x) = E[|y - yhat| | x]`` and squared
error ``h(x) = E[(y - yhat)^2 | x]``. A batch's estimated MAE is the mean of ``g``, its RMSE the square root
of the mean of ``h``.

The band: given ``x``, the realised loss varies around ``g`` (``h``) with a variance proportional to its
square, the factor ``kappa = sum((loss - g)^2) / sum(g^2)`` measured on out-of-fold reference predictions
(3-fold cross-fitting); the batch mean's variance is that sum over rows divided by ``n^2`` (delta method for
the RMSE), plus the loss model's own uncertainty: the out-of-fold chunk-level misses on the reference that
sampling does not explain, and how much the three fold models disagree on the batch (which grows where the
batch lies in parts of the input space the reference covers thinly).

The boosters run on one OpenMP thread: on these sizes threads only contend (20x slower on a busy 2-core
machine), and job workers are separate processes already.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.stats import norm
from threadpoolctl import threadpool_limits

from .estimation_common import Estimate, EstimationUnsupported, ReferenceSpread, chunk_slices, spread_of

if TYPE_CHECKING:
    from sklearn.ensemble import HistGradientBoostingRegressor

MIN_REFERENCE_ROWS = 200
MAX_CATEGORIES = 250
FOLDS = 3


@dataclass(frozen=True)
class FeatureEncoder:
    """Turns an input frame plus predictions into the loss models' matrix (categories coded from the reference)."""

    numeric: tuple[str, ...]
    categories: dict[str, tuple[str, ...]]

    def __call__(self, frame: pd.DataFrame, predicted: np.ndarray) -> np.ndarray:
        """The ``(n, features + 1)`` matrix; unknown categories and missing values become NaN."""
        columns = [pd.to_numeric(frame[c], errors="coerce").to_numpy(np.float64) for c in self.numeric]
        for name, known in self.categories.items():
            codes = pd.Categorical(frame[name].astype("string"), categories=list(known)).codes
            columns.append(np.where(codes < 0, np.nan, codes).astype(np.float64))
        columns.append(np.asarray(predicted, dtype=np.float64))
        return np.column_stack(columns)

    @property
    def categorical_mask(self) -> np.ndarray:
        """Which matrix columns are categorical."""
        return np.array([False] * len(self.numeric) + [True] * len(self.categories) + [False])


def _booster(mask: np.ndarray, seed: int) -> HistGradientBoostingRegressor:
    from sklearn.ensemble import HistGradientBoostingRegressor  # on first use: not at a server's start (issue 14)

    return HistGradientBoostingRegressor(loss="squared_error", learning_rate=0.1, max_iter=100, max_leaf_nodes=31,
                                         min_samples_leaf=20, early_stopping=False,
                                         categorical_features=mask if mask.any() else None, random_state=seed)


def _positive(values: np.ndarray, floor: float) -> np.ndarray:
    """Loss predictions kept above a small floor (a squared-error booster can dip below zero)."""
    return np.maximum(values, floor)


def _moments(g: np.ndarray, h: np.ndarray, kappa: tuple[float, float]) -> tuple[float, float, float, float]:
    """MAE and RMSE estimates of rows with loss predictions g, h, and their sampling standard deviations."""
    n = g.size
    mae, mse = float(g.mean()), float(h.mean())
    sd_mae = math.sqrt(kappa[0] * float(np.sum(g * g))) / n
    rmse = math.sqrt(mse)
    sd_rmse = math.sqrt(kappa[1] * float(np.sum(h * h))) / n / (2 * rmse) if rmse > 0 else 0.0
    return mae, rmse, sd_mae, sd_rmse


@dataclass(frozen=True)
class RegressionEstimator:
    """A fitted DLE estimator: feature encoder, the two loss models, variance factors and the reference spread.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = pd.DataFrame({"x": rng.normal(size=2000)})
    >>> y = x["x"].to_numpy() + rng.normal(size=2000) * (1 + np.abs(x["x"].to_numpy()))
    >>> est = fit_regression(x, y, x["x"].to_numpy())
    >>> wide = pd.DataFrame({"x": rng.normal(scale=2.0, size=2000)})  # more rows far out: larger errors
    >>> est.estimate(wide, wide["x"].to_numpy())["mae"].value > est.spread.reference["mae"]
    True
    """

    encoder: FeatureEncoder
    abs_model: HistGradientBoostingRegressor
    sq_model: HistGradientBoostingRegressor
    kappa: tuple[float, float]
    bias_var: tuple[float, float]
    spread: ReferenceSpread
    floors: tuple[float, float] = (0.0, 0.0)
    fold_models: tuple[tuple[HistGradientBoostingRegressor, HistGradientBoostingRegressor], ...] = ()

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metrics this estimator gives."""
        return ("mae", "rmse")

    def estimate(self, frame: pd.DataFrame, predicted: Any, *, alpha: float = 0.05) -> dict[str, Estimate]:
        """MAE and RMSE estimates of a batch (inputs frame, predictions) with a ``1 - alpha`` band."""
        predicted = np.asarray(predicted, dtype=np.float64)
        if len(frame) != predicted.size or predicted.size == 0:
            raise ValueError(f"frame and predicted must be non-empty and of one length, got {len(frame)} "
                             f"and {predicted.size}.")
        matrix = self.encoder(frame, predicted)
        with threadpool_limits(1, user_api="openmp"):
            g = _positive(self.abs_model.predict(matrix), self.floors[0])
            h = _positive(self.sq_model.predict(matrix), self.floors[1])
            folds = [(float(np.mean(_positive(a.predict(matrix), self.floors[0]))),
                      math.sqrt(float(np.mean(_positive(q.predict(matrix), self.floors[1])))))
                     for a, q in self.fold_models]
        mae, rmse, sd_mae, sd_rmse = _moments(g, h, self.kappa)
        # how much loss models fitted on different thirds of the reference disagree on this batch: the loss
        # model's own uncertainty, which grows where the batch lies in sparsely covered parts of the reference
        model_var = np.var(np.asarray(folds), axis=0, ddof=1) if len(folds) > 1 else np.zeros(2)
        z = float(norm.ppf(1 - alpha / 2))
        out = {}
        for metric, value, sd, bias in (("mae", mae, sd_mae, self.bias_var[0] + float(model_var[0])),
                                        ("rmse", rmse, sd_rmse, self.bias_var[1] + float(model_var[1]))):
            half = z * math.sqrt(sd * sd + bias)
            out[metric] = Estimate(metric, value, max(0.0, value - half), value + half)
        return out


def _encoder(frame: pd.DataFrame, numeric: tuple[str, ...], categorical: tuple[str, ...]) -> FeatureEncoder:
    categories = {}
    for name in categorical:
        known = frame[name].dropna().astype("string").value_counts().index[:MAX_CATEGORIES]
        categories[name] = tuple(sorted(map(str, known)))
    return FeatureEncoder(numeric, categories)


def fit_regression(frame: pd.DataFrame, y: Any, predicted: Any, *, numeric: tuple[str, ...] | None = None,
                   categorical: tuple[str, ...] = (), seed: int = 0) -> RegressionEstimator:
    """Fit DLE on a labelled reference in time order (inputs *frame*, targets *y*, the model's *predicted*).

    *numeric* defaults to every column of *frame* not named in *categorical*. Raises
    :class:`EstimationUnsupported` when the reference is too small.
    """
    with threadpool_limits(1, user_api="openmp"):
        return _fit_regression(frame, y, predicted, numeric=numeric, categorical=categorical, seed=seed)


def _fit_regression(frame: pd.DataFrame, y: Any, predicted: Any, *, numeric: tuple[str, ...] | None = None,
                    categorical: tuple[str, ...] = (), seed: int = 0) -> RegressionEstimator:
    y, predicted = np.asarray(y, np.float64), np.asarray(predicted, np.float64)
    keep = np.isfinite(y) & np.isfinite(predicted)
    frame, y, predicted = frame.loc[keep].reset_index(drop=True), y[keep], predicted[keep]
    if y.size < MIN_REFERENCE_ROWS:
        raise EstimationUnsupported(
            "REFERENCE_TOO_SMALL", f"The reference has {y.size} rows with a target and a prediction; "
            f"loss estimation needs at least {MIN_REFERENCE_ROWS}.")
    numeric = tuple(c for c in frame.columns if c not in categorical) if numeric is None else numeric
    encoder = _encoder(frame, tuple(numeric), tuple(categorical))
    matrix, error = encoder(frame, predicted), y - predicted
    absolute, squared = np.abs(error), np.square(error)
    if not squared.sum() > 0:
        raise EstimationUnsupported("PERFECT_REFERENCE", "The model makes no error on the reference; there is "
                                    "no loss to learn. Set a reference the model does not fit exactly.")
    floors = (1e-3 * float(absolute.mean()), 1e-3 * float(squared.mean()))
    g_oof, h_oof = np.empty(y.size), np.empty(y.size)
    folds = np.random.default_rng(seed).integers(0, FOLDS, size=y.size)
    fold_models = []
    mask = encoder.categorical_mask
    for fold in range(FOLDS):
        train, test = folds != fold, folds == fold
        pair = (_booster(mask, seed).fit(matrix[train], absolute[train]),
                _booster(mask, seed).fit(matrix[train], squared[train]))
        g_oof[test], h_oof[test] = pair[0].predict(matrix[test]), pair[1].predict(matrix[test])
        fold_models.append(pair)
    g_oof, h_oof = _positive(g_oof, floors[0]), _positive(h_oof, floors[1])
    kappa = (float(np.sum(np.square(absolute - g_oof)) / np.sum(np.square(g_oof))),
             float(np.sum(np.square(squared - h_oof)) / np.sum(np.square(h_oof))))
    bias_var = _bias_variance(absolute, squared, g_oof, h_oof, kappa)
    whole = dict(zip(("mae", "rmse"), _moments(g_oof, h_oof, kappa)[:2], strict=True))
    full = _moments(g_oof, h_oof, kappa)
    fallback = {"mae": full[2] * math.sqrt(y.size), "rmse": full[3] * math.sqrt(y.size)}
    spread = spread_of(y.size, whole, lambda s: dict(zip(("mae", "rmse"), _moments(g_oof[s], h_oof[s], kappa)[:2],
                                                         strict=True)), fallback)
    return RegressionEstimator(encoder, _booster(mask, seed).fit(matrix, absolute),
                               _booster(mask, seed).fit(matrix, squared), kappa, bias_var, spread, floors,
                               tuple(fold_models))


def _bias_variance(absolute: np.ndarray, squared: np.ndarray, g: np.ndarray, h: np.ndarray,
                   kappa: tuple[float, float]) -> tuple[float, float]:
    """Variance of the chunk-level miss (realised - out-of-fold estimate) beyond what sampling explains."""
    slices = chunk_slices(absolute.size)
    if not slices:
        return 0.0, 0.0
    extra = []
    for s in slices:
        mae, rmse, sd_mae, sd_rmse = _moments(g[s], h[s], kappa)
        real_mae, real_rmse = float(absolute[s].mean()), math.sqrt(float(squared[s].mean()))
        extra.append(((real_mae - mae) ** 2 - sd_mae ** 2, (real_rmse - rmse) ** 2 - sd_rmse ** 2))
    spare = np.mean(np.asarray(extra), axis=0)
    return max(float(spare[0]), 0.0), max(float(spare[1]), 0.0)
