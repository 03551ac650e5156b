"""Decision levels calibrated on the reference's own time-contiguous variation.

The tests of :mod:`~mlcube_nb.monitoring.analysis` assume a batch's rows are independent draws.
Real data is autocorrelated and seasonal, so two weeks of one stable process differ far more
than independent draws would, and an i.i.d. test alarms on the reference itself. When a
reference is set, :func:`~mlcube_nb.monitoring.calibration_chunks.calibrate_reference` cuts it,
in time order, into chunks at a grid of sizes (``n / K`` rows for ``K`` in :data:`GRID_CHUNKS`;
half-overlapping windows) and computes every test statistic of each chunk against the rest of
the reference. Per statistic and size it stores the *inflation* ``lambda``: the mean of the
chunks' statistic divided by its mean under the i.i.d. null (``en * D**2 / (pi**2 / 12)`` for
KS, ``X**2 / df`` for chi-square, ``X / E[X]`` for QuantTree, ``z**2`` for a numeric column's
normal-scores (Klotz) spread test, :mod:`~mlcube_nb.monitoring.spread`). ``lambda = 1`` for independent
rows; ``lambda = 20`` says the reference's own chunks are as far apart as a 20-times-smaller
i.i.d. sample would be. This is the first-order Rao–Scott (design-effect) correction.

At analysis time the inflation is interpolated at the batch's size (log-log). Where it is 1 the
i.i.d. test decides as before. Where it exceeds 1, the batch's normalised statistic over
``lambda`` is also compared with ``F(1, K)``, ``K`` the number of reference chunks of the batch's
size (:mod:`~mlcube_nb.monitoring.calibrated_tests`), and the member's calibrated p-value is the
larger of the two. Holm runs on calibrated p-values, so a batch is WARNING / DRIFT only when it is
unusual both by the i.i.d. p-value *and* against the reference's natural variation, at the same
``alpha`` / ``alpha_warning`` (1 % / 5 %).

Small-sample rule, in two parts. (1) ``lambda`` is kept at 1 (no calibration for that statistic
and size) unless the chunks' mean exceeds the i.i.d. expectation by more than
:data:`PRETEST_Z` standard errors of a ``K``-chunk mean (a one-sided 5 % test of "the chunks
vary more than independent rows would"), so i.i.d. data keeps the i.i.d. test's power. A
statistic found dependent at some size is taken as dependent at every smaller size too
(calibrated without the test: dependence does not vanish in smaller chunks, but there the test
rarely sees it; on returns-like columns with clustered volatility it missed it at 21 rows
in every column that then made a false DRIFT, ``benchmarks/drift_misses.py`` section 6).
(2) ``lambda`` estimated from ``K`` chunks is uncertain, so the levels come from ``F(1, K)``
(Student's ``t**2`` with ``K`` degrees of freedom) rather than ``chi2(1)``: with 4 chunks the
1 % level sits at 21 times ``lambda``, with 64 chunks at 7 times. A batch larger than
``n / MIN_CHUNKS`` rows (the reference holds fewer than :data:`MIN_CHUNKS` such batches) is not
calibrated: the i.i.d. test decides alone and the history says so.

Joint spread (``joint-spread:<target>``, a target with two numeric columns or more): a change of
spread that hits every column a little (a market-wide sell-off, a noisier sensor rack) is one
column's WARNING at most, yet together unmistakable. Per chunk the sum ``S`` of the columns'
spread ``z**2`` (``chi2(k)`` for ``k`` independent columns of independent rows) is measured like
any statistic: ``lambda`` is the chunks' mean of ``S / k`` (no pretest, floored just above 1), and
the chunks' variance gives the *shape* ``nu = 2 mean(S)**2 / var(S)``, clipped to ``[1, k]``
(Satterthwaite: ``S`` is about ``mean / nu * chi2(nu)``; ``nu = k`` for independent columns, ``1``
when they all move as one). The mean of ``K`` such chunks is then ``chi2(nu * K)``-distributed, so a
batch's ``S / k / lambda`` is compared with ``F(nu, nu * K)``: the same small-sample rule as the
columns' ``F(1, K)``, which is its case of one column (or of columns that move as one). ``nu`` is
the point estimate, not a conservative bound (a 95 % bound would halve it with 22 chunks and lose
the S&P 500's August 2015, ``benchmarks/drift_misses.py`` section 1); its price, measured in section
6, is a higher false DRIFT rate on stationary columns whose common volatility clusters for months
(3.6 % instead of 1.8 % of 21-row batches in a strong setting, 2.0 % instead of 1.1 % in a mild one).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

MIN_CHUNKS = 4
GRID_CHUNKS = (4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
MIN_CHUNK_ROWS = 10
PRETEST_Z = 1.645
DEPENDENT_FLOOR = 1.0 + 1e-9  # "calibrated, no extra spread measured": above 1 so the F(1, K) rule applies
KEPT_VALUES = 64
KS_NULL_MEAN = math.pi**2 / 12  # E[K^2] of the Kolmogorov distribution
KS_NULL_CV = math.sqrt(7 * math.pi**4 / 720 - KS_NULL_MEAN**2) / KS_NULL_MEAN
SPREAD_PREFIX = "spread:"
JOINT_SPREAD_PREFIX = "joint-spread:"
MemberKind = Literal["ks", "chi_square", "quanttree", "spread", "joint_spread"]


@dataclass(frozen=True, eq=False)
class MemberCalibration:
    """Inflation of one statistic (a column's test or a target's QuantTree) at a grid of sizes.

    Attributes
    ----------
    kind : {"ks", "chi_square", "quanttree", "spread", "joint_spread"}
        The test whose statistic was measured on the reference chunks.
    sizes : numpy.ndarray
        Chunk sizes in rows, increasing.
    inflation : numpy.ndarray
        ``lambda >= 1`` per size (1 where the small-sample rule found no extra variation).
    values : tuple of numpy.ndarray
        Per size, sorted normalised chunk statistics (at most :data:`KEPT_VALUES`, evenly
        picked), for "more extreme than x % of reference chunks".
    shape : numpy.ndarray or None
        Per size, the Satterthwaite degrees of freedom ``nu`` of a joint spread sum (None for
        single-column statistics, whose shape is 1).
    """

    kind: MemberKind
    sizes: np.ndarray
    inflation: np.ndarray
    values: tuple[np.ndarray, ...]
    shape: np.ndarray | None = None

    def inflation_at(self, n_rows: int) -> float:
        """``lambda`` at a batch size, interpolated in log-log between grid sizes (held at the ends)."""
        if self.sizes.size == 0:
            return 1.0
        x = np.log(max(n_rows, 1))
        value = np.exp(np.interp(x, np.log(self.sizes), np.log(self.inflation)))
        return float(max(value, 1.0))

    def shape_at(self, n_rows: int) -> float:
        """``nu`` at a batch size, interpolated in log rows between grid sizes (1 for single-column statistics)."""
        if self.shape is None or self.sizes.size == 0:
            return 1.0
        return float(np.interp(np.log(max(n_rows, 1)), np.log(self.sizes), self.shape))

    def quantile(self, normalised: float, n_rows: int) -> float | None:
        """Share of reference chunks less extreme than a batch whose normalised statistic is given.

        The chunks of the grid size nearest the batch's are used; the batch value is rescaled by the
        ratio of the inflations at the two sizes so both are on the same footing.
        """
        if self.sizes.size == 0 or not math.isfinite(normalised):
            return None
        g = int(np.argmin(np.abs(np.log(self.sizes) - math.log(max(n_rows, 1)))))
        chunks = self.values[g]
        if chunks.size == 0:
            return None
        v = normalised * self.inflation[g] / self.inflation_at(n_rows)
        below = np.count_nonzero(chunks < v) + 0.5 * np.count_nonzero(chunks == v)
        return float(below / chunks.size)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict."""
        out = {"kind": self.kind, "sizes": self.sizes.tolist(),
               "inflation": [float(v) for v in self.inflation],
               "values": [[round(float(x), 5) for x in v] for v in self.values]}
        if self.shape is not None:
            out["shape"] = [float(v) for v in self.shape]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MemberCalibration:
        """Rebuild from :meth:`to_dict` output."""
        return cls(data["kind"], np.asarray(data["sizes"], dtype=np.int64),
                   np.asarray(data["inflation"], dtype=np.float64),
                   tuple(np.asarray(v, dtype=np.float64) for v in data["values"]),
                   None if data.get("shape") is None else np.asarray(data["shape"], dtype=np.float64))


