"""Approximate merge of two numeric summaries that were built on different edges.

Point masses stay where they are (every old edge is in the union grid); the mass of an open
cell is spread uniformly over the part of the union grid it covers, with cumulative rounding
so counts stay integers and totals are preserved exactly. When the union has more than
``max_edges`` edges it is thinned to evenly spaced edges of the union, folding removed point
masses into the surrounding open cells.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .numeric_summary import NumericSummary


def merge_different_edges(
    a: NumericSummary, b: NumericSummary, max_edges: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges, point masses and open-cell counts of ``a`` and ``b`` merged on the union of their edges.

    The union is thinned to at most ``max_edges``; the caller builds the merged summary from them.
    """
    union = np.union1d(a.edges, b.edges)
    at_edge = _point_masses(a, union) + _point_masses(b, union)
    between = _spread_open_cells(a, union) + _spread_open_cells(b, union)
    if union.size > max_edges:
        union, at_edge, between = _thin(union, at_edge, between, max_edges)
    return union, at_edge, between


def _point_masses(summary: NumericSummary, union: np.ndarray) -> np.ndarray:
    """Place the summary's point masses on the union grid (every old edge is a union edge)."""
    out = np.zeros(union.size, dtype=np.int64)
    out[np.searchsorted(union, summary.edges)] = summary.at_edge
    return out


def _spread_open_cells(summary: NumericSummary, union: np.ndarray) -> np.ndarray:
    """Spread open-cell counts uniformly over the union's open cells (cumulative rounding)."""
    total = int(summary.between.sum())
    if total == 0:
        return np.zeros(union.size + 1, dtype=np.int64)
    low = summary.minimum if summary.between[0] else summary.edges[0]
    high = summary.maximum if summary.between[-1] else summary.edges[-1]
    knots = np.concatenate(([min(low, summary.edges[0])], summary.edges, [max(high, summary.edges[-1])]))
    cumulative = np.concatenate(([0], np.cumsum(summary.between)))
    at_union = np.rint(np.interp(union, knots, cumulative)).astype(np.int64)
    return np.diff(np.concatenate(([0], at_union, [total])))


def _thin(
    edges: np.ndarray, at_edge: np.ndarray, between: np.ndarray, max_edges: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep ``max_edges`` evenly spaced edges, folding the others into open cells."""
    keep = np.unique(np.rint(np.linspace(0, edges.size - 1, max_edges)).astype(np.int64))
    cells = np.empty(2 * edges.size + 1, dtype=np.int64)
    cells[0::2] = between
    cells[1::2] = at_edge
    prefix = np.concatenate(([0], np.cumsum(cells)))
    positions = 2 * keep + 1
    starts = np.concatenate(([0], positions + 1))
    stops = np.concatenate((positions, [cells.size]))
    return edges[keep], at_edge[keep], prefix[stops] - prefix[starts]
