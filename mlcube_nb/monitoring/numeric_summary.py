"""Mergeable summary of a numeric column: point masses at fixed edges plus open-cell counts.

The reference column is summarised once: its edges are its distinct values when there are at
most ``max_edges`` of them (the summary is then *exact*: it holds the whole empirical
distribution) and otherwise ``max_edges`` of its order statistics at evenly spaced quantile
levels (a sketch whose open cells each hold at most about ``1 / max_edges`` of the mass).
A production batch is summarised *on the reference edges*: for every edge the number of
values equal to it, and for every open cell between two edges the number of values inside.
Summaries on the same edges merge exactly by adding counts, so a batch can be summarised in
chunks, per column in parallel or on a cluster; summaries on different edges merge
approximately (see :meth:`NumericSummary.merge`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import check_positive_int
from ._regrid import merge_different_edges

DEFAULT_MAX_EDGES = 2048


@dataclass(frozen=True, eq=False)
class NumericSummary:
    """Counts of a numeric column on a grid of edges.

    Attributes
    ----------
    edges : numpy.ndarray
        Strictly increasing float64 edges ``e_0 < ... < e_{B-1}``.
    at_edge : numpy.ndarray
        ``at_edge[i]`` is the number of values equal to ``e_i``.
    between : numpy.ndarray
        ``B + 1`` counts of values strictly inside ``(-inf, e_0), (e_0, e_1), ..., (e_{B-1}, inf)``.
    n_missing : int
        Number of missing or non-finite values (not counted anywhere else).
    minimum, maximum : float
        Smallest and largest finite value (NaN when there is none).
    mean, m2 : float
        Mean and sum of squared deviations from it, merged with Chan's formula.
    """

    edges: np.ndarray
    at_edge: np.ndarray
    between: np.ndarray
    n_missing: int
    minimum: float
    maximum: float
    mean: float
    m2: float

    @property
    def count(self) -> int:
        """Number of finite values summarised."""
        return int(self.at_edge.sum() + self.between.sum())

    @property
    def exact(self) -> bool:
        """True when every value sits on an edge, so the summary is the empirical distribution."""
        return not bool(self.between.any())

    @property
    def std(self) -> float:
        """Sample standard deviation (ddof=1); NaN with fewer than two values."""
        return float(np.sqrt(self.m2 / (self.count - 1))) if self.count > 1 else float("nan")

    @classmethod
    def from_reference(cls, values: Any, *, max_edges: int = DEFAULT_MAX_EDGES) -> NumericSummary:
        """Summarise a reference column, choosing the edges from its own distribution.

        Examples
        --------
        >>> ref = NumericSummary.from_reference([3.0, 1.0, 2.0, 2.0, float("nan")])
        >>> ref.edges.tolist(), ref.at_edge.tolist(), ref.n_missing, ref.exact
        ([1.0, 2.0, 3.0], [1, 2, 1], 1, True)
        """
        check_positive_int("max_edges", max_edges, minimum=2)
        finite, n_missing = _finite_sorted(values)
        if finite.size == 0:
            raise ValueError("a numeric reference column needs at least one finite value.")
        distinct = finite[np.concatenate(([True], finite[1:] != finite[:-1]))]
        if distinct.size <= max_edges:
            edges = distinct
        else:
            levels = np.linspace(0.0, 1.0, max_edges)
            index = np.clip(np.ceil(levels * finite.size).astype(np.int64) - 1, 0, finite.size - 1)
            edges = np.unique(finite[index])
        return _count_sorted(edges, finite, n_missing)

    def summarise(self, values: Any) -> NumericSummary:
        """Summarise ``values`` (e.g. a production batch) on this summary's edges.

        Examples
        --------
        >>> ref = NumericSummary.from_reference([1.0, 2.0, 3.0])
        >>> batch = ref.summarise([0.5, 2.0, 2.5, 9.0])
        >>> batch.at_edge.tolist(), batch.between.tolist()
        ([0, 1, 0], [1, 0, 1, 1])
        """
        finite, n_missing = _finite_sorted(values)
        return _count_sorted(self.edges, finite, n_missing)

    def cdf_at_edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the empirical CDF just below each edge and at each edge, ``(F(e-), F(e))``."""
        n = max(self.count, 1)
        below = np.cumsum(self.between[:-1]) + np.concatenate(([0], np.cumsum(self.at_edge)[:-1]))
        return below / n, (below + self.at_edge) / n

    def cdf_limits(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the CDF's left and right limits at ``points``.

        Open-cell mass is spread uniformly over its cell (the tails run to the minimum and
        maximum), so the result is exact at edges and linear in between.
        """
        points = np.asarray(points, dtype=np.float64)
        n, edges = max(self.count, 1), self.edges
        low = min(self.minimum, edges[0]) if self.count else edges[0]
        high = max(self.maximum, edges[-1]) if self.count else edges[-1]
        knots = np.concatenate(([low], edges, [high]))
        continuous = np.interp(points, knots, np.concatenate(([0], np.cumsum(self.between))))
        cum_points = np.concatenate(([0], np.cumsum(self.at_edge)))
        left = continuous + cum_points[np.searchsorted(edges, points, side="left")]
        right = continuous + cum_points[np.searchsorted(edges, points, side="right")]
        return left / n, right / n

    def cell_masses(self) -> np.ndarray:
        """Return the ``2B + 1`` cell proportions in order: open, edge, open, ..., edge, open."""
        cells = np.empty(2 * self.edges.size + 1, dtype=np.float64)
        cells[0::2] = self.between
        cells[1::2] = self.at_edge
        return cells / max(self.count, 1)

    def merge(self, other: NumericSummary, *, max_edges: int = DEFAULT_MAX_EDGES) -> NumericSummary:
        """Combine two summaries: exactly on equal edges, otherwise on a re-gridded sketch.

        On different edges the open-cell counts are spread uniformly over the union of the two
        grids and the union is thinned back to ``max_edges`` quantile edges; the result is a
        sketch even when both inputs were exact.
        """
        moments = _merge_moments(self, other)
        if np.array_equal(self.edges, other.edges):
            return NumericSummary(
                self.edges, self.at_edge + other.at_edge, self.between + other.between,
                self.n_missing + other.n_missing, *moments,
            )
        edges, at_edge, between = merge_different_edges(self, other, max_edges)
        return NumericSummary(edges, at_edge, between, self.n_missing + other.n_missing, *moments)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict; :meth:`from_dict` restores an equal summary."""
        return {
            "kind": "numeric", "edges": self.edges.tolist(), "at_edge": self.at_edge.tolist(),
            "between": self.between.tolist(), "n_missing": self.n_missing,
            "minimum": _json_float(self.minimum), "maximum": _json_float(self.maximum),
            "mean": _json_float(self.mean), "m2": _json_float(self.m2),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NumericSummary:
        """Rebuild a summary from :meth:`to_dict` output."""
        if data.get("kind") != "numeric":
            raise ValueError(f"expected a numeric summary dict, got kind={data.get('kind')!r}.")
        return cls(
            np.asarray(data["edges"], dtype=np.float64), np.asarray(data["at_edge"], dtype=np.int64),
            np.asarray(data["between"], dtype=np.int64), int(data["n_missing"]),
            *(np.nan if data[k] is None else float(data[k]) for k in ("minimum", "maximum", "mean", "m2")),
        )


def _finite_sorted(values: Any) -> tuple[np.ndarray, int]:
    """Return the sorted finite values and the number of other (missing) values."""
    array = np.asarray(values, dtype=np.float64).ravel()
    finite = np.isfinite(array)
    kept = array if finite.all() else array[finite]
    return np.sort(kept), int(array.size - kept.size)


def _count_sorted(edges: np.ndarray, finite: np.ndarray, n_missing: int) -> NumericSummary:
    """Count sorted finite values on ``edges`` (two binary searches per edge, no per-value search)."""
    n = finite.size
    lo = np.searchsorted(finite, edges, side="left")
    hi = np.searchsorted(finite, edges, side="right")
    if edges.size:
        between = np.concatenate(([lo[0]], lo[1:] - hi[:-1], [n - hi[-1]]))
    else:
        between = np.array([n])
    mean = float(finite.mean()) if n else float("nan")
    m2 = float(np.square(finite - mean).sum()) if n else float("nan")
    minimum = float(finite[0]) if n else float("nan")
    maximum = float(finite[-1]) if n else float("nan")
    return NumericSummary(
        edges, (hi - lo).astype(np.int64), between.astype(np.int64), n_missing, minimum, maximum, mean, m2
    )


def _merge_moments(a: NumericSummary, b: NumericSummary) -> tuple[float, float, float, float]:
    """Merge min, max, mean and m2 of two summaries (Chan et al.'s parallel update)."""
    if b.count == 0:
        return a.minimum, a.maximum, a.mean, a.m2
    if a.count == 0:
        return b.minimum, b.maximum, b.mean, b.m2
    n = a.count + b.count
    delta = b.mean - a.mean
    mean = a.mean + delta * b.count / n
    m2 = a.m2 + b.m2 + delta * delta * a.count * b.count / n
    return min(a.minimum, b.minimum), max(a.maximum, b.maximum), mean, m2


def _json_float(value: float) -> float | None:
    """Map NaN to None so the dict is strict JSON."""
    return None if np.isnan(value) else float(value)
