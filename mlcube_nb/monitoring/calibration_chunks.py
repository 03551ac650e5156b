"""Measure how much each test statistic varies between time-contiguous chunks of the reference.

Rows are taken in the order given (the caller sorts the reference by time). They are grouped
into at most ``max_blocks`` consecutive blocks; a column's cell counts (its KS grid cells, its
categories, or a target's QuantTree bins) are summed per block once, so any window of
consecutive blocks is counted from prefix sums and compared with the rest of the reference in
a few vectorised passes. See :mod:`~mlcube_nb.monitoring.calibration` for how the measured
variation becomes decision levels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

from ._columns import CodedColumn, encode_columns
from .calibration import (
    JOINT_SPREAD_PREFIX,
    KS_NULL_CV,
    KS_NULL_MEAN,
    SPREAD_PREFIX,
    Calibration,
    MemberCalibration,
    MemberKind,
    grid_sizes,
    inflation,
    joint_spread,
    kept,
)
from .categorical_summary import CategoricalSummary, factorize
from .chi_square import pool_sparse
from .numeric_summary import NumericSummary
from .quanttree import QuantTreePartition
from .spread import window_z_squared

MAX_CATEGORIES = 200


def calibrate_reference(
    df: pd.DataFrame, numeric: Mapping[str, NumericSummary], categorical: Mapping[str, CategoricalSummary],
    targets: Mapping[str, tuple[str, ...]], partitions: Mapping[str, QuantTreePartition], *,
    coded: Mapping[str, CodedColumn] | None = None, max_blocks: int = 1024, max_tree_rows: int = 100_000,
    seed: int = 0,
) -> Calibration:
    """Inflation of every column's test (numeric columns: KS and spread), every target's QuantTree and joint
    spread, per grid size.

    ``df`` holds the reference rows in time order; the summaries are the reference's own.
    """
    n = len(df)
    block = max(1, math.ceil(n / max_blocks))
    sizes = grid_sizes(n, block)
    members: dict[str, MemberCalibration] = {}
    if not sizes:
        return Calibration(n, MappingProxyType(members))
    blocks = np.arange(n) // block
    n_blocks = int(blocks[-1]) + 1
    spreads: dict[str, Measured] = {}
    for name, summary in numeric.items():
        values = df[name].to_numpy(dtype=np.float64, na_value=np.nan)
        cells, finite = _numeric_cells(summary.edges, values)
        prefix = _prefix(blocks[finite], cells[finite], 2 * summary.edges.size + 1, n_blocks)
        location = members[name] = _member("ks", _measure(prefix, sizes, block, _ks_values), n, KS_NULL_CV)
        dependent = frozenset(int(s) for s, v in zip(location.sizes, location.inflation, strict=True) if v > 1.0)
        spreads[name] = _measure(prefix, sizes, block, window_z_squared)
        members[f"{SPREAD_PREFIX}{name}"] = _member("spread", spreads[name], n, None, dependent)
    for target, columns in targets.items():
        joint = [spreads[c] for c in columns if c in spreads]
        if len(joint) >= 2:
            members[f"{JOINT_SPREAD_PREFIX}{target}"] = _joint_spread_member(joint, n)
    coded = dict(coded or {})
    for name, counts in categorical.items():
        if name not in coded:
            _, codes, labels = factorize(df[name])
            coded[name] = (codes, labels)
        cells = _category_cells(coded[name], counts)
        present = cells >= 0
        prefix = _prefix(blocks[present], cells[present], min(len(counts.categories), MAX_CATEGORIES) + 1, n_blocks)
        members[name] = _member("chi_square", _measure(prefix, sizes, block, _chi_square_values), n, None)
    rng = np.random.default_rng(seed)
    rows = None if n <= max_tree_rows else np.linspace(0, n - 1, max_tree_rows).round().astype(np.int64)
    cache: dict[str, np.ndarray] = {}
    for target, partition in partitions.items():
        matrix = encode_columns(df, targets[target], rows, categorical, coded, cache)
        bins = partition.assign(matrix, rng=rng)
        at = blocks if rows is None else blocks[rows]
        prefix = _prefix(at, bins, partition.reference_counts.size, n_blocks)
        cv = math.sqrt(2.0 / max(partition.reference_counts.size - 1, 1))
        members[f"quanttree:{target}"] = _member("quanttree", _measure(prefix, sizes, block, _quanttree_values), n, cv)
    return Calibration(n, MappingProxyType(members))


def _numeric_cells(edges: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cell of each value on the interleaved grid (open, edge, open, ..., edge, open) and the finite mask."""
    finite = np.isfinite(values)
    lo = np.searchsorted(edges, values, side="left")
    hi = np.searchsorted(edges, values, side="right")
    return 2 * lo + (hi - lo), finite


def _category_cells(coded: CodedColumn, summary: CategoricalSummary) -> np.ndarray:
    """Reference category index per row (rare categories past MAX_CATEGORIES lumped; -1 missing)."""
    codes, labels = coded
    position = {label: min(i, MAX_CATEGORIES) for i, label in enumerate(summary.categories)}
    lookup = np.array([position.get(label, MAX_CATEGORIES) for label in labels] + [-1], dtype=np.int64)
    return lookup[np.where(codes < 0, len(labels), codes)]


