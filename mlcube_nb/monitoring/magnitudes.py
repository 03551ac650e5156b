"""Drift magnitudes computed from summaries: PSI, Jensen–Shannon distance and Wasserstein-1.

A p-value says whether a change is real; a magnitude says how large it is, and drives the
severity of a drift event. PSI and Jensen–Shannon compare bin proportions: for a numeric column
the fine cells of the reference grid are grouped into ``bins`` groups of about equal reference
mass (deciles by default, the usual PSI convention); for a categorical column the bins are the
categories. Wasserstein-1 integrates the distance between the two CDFs, treating the mass of an
open cell as spread uniformly over it, so it is exact when both summaries are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import jensenshannon

from ._checks import check_positive, check_positive_int
from .categorical_summary import CategoricalSummary
from .numeric_summary import NumericSummary


@dataclass(frozen=True)
class Magnitudes:
    """Drift magnitudes of one column; ``wasserstein`` is None for categorical columns."""

    psi: float
    jensen_shannon: float
    wasserstein: float | None


def psi(expected: np.ndarray, actual: np.ndarray, *, epsilon: float = 1e-4) -> float:
    """Population stability index ``sum((a - e) * ln(a / e))`` of two proportion vectors.

    Proportions are floored at ``epsilon`` so an empty bin gives a large but finite value.
    PSI is the symmetrised Kullback–Leibler divergence (Jeffreys divergence).

    Examples
    --------
    >>> round(psi(np.array([0.5, 0.5]), np.array([0.6, 0.4])), 4)
    0.0405
    """
    check_positive("epsilon", epsilon)
    e = np.maximum(np.asarray(expected, dtype=np.float64), epsilon)
    a = np.maximum(np.asarray(actual, dtype=np.float64), epsilon)
    return float(np.sum((a - e) * np.log(a / e)))


def jensen_shannon(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen–Shannon *distance* in base 2 (in [0, 1]) of two proportion vectors (scipy's ``jensenshannon``).

    Examples
    --------
    >>> jensen_shannon(np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    1.0
    """
    return float(jensenshannon(np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64), base=2))


def coarse_proportions(
    reference: NumericSummary, batch: NumericSummary, bins: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Group the fine cells into about ``bins`` groups of equal reference mass.

    Returns the reference and batch proportions per group; groups empty in both are dropped.
    """
    check_positive_int("bins", bins, minimum=2)
    ref_cells, batch_cells = reference.cell_masses(), batch.cell_masses()
    ends = np.cumsum(ref_cells)
    group = np.clip(np.ceil(ends * bins - 1e-9).astype(np.int64) - 1, 0, bins - 1)
    # A cell without reference mass joins the next group (groups are right-closed), or the last one.
    filled = np.flatnonzero(ref_cells > 0)
    group = group[filled[np.minimum(np.searchsorted(filled, np.arange(ref_cells.size)), filled.size - 1)]]
    ref = np.bincount(group, weights=ref_cells, minlength=bins)
    new = np.bincount(group, weights=batch_cells, minlength=bins)
    keep = (ref > 0) | (new > 0)
    return ref[keep], new[keep]


def wasserstein(reference: NumericSummary, batch: NumericSummary) -> float:
    """Wasserstein-1 distance between the CDFs of two summaries on the same edges.

    Examples
    --------
    >>> ref = NumericSummary.from_reference([0.0, 1.0, 2.0])
    >>> wasserstein(ref, ref.summarise([1.0, 2.0, 2.0]))
    0.6666666666666666
    """
    points = np.unique(np.concatenate((reference.edges, _support(reference), _support(batch))))
    r_left, r_right = reference.cdf_limits(points)
    b_left, b_right = batch.cdf_limits(points)
    start = r_right[:-1] - b_right[:-1]
    stop = r_left[1:] - b_left[1:]
    width = np.diff(points)
    same_sign = start * stop >= 0
    span = np.abs(start) + np.abs(stop)
    crossing = np.divide(start**2 + stop**2, 2.0 * span, out=np.zeros_like(span), where=span > 0)
    area = np.where(same_sign, 0.5 * span, crossing) * width
    return float(area.sum())


def _support(summary: NumericSummary) -> np.ndarray:
    """Finite minimum and maximum of a summary (empty when it holds no value)."""
    return np.array([summary.minimum, summary.maximum]) if summary.count else np.empty(0)


def numeric_magnitudes(reference: NumericSummary, batch: NumericSummary, *, bins: int = 10) -> Magnitudes:
    """PSI and Jensen–Shannon on reference-quantile groups, plus Wasserstein-1."""
    ref, new = coarse_proportions(reference, batch, bins)
    if batch.count == 0:
        return Magnitudes(float("nan"), float("nan"), float("nan"))
    return Magnitudes(psi(ref, new), jensen_shannon(ref, new), wasserstein(reference, batch))


def categorical_magnitudes(reference: CategoricalSummary, batch: CategoricalSummary) -> Magnitudes:
    """PSI and Jensen–Shannon over the union of categories (unseen ones included)."""
    if batch.count == 0:
        return Magnitudes(float("nan"), float("nan"), None)
    _, ref, new = reference.aligned(batch)
    ref_p, new_p = ref / ref.sum(), new / new.sum()
    return Magnitudes(psi(ref_p, new_p), jensen_shannon(ref_p, new_p), None)
