"""QuantTree: a multivariate histogram test whose false-positive rate is exact by construction.

Boracchi et al. (ICML 2018) partition the reference space into ``K`` bins by recursive splits:
each split picks a dimension at random and cuts off, from the lower or the upper tail of the
reference points not yet assigned, a bin holding a fixed number ``L`` of them. The
probabilities that the (unknown) data distribution gives to the bins are then distributed as
a Dirichlet with parameters ``(L_1, ..., L_{K-1}, N - sum(L) + 1)`` whatever that distribution
is. A batch of ``nu`` rows falls into the bins as a multinomial draw from those
probabilities, so the null distribution of any statistic of the bin counts depends only on
``(L, N, nu)``.

How the threshold is set: the p-value of the Pearson statistic of the batch counts is a Monte
Carlo p-value over ``n_simulations`` draws from that exact Dirichlet–multinomial null,
``(1 + #{null >= observed}) / (1 + n_simulations)``, which is a valid p-value (the false
positive rate is at most α for every α) for any continuous data.

Ties (categorical codes, integer features, missing values coded as -inf) would break the
construction; every point carries an independent uniform tie-breaker per split and points
are ordered lexicographically by (value, tie-breaker), which restores it exactly.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import check_positive_int
from .registry_spec import DetectorSpec
from .results import TestResult


@dataclass(frozen=True, eq=False)
class QuantTreePartition:
    """The K-bin partition: one split per bin but the last, and reference points per bin.

    Split dimensions cycle through random permutations of the columns, so every column is
    split at least once when ``n_bins - 1 >= n_columns`` (a shift confined to one column
    cannot go unseen); the choice does not depend on the data, so the null stays exact.
    """

    dims: np.ndarray
    thresholds: np.ndarray
    tie_breaks: np.ndarray
    lower: np.ndarray
    reference_counts: np.ndarray

    @property
    def n_reference(self) -> int:
        """Number of reference rows the partition was built on."""
        return int(self.reference_counts.sum())

    @classmethod
    def fit(cls, reference: np.ndarray, *, n_bins: int = 16, rng: np.random.Generator) -> QuantTreePartition:
        """Build the partition on a reference matrix (rows = samples)."""
        check_positive_int("n_bins", n_bins, minimum=2)
        x = _as_matrix(reference)
        if x.shape[0] < 2 * n_bins:
            raise ValueError(f"QuantTree needs at least {2 * n_bins} reference rows, got {x.shape[0]}.")
        per_bin = x.shape[0] // n_bins
        remaining = np.arange(x.shape[0])
        cycles = -(-(n_bins - 1) // x.shape[1])
        dims = np.concatenate([rng.permutation(x.shape[1]) for _ in range(cycles)])[: n_bins - 1]
        thresholds, ties, lower = (np.empty(n_bins - 1) for _ in range(3))
        for k in range(n_bins - 1):
            lower[k] = rng.random() < 0.5
            values = x[remaining, int(dims[k])]
            tie = rng.random(remaining.size)
            order = np.lexsort((tie, values))
            taken = order[:per_bin] if lower[k] else order[-per_bin:]
            split = taken[-1] if lower[k] else taken[0]
            thresholds[k], ties[k] = values[split], tie[split]
            remaining = np.delete(remaining, taken)
        counts = np.append(np.full(n_bins - 1, per_bin), remaining.size)
        return cls(dims.astype(np.int64), thresholds, ties, lower.astype(bool), counts.astype(np.int64))

    def assign(self, batch: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        """The bin of every batch row (ties on a threshold broken with ``rng``, in a fixed order)."""
        x = _as_matrix(batch)
        out = np.full(x.shape[0], self.reference_counts.size - 1, dtype=np.int64)
        remaining = np.arange(x.shape[0])
        for k, (dim, threshold, tie_break, lower) in enumerate(
            zip(self.dims, self.thresholds, self.tie_breaks, self.lower, strict=True)
        ):
            values = x[remaining, dim]
            inside = values < threshold if lower else values > threshold
            tied = np.flatnonzero(values == threshold)
            if tied.size:
                draws = rng.random(tied.size)
                inside[tied] = draws <= tie_break if lower else draws >= tie_break
            out[remaining[inside]] = k
            remaining = remaining[~inside]
        return out

    def bin_counts(self, batch: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        """Count the batch rows falling into each bin (ties broken with ``rng``)."""
        return np.bincount(self.assign(batch, rng=rng), minlength=self.reference_counts.size).astype(np.int64)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (an infinite threshold, from a missing-value code, becomes None)."""
        return {
            "dims": self.dims.tolist(), "lower": self.lower.tolist(), "tie_breaks": self.tie_breaks.tolist(),
            "thresholds": [None if not np.isfinite(t) else float(t) for t in self.thresholds],
            "reference_counts": self.reference_counts.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuantTreePartition:
        """Rebuild a partition from :meth:`to_dict` output."""
        thresholds = [-np.inf if t is None else t for t in data["thresholds"]]
        return cls(
            np.asarray(data["dims"], dtype=np.int64), np.asarray(thresholds, dtype=np.float64),
            np.asarray(data["tie_breaks"], dtype=np.float64), np.asarray(data["lower"], dtype=bool),
            np.asarray(data["reference_counts"], dtype=np.int64),
        )


def quanttree_test(
    partition: QuantTreePartition, batch_counts: np.ndarray, *, n_simulations: int = 4999,
    rng: np.random.Generator,
) -> TestResult:
    """Pearson statistic of the batch bin counts and its Monte Carlo p-value under the exact null.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> part = QuantTreePartition.fit(rng.normal(size=(2000, 3)), n_bins=8, rng=rng)
    >>> same = quanttree_test(part, part.bin_counts(rng.normal(size=(500, 3)), rng=rng), rng=rng)
    >>> moved = quanttree_test(part, part.bin_counts(rng.normal(1.0, 1.0, size=(500, 3)), rng=rng), rng=rng)
    >>> same.p_value > 0.01, moved.p_value < 0.01
    (True, True)
    """
    check_positive_int("n_simulations", n_simulations, minimum=99)
    counts = np.asarray(batch_counts, dtype=np.int64)
    nu, n = int(counts.sum()), partition.n_reference
    if nu == 0:
        return TestResult("quanttree", float("nan"), float("nan"), n, 0)
    observed = pearson_statistic(partition, counts)
    null = quanttree_null(partition, nu, n_simulations=n_simulations, rng=rng)
    return TestResult("quanttree", observed, monte_carlo_p_value(null, observed), n, nu)


def pearson_statistic(partition: QuantTreePartition, counts: np.ndarray) -> float:
    """Pearson statistic of a batch's bin counts against the partition's expected shares."""
    params = partition.reference_counts.astype(np.float64)
    params[-1] += 1.0
    expected = int(np.sum(counts)) * params / params.sum()
    return float(np.sum((counts - expected) ** 2 / expected))


def quanttree_null(
    partition: QuantTreePartition, nu: int, *, n_simulations: int = 4999, rng: np.random.Generator
) -> np.ndarray:
    """``n_simulations`` Pearson statistics of ``nu`` rows drawn from the exact Dirichlet–multinomial null."""
    return _null(partition.reference_counts, nu, n_simulations, rng)


def _null(reference_counts: np.ndarray, nu: int, n_simulations: int, rng: np.random.Generator) -> np.ndarray:
    params = reference_counts.astype(np.float64)
    params[-1] += 1.0
    expected = nu * params / params.sum()
    probabilities = rng.dirichlet(params, size=n_simulations)
    simulated = rng.multinomial(nu, probabilities)
    return np.sum((simulated - expected) ** 2 / expected, axis=1)


def seeded_nulls(draws: list[tuple[QuantTreePartition, int]], *, seed: int, n_simulations: int = 4999
                 ) -> list[np.ndarray]:
    """The nulls :func:`quanttree_null` draws for each (partition, rows) in turn from ``default_rng(seed)``.

    The same numbers, remembered: a null depends only on the reference's bin counts, the batch's size
    and the seed, and batches of a model usually repeat their size, so the simulation (most of a small
    batch's analysis) runs once per size. The arrays returned are read-only (they are shared).
    """
    key = tuple((np.asarray(p.reference_counts, dtype=np.int64).tobytes(), int(nu)) for p, nu in draws)
    return list(_cached_nulls(int(seed), int(n_simulations), key))


@functools.lru_cache(maxsize=64)
def _cached_nulls(seed: int, n_simulations: int, draws: tuple[tuple[bytes, int], ...]) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    nulls = []
    for counts, nu in draws:
        null = _null(np.frombuffer(counts, dtype=np.int64), nu, n_simulations, rng)
        null.flags.writeable = False
        nulls.append(null)
    return tuple(nulls)


def null_mean(partition: QuantTreePartition, nu: int) -> float:
    """Mean of the Pearson statistic under the null: ``(K - 1)(nu + A)/(1 + A)``, ``A = N + 1``."""
    a = partition.n_reference + 1.0
    return (partition.reference_counts.size - 1) * (nu + a) / (1.0 + a)


def monte_carlo_p_value(null: np.ndarray, observed: float) -> float:
    """``(1 + #{null >= observed}) / (1 + len(null))``, a valid p-value."""
    return float((1.0 + np.count_nonzero(null >= observed - 1e-12)) / (1.0 + null.size))


def _as_matrix(values: np.ndarray) -> np.ndarray:
    """Return a 2-D float64 matrix, refusing NaN (code missing values before calling)."""
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"QuantTree expects a 2-D matrix (rows x columns), got shape {x.shape}.")
    if np.isnan(x).any():
        raise ValueError("QuantTree input must not contain NaN; code missing values first (e.g. as -inf).")
    return x


SPEC = DetectorSpec(
    name="quanttree",
    kind="multivariate",
    data_types=("numeric", "categorical", "mixed"),
    default_threshold=0.01,
    threshold_meaning="significance level alpha of the Monte Carlo p-value",
    alpha_controlled=True,
    function=quanttree_test,
)