def _prefix(blocks: np.ndarray, cells: np.ndarray, n_cells: int, n_blocks: int) -> np.ndarray:
    """Prefix sums over blocks of per-block cell counts, shape ``(n_blocks + 1, n_cells)``.

    Every statistic uses the reference's ``n_blocks``, so their windows line up (a joint statistic adds them).
    """
    counts = np.bincount(blocks * n_cells + cells, minlength=n_blocks * n_cells).reshape(n_blocks, n_cells)
    return np.vstack((np.zeros((1, n_cells), dtype=np.int64), np.cumsum(counts, axis=0)))


def _windows(prefix: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts of every half-overlapping window of ``width`` blocks and of the rest of the reference."""
    n_blocks = prefix.shape[0] - 1
    starts = np.arange(0, n_blocks - width + 1, max(1, width // 2))
    window = prefix[starts + width] - prefix[starts]
    return window, prefix[-1][None, :] - window


Measured = dict[int, tuple[np.ndarray, float]]


def _measure(prefix: np.ndarray, sizes: list[int], block: int, statistic: object) -> Measured:
    """Per grid size with any finite value: every window's normalised statistic and its null CV."""
    found: Measured = {}
    for size in sizes:
        window, rest = _windows(prefix, size // block)
        normalised, cv = statistic(window, rest)  # type: ignore[operator]
        if np.isfinite(normalised).any():
            found[size] = (normalised, cv)
    return found


def _member(kind: MemberKind, measured: Measured, n: int, null_cv: float | None,
            dependent: frozenset[int] = frozenset()) -> MemberCalibration:
    """Inflation per grid size from the windows' statistics (``dependent``: sizes calibrated without pretest).

    Sizes up to the largest one where the pretest finds dependence are calibrated without it as well.
    """
    def at(size: int, dependent_here: bool) -> float:
        normalised, cv = measured[size]
        return inflation(normalised, n / size, cv if null_cv is None else null_cv, dependent=dependent_here)

    first = {size: at(size, size in dependent) for size in measured}
    below = max((size for size, lam in first.items() if lam > 1.0), default=0)
    lambdas = [lam if lam > 1.0 or size > below else at(size, True) for size, lam in first.items()]
    return MemberCalibration(kind, np.asarray(list(measured), dtype=np.int64), np.asarray(lambdas),
                             tuple(kept(normalised) for normalised, _ in measured.values()))


def _joint_spread_member(columns: list[Measured], n: int) -> MemberCalibration:
    """A target's joint spread: per size every window's sum of its columns' spread ``z**2``, its ``lambda`` and ``nu``.

    Sizes where some column was not measured are left out; a window where a column has no value is NaN.
    """
    k = len(columns)
    sizes = sorted(set.intersection(*(set(c) for c in columns)))
    lambdas, shapes, values = [], [], []
    for size in sizes:
        sums = np.sum([c[size][0] for c in columns], axis=0)
        lam, nu = joint_spread(sums, k)
        lambdas.append(lam)
        shapes.append(nu)
        values.append(kept(sums / k))
    return MemberCalibration("joint_spread", np.asarray(sizes, dtype=np.int64), np.asarray(lambdas), tuple(values),
                             np.asarray(shapes))


def _ks_values(window: np.ndarray, rest: np.ndarray) -> tuple[np.ndarray, float]:
    """``en * D**2 / E[K**2]`` of every window against the rest."""
    m, r = window.sum(axis=1).astype(np.float64), rest.sum(axis=1).astype(np.float64)
    ok = (m > 0) & (r > 0)
    out = np.full(m.size, np.nan)
    if ok.any():
        fw = np.cumsum(window[ok], axis=1) / m[ok, None]
        fr = np.cumsum(rest[ok], axis=1) / r[ok, None]
        d = np.abs(fw - fr).max(axis=1)
        out[ok] = (m[ok] * r[ok] / (m[ok] + r[ok])) * d**2 / KS_NULL_MEAN
    return out, KS_NULL_CV


def _chi_square_values(window: np.ndarray, rest: np.ndarray) -> tuple[np.ndarray, float]:
    """``X**2 / df`` of every window against the rest (sparse categories pooled as the test pools them)."""
    out = np.full(window.shape[0], np.nan)
    dfs = []
    for i in range(window.shape[0]):
        table = pool_sparse(np.vstack((window[i], rest[i])).astype(np.float64), 5.0)
        if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
            continue
        expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
        df = table.shape[1] - 1
        out[i] = float(np.sum((table - expected) ** 2 / expected)) / df
        dfs.append(df)
    return out, math.sqrt(2.0 / float(np.median(dfs))) if dfs else 1.0


def _quanttree_values(window: np.ndarray, rest: np.ndarray) -> tuple[np.ndarray, float]:
    """Pearson statistic of every window's bin counts against the reference's bin shares, over its null mean.

    A window drawn without replacement from the reference has ``E[X] = (K - 1)(n - m)/(n - 1)``.
    """
    total = (window + rest).astype(np.float64)
    n = total[0].sum()
    share = total[0] / n
    m = window.sum(axis=1).astype(np.float64)
    keep = share > 0
    expected = m[:, None] * share[None, keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.sum((window[:, keep] - expected) ** 2 / expected, axis=1)
        null_mean = (keep.sum() - 1) * (n - m) / (n - 1)
        out = np.where((m > 0) & (null_mean > 0), x / null_mean, np.nan)
    return out, math.sqrt(2.0 / max(keep.sum() - 1, 1))
