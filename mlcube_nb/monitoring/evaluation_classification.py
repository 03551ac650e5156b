"""Evaluation metrics for binary, multiclass and multilabel classification (PLATFORM.md §8.4).

Pure functions over label arrays (and class probabilities where a metric needs them). Labels
may be any hashable values; ``positive`` names the positive class of binary metrics.
Precision, recall and F1 are macro-averaged over classes for multiclass and over labels for
multilabel, which is what the platform compares with a threshold.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from scipy import stats

from ._checks import check_probability

Average = Literal["binary", "macro"]


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Share of correct predictions (subset accuracy for 2-D multilabel indicator arrays).

    Examples
    --------
    >>> accuracy([0, 1, 1, 0], [0, 1, 0, 0])
    0.75
    """
    t, p = _pair(y_true, y_pred)
    correct = t == p if t.ndim == 1 else np.all(t == p, axis=1)
    return float(np.mean(correct))


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.shape != p.shape or t.size == 0:
        raise ValueError(f"y_true and y_pred must be non-empty and of one shape, got {t.shape}, {p.shape}.")
    return t, p


def _per_class(t: np.ndarray, p: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, ...]:
    """True positives, predicted positives and actual positives per class."""
    tp = np.array([np.sum((t == c) & (p == c)) for c in classes], dtype=np.float64)
    predicted = np.array([np.sum(p == c) for c in classes], dtype=np.float64)
    actual = np.array([np.sum(t == c) for c in classes], dtype=np.float64)
    return tp, predicted, actual


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def precision_recall_f1(
    y_true: Any, y_pred: Any, *, average: Average = "macro", positive: Any = 1
) -> tuple[float, float, float]:
    """Precision, recall and F1 (0 where undefined), binary for ``positive`` or macro-averaged.

    A 2-D 0/1 indicator array is treated as multilabel: macro over labels.

    Examples
    --------
    >>> precision_recall_f1([0, 1, 1, 0], [0, 1, 0, 1], average="binary")
    (0.5, 0.5, 0.5)
    """
    t, p = _pair(y_true, y_pred)
    if t.ndim == 2:
        tp = np.sum((t == 1) & (p == 1), axis=0).astype(np.float64)
        predicted = np.sum(p == 1, axis=0).astype(np.float64)
        actual = np.sum(t == 1, axis=0).astype(np.float64)
    else:
        classes = np.array([positive]) if average == "binary" else np.unique(np.concatenate((t, p)))
        tp, predicted, actual = _per_class(t, p, classes)
    precision, recall = _ratio(tp, predicted), _ratio(tp, actual)
    f1 = _ratio(2 * precision * recall, precision + recall)
    return float(precision.mean()), float(recall.mean()), float(f1.mean())


def balanced_accuracy(y_true: Any, y_pred: Any) -> float:
    """Mean recall over the classes present in ``y_true``.

    Examples
    --------
    >>> balanced_accuracy([0, 0, 0, 1], [0, 0, 1, 1])
    0.8333333333333333
    """
    t, p = _pair(y_true, y_pred)
    tp, _, actual = _per_class(t, p, np.unique(t))
    return float(np.mean(tp / actual))


