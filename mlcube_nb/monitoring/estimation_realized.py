"""Realised metrics from mergeable counts, so targets that arrive in several uploads still give exact values.

A production batch's targets may come late and in pieces. Each piece becomes :func:`classification_counts`
(confusion matrix and per-class score histograms) or :func:`regression_counts` (row count, sums of absolute
and squared errors); counts of one batch add up with :func:`merge_counts` and :func:`realized_metrics`
turns them into the metrics the estimators predict. The confusion-matrix metrics are shared with the
estimator, which feeds them an *expected* confusion matrix.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

AUC_BINS = 1000


def confusion_metrics(confusion: np.ndarray) -> dict[str, float]:
    """Accuracy, precision, recall, F1 of a ``(true, predicted)`` confusion matrix (expected or counted).

    Two classes: precision / recall / F1 of class 1 (the positive class); more: macro averages.

    Examples
    --------
    >>> confusion_metrics(np.array([[50, 10], [5, 35]]))["accuracy"]
    0.85
    """
    confusion = np.asarray(confusion, dtype=np.float64)
    total = confusion.sum()
    tp = np.diag(confusion)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.full_like(tp, np.nan), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.full_like(tp, np.nan), where=actual > 0)
    both = 2 * tp + (predicted - tp) + (actual - tp)
    f1 = np.divide(2 * tp, both, out=np.full_like(tp, np.nan), where=both > 0)
    pick = (lambda v: float(v[1])) if confusion.shape[0] == 2 else (lambda v: float(np.nanmean(v)) if
                                                                     np.isfinite(v).any() else math.nan)
    return {"accuracy": float(tp.sum() / total) if total > 0 else math.nan,
            "precision": pick(precision), "recall": pick(recall), "f1": pick(f1)}


def auc_from_histograms(positive: np.ndarray, negative: np.ndarray) -> float:
    """ROC AUC (Mann-Whitney, ties counted half) from score histograms of positives and negatives (any weights)."""
    positive, negative = np.asarray(positive, np.float64), np.asarray(negative, np.float64)
    below = np.cumsum(negative) - negative
    pairs = positive.sum() * negative.sum()
    return float(np.sum(positive * (below + 0.5 * negative)) / pairs) if pairs > 0 else math.nan


def _bins(scores: np.ndarray) -> np.ndarray:
    return np.clip((np.nan_to_num(scores, nan=0.0) * AUC_BINS).astype(np.int64), 0, AUC_BINS - 1)


def classification_counts(labels: np.ndarray, predicted: np.ndarray, scores: np.ndarray | None,
                          n_classes: int) -> dict[str, Any]:
    """Mergeable counts of labelled rows: integer labels / predictions in ``0..k-1``, optional ``(n, k)`` scores."""
    labels, predicted = np.asarray(labels, np.int64), np.asarray(predicted, np.int64)
    confusion = np.bincount(labels * n_classes + predicted, minlength=n_classes * n_classes)
    counts: dict[str, Any] = {"kind": "classification", "confusion": confusion.reshape(n_classes, n_classes).tolist()}
    if scores is not None:
        columns = [1] if n_classes == 2 else range(n_classes)
        counts["histograms"] = {
            str(j): [np.bincount(_bins(scores[labels == j, j]), minlength=AUC_BINS).tolist(),
                     np.bincount(_bins(scores[labels != j, j]), minlength=AUC_BINS).tolist()] for j in columns}
    return counts


def regression_counts(y: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    """Mergeable counts of labelled regression rows (non-finite pairs left out)."""
    error = np.asarray(y, np.float64) - np.asarray(predicted, np.float64)
    error = error[np.isfinite(error)]
    return {"kind": "regression", "n": int(error.size), "sum_abs": float(np.abs(error).sum()),
            "sum_sq": float(np.square(error).sum())}


def merge_counts(a: dict[str, Any] | None, b: dict[str, Any]) -> dict[str, Any]:
    """The counts of two disjoint sets of rows of one batch.

    Examples
    --------
    >>> merged = merge_counts(regression_counts([1.0], [0.0]), regression_counts([0.0], [2.0]))
    >>> realized_metrics(merged)["mae"]
    1.5
    """
    if not a:
        return b
    if b["kind"] == "regression":
        return {"kind": "regression", "n": a["n"] + b["n"], "sum_abs": a["sum_abs"] + b["sum_abs"],
                "sum_sq": a["sum_sq"] + b["sum_sq"]}
    out: dict[str, Any] = {"kind": "classification",
                           "confusion": (np.asarray(a["confusion"]) + np.asarray(b["confusion"])).tolist()}
    if "histograms" in a and "histograms" in b:
        out["histograms"] = {j: (np.asarray(a["histograms"][j]) + np.asarray(b["histograms"][j])).tolist()
                             for j in a["histograms"]}
    return out


def n_labelled(counts: dict[str, Any] | None) -> int:
    """How many labelled rows the counts hold."""
    if not counts:
        return 0
    return int(counts["n"]) if counts["kind"] == "regression" else int(np.asarray(counts["confusion"]).sum())


def realized_metrics(counts: dict[str, Any]) -> dict[str, float]:
    """The realised metrics of merged counts (NaN where undefined, e.g. one class only for ROC AUC)."""
    if counts["kind"] == "regression":
        n = counts["n"]
        if n == 0:
            return {"mae": math.nan, "rmse": math.nan}
        return {"mae": counts["sum_abs"] / n, "rmse": math.sqrt(counts["sum_sq"] / n)}
    out = confusion_metrics(np.asarray(counts["confusion"]))
    if "histograms" in counts:
        aucs = [auc_from_histograms(*h) for h in counts["histograms"].values()]
        finite = [a for a in aucs if math.isfinite(a)]
        out["roc_auc"] = float(np.mean(finite)) if finite else math.nan
    return out