@dataclass(frozen=True, eq=False)
class Calibration:
    """Every calibrated statistic of a reference.

    Members are named by column, ``spread:<column>``, ``quanttree:<target>`` and ``joint-spread:<target>``.
    """

    n_rows: int
    members: Mapping[str, MemberCalibration]

    @property
    def max_rows(self) -> int:
        """Largest batch size calibrated: the reference holds :data:`MIN_CHUNKS` such chunks."""
        return self.n_rows // MIN_CHUNKS

    def covers(self, n_rows: int) -> bool:
        """True when a batch of ``n_rows`` rows is calibrated (enough reference chunks of its size)."""
        return bool(self.members) and 0 < n_rows <= self.max_rows

    def member(self, name: str) -> MemberCalibration | None:
        """The calibration of one column (or ``spread:<column>``, ``quanttree:<target>``...), if measured."""
        return self.members.get(name)

    def describe(self, n_rows: int) -> str:
        """Plain words for the history: which levels a batch of ``n_rows`` rows was decided with."""
        return describe(self.n_rows, n_rows, calibrated=self.covers(n_rows))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict."""
        return {"n_rows": self.n_rows, "members": {k: m.to_dict() for k, m in self.members.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        """Rebuild from :meth:`to_dict` output."""
        return cls(int(data["n_rows"]),
                   MappingProxyType({k: MemberCalibration.from_dict(v) for k, v in data["members"].items()}))


def describe(reference_rows: int, batch_rows: int, *, calibrated: bool) -> str:
    """The calibration sentence of a batch (shared by calibrated and too-short references).

    Examples
    --------
    >>> describe(24_000, 1_000, calibrated=True)
    'calibrated on 24 reference chunks of ~1,000 rows'
    >>> describe(3_000, 1_000, calibrated=False)
    'not calibrated: the reference holds 3 chunks of 1,000 rows, 4 needed; i.i.d. test only'
    """
    chunks = reference_rows // max(batch_rows, 1)
    if calibrated:
        return f"calibrated on {chunks} reference chunks of ~{batch_rows:,} rows"
    return (f"not calibrated: the reference holds {chunks} chunks of {batch_rows:,} rows, {MIN_CHUNKS} needed; "
            "i.i.d. test only")


def grid_sizes(n_rows: int, block: int = 1) -> list[int]:
    """Chunk sizes (multiples of ``block`` rows) at which a reference of ``n_rows`` is calibrated.

    Examples
    --------
    >>> grid_sizes(1000)
    [10, 15, 20, 31, 41, 62, 83, 125, 166, 250]
    """
    sizes: list[int] = []
    for k in GRID_CHUNKS:
        size = (n_rows // k) // block * block
        if size >= max(MIN_CHUNK_ROWS, block) and size not in sizes:
            sizes.append(size)
    return sorted(sizes)


def inflation(normalised: np.ndarray, n_chunks: float, null_cv: float, *, dependent: bool = False) -> float:
    """``lambda`` from a size's normalised chunk statistics, with the small-sample rule.

    ``normalised`` are chunk statistics divided by their i.i.d. null mean; ``null_cv`` is their
    coefficient of variation under that null. Returns 1 unless the mean is significantly above 1.
    ``dependent``: another statistic of the same column already showed that its rows are not
    independent at this size (a column's spread test, when its KS test's chunks did), so the
    pretest is skipped: ``max(mean, DEPENDENT_FLOOR)``, calibrated (``F(1, K)``) even when the
    mean is near 1. With 4 chunks the pretest alone misses most dependence of a spread statistic.

    Examples
    --------
    >>> inflation(np.array([0.8, 1.3, 0.9, 1.1]), 4, KS_NULL_CV)
    1.0
    >>> inflation(np.array([9.0, 14.0, 30.0, 12.0]), 4, KS_NULL_CV)
    16.25
    """
    values = normalised[np.isfinite(normalised)]
    if values.size == 0:
        return 1.0
    mean = float(values.mean())
    if dependent:
        return max(mean, DEPENDENT_FLOOR)
    threshold = 1.0 + PRETEST_Z * null_cv / math.sqrt(max(n_chunks, 1.0))
    return mean if mean > threshold else 1.0


def joint_spread(sums: np.ndarray, k: int) -> tuple[float, float]:
    """``lambda`` and shape ``nu`` of a joint spread statistic from its chunk sums ``S`` over ``k`` columns.

    ``lambda = mean(S) / k`` (floored just above 1, so the ``F`` rule always applies: the columns may
    move together even when each one's rows are independent) and ``nu = 2 mean(S)**2 / var(S)``
    clipped to ``[1, k]``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> independent = (rng.normal(size=(4, 400)) ** 2).sum(axis=0)
    >>> [round(v, 1) for v in joint_spread(independent, 4)]
    [1.0, 4.0]
    >>> as_one = 4 * rng.normal(size=400) ** 2
    >>> [round(v, 1) for v in joint_spread(as_one, 4)]
    [1.1, 1.1]
    """
    values = sums[np.isfinite(sums)]
    if values.size < 2:
        return DEPENDENT_FLOOR, 1.0
    mean, variance = float(values.mean()), float(values.var(ddof=1))
    nu = float(k) if variance <= 0.0 else min(max(2.0 * mean**2 / variance, 1.0), float(k))
    return max(mean / k, DEPENDENT_FLOOR), nu


def kept(values: np.ndarray) -> np.ndarray:
    """Sorted values thinned to at most :data:`KEPT_VALUES` evenly spaced order statistics."""
    ordered = np.sort(values[np.isfinite(values)])
    if ordered.size <= KEPT_VALUES:
        return ordered
    return ordered[np.linspace(0, ordered.size - 1, KEPT_VALUES).round().astype(np.int64)]


def stream_inflation(values: np.ndarray, n_blocks: int = 10) -> float:
    """Long-run variance ratio of a time-ordered stream (errors, scores) by the batch-means method.

    The stream is cut into ``n_blocks`` consecutive blocks of ``b`` values; for independent values
    ``b * var(block means) / var(values)`` is about 1 (a ``chi2(n_blocks - 1) / (n_blocks - 1)``
    variable). The same small-sample rule as :func:`inflation` keeps it at 1 unless significantly
    larger. A CUSUM's false-alarm rate is kept by multiplying its thresholds by the ratio.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> stream_inflation(rng.normal(size=5000))
    1.0
    >>> walk = np.repeat(rng.normal(size=50), 100) + rng.normal(size=5000)
    >>> stream_inflation(walk) > 10
    True
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    size = x.size // n_blocks
    variance = float(x.var(ddof=1)) if x.size > 1 else 0.0
    if size < 2 or variance <= 0.0:
        return 1.0
    means = x[: size * n_blocks].reshape(n_blocks, size).mean(axis=1)
    ratio = size * float(means.var(ddof=1)) / variance
    return inflation(np.array([ratio]), 1.0, math.sqrt(2.0 / (n_blocks - 1)))