def roc_auc(y_true: Any, scores: Any, *, positive: Any = 1) -> float:
    """Area under the ROC curve (Mann–Whitney U / (n_pos * n_neg), ties counted half).

    ``scores`` is the positive-class score (1-D) or an (n, k) probability matrix, ``y_true``
    then holding column indices; this gives the one-vs-rest macro average over the classes
    present in ``y_true``.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    t, s = np.asarray(y_true), np.asarray(scores, dtype=np.float64)
    if s.ndim == 2:
        present = [int(k) for k in np.unique(t)]
        return float(np.mean([roc_auc(t == k, s[:, k], positive=True) for k in present]))
    is_pos = t == positive
    n_pos, n_neg = int(is_pos.sum()), int((~is_pos).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("roc_auc needs both positive and negative samples.")
    ranks = stats.rankdata(s)
    u = ranks[is_pos].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def pr_auc(y_true: Any, scores: Any, *, positive: Any = 1) -> float:
    """Average precision: sum over thresholds of (recall increase) * precision.

    Examples
    --------
    >>> round(pr_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
    0.8333
    """
    t, s = np.asarray(y_true) == positive, np.asarray(scores, dtype=np.float64)
    if not t.any():
        raise ValueError("pr_auc needs at least one positive sample.")
    order = np.argsort(-s, kind="stable")
    s_sorted, hits = s[order], t[order].astype(np.float64)
    last_of_tie = np.r_[s_sorted[1:] != s_sorted[:-1], True]
    tp, seen = np.cumsum(hits)[last_of_tie], np.arange(1, s.size + 1)[last_of_tie]
    recall_gain = np.diff(np.concatenate(([0.0], tp))) / t.sum()
    return float(np.sum(recall_gain * tp / seen))


def log_loss(y_true: Any, probabilities: Any, *, epsilon: float = 1e-15) -> float:
    """Mean negative log-likelihood of the true labels.

    A 1-D input is the positive-class probability (labels 0/1); with an (n, k) matrix the labels
    are column indices.

    Examples
    --------
    >>> round(log_loss([1, 0], [0.9, 0.2]), 4)
    0.1643
    """
    check_probability("epsilon", epsilon)
    t, p = np.asarray(y_true), np.asarray(probabilities, dtype=np.float64)
    if p.ndim == 1:
        p, index = np.column_stack((1 - p, p)), t.astype(np.int64)
    else:
        index = t.astype(np.int64)
    p = np.clip(p / p.sum(axis=1, keepdims=True), epsilon, 1 - epsilon)
    return float(-np.mean(np.log(p[np.arange(t.size), index])))


def fpr_at_tpr(y_true: Any, scores: Any, *, tpr: float = 0.95, positive: Any = 1) -> float:
    """Smallest false-positive rate among thresholds reaching the requested true-positive rate.

    Examples
    --------
    >>> fpr_at_tpr([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], tpr=1.0)
    0.5
    """
    check_probability("tpr", tpr, open_interval=False)
    t, s = np.asarray(y_true) == positive, np.asarray(scores, dtype=np.float64)
    thresholds = np.unique(s)
    # share of scores >= each threshold, from sorted scores: O(n log n) rather than one pass per threshold
    pos, neg = np.sort(s[t]), np.sort(s[~t])
    tprs = (pos.size - np.searchsorted(pos, thresholds, side="left")) / max(pos.size, 1)
    fprs = (neg.size - np.searchsorted(neg, thresholds, side="left")) / max(neg.size, 1)
    if pos.size == 0 or neg.size == 0:  # as the mean of an empty selection: undefined
        tprs = tprs if pos.size else np.full(thresholds.size, np.nan)
        fprs = fprs if neg.size else np.full(thresholds.size, np.nan)
    reached = tprs >= tpr - 1e-12
    return float(fprs[reached].min())


def classification_metrics(
    y_true: Any, y_pred: Any, probabilities: Any | None = None, *, positive: Any = 1, tpr: float = 0.95
) -> dict[str, float]:
    """Every applicable metric keyed by its MonitoringEvaluationMetric wire value.

    Binary when ``y_true`` has at most two classes (``positive`` is the positive one), else
    multiclass; ``probabilities`` (positive-class scores, or an (n, k) matrix whose columns are
    the classes when labels are the indices 0..k-1) adds roc_auc and log_loss, plus pr_auc and
    fpr_at_tpr for binary scores. A 2-D indicator array is multilabel.

    Examples
    --------
    >>> metrics = classification_metrics([0, 1, 1], [0, 1, 0], [0.2, 0.9, 0.4])
    >>> metrics["accuracy"], metrics["roc_auc"], len(metrics)
    (0.6666666666666666, 1.0, 9)
    """
    t = np.asarray(y_true)
    if t.ndim == 2:
        precision, recall, f1 = precision_recall_f1(y_true, y_pred)
        return {"accuracy": accuracy(y_true, y_pred), "precision": precision, "recall": recall, "f1": f1}
    binary = np.unique(t).size <= 2
    precision, recall, f1 = precision_recall_f1(
        y_true, y_pred, average="binary" if binary else "macro", positive=positive
    )
    out = {
        "accuracy": accuracy(y_true, y_pred), "balanced_accuracy": balanced_accuracy(y_true, y_pred),
        "precision": precision, "recall": recall, "f1": f1,
    }
    if probabilities is not None:
        p = np.asarray(probabilities, dtype=np.float64)
        out["roc_auc"] = roc_auc(y_true, p, positive=positive)
        out["log_loss"] = log_loss((t == positive).astype(int) if p.ndim == 1 else t, p)
        if p.ndim == 1:
            out["pr_auc"] = pr_auc(y_true, p, positive=positive)
            out["fpr_at_tpr"] = fpr_at_tpr(y_true, p, tpr=tpr, positive=positive)
    return out
