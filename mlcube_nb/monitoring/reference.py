"""The reference summary: every column and every multivariate target summarised once.

The server pipeline calls :func:`summarise_reference` when a model's reference data is set,
stores ``summary.to_dict()`` (plain JSON), and rebuilds it with
:meth:`ReferenceSummary.from_dict` for each production batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ._checks import check_positive_int
from ._columns import encode_columns, map_columns
from .calibration import Calibration
from .calibration_chunks import calibrate_reference
from .categorical_summary import CategoricalSummary, factorize
from .numeric_summary import DEFAULT_MAX_EDGES, NumericSummary
from .quanttree import QuantTreePartition


@dataclass(frozen=True, eq=False)
class ReferenceSummary:
    """Per-column summaries, the monitored targets and their multivariate partitions.

    Attributes
    ----------
    numeric, categorical : Mapping
        Column name to :class:`NumericSummary` / :class:`CategoricalSummary`.
    targets : Mapping[str, tuple[str, ...]]
        Monitoring target name (e.g. ``"input"``, ``"concept"``) to its columns.
    partitions : Mapping[str, QuantTreePartition]
        Multivariate QuantTree partition per target with at least two columns (if enabled).
    n_rows : int
        Rows of the reference data.
    calibration : Calibration or None
        How much every statistic varies between time-contiguous chunks of the reference.
    """

    numeric: Mapping[str, NumericSummary]
    categorical: Mapping[str, CategoricalSummary]
    targets: Mapping[str, tuple[str, ...]]
    partitions: Mapping[str, QuantTreePartition]
    n_rows: int
    calibration: Calibration | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict; :meth:`from_dict` rebuilds the summary."""
        return {
            "numeric": {name: s.to_dict() for name, s in self.numeric.items()},
            "categorical": {name: s.to_dict() for name, s in self.categorical.items()},
            "targets": {name: list(cols) for name, cols in self.targets.items()},
            "partitions": {name: p.to_dict() for name, p in self.partitions.items()},
            "n_rows": self.n_rows,
            "calibration": None if self.calibration is None else self.calibration.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReferenceSummary:
        """Rebuild a summary from :meth:`to_dict` output."""
        return cls(
            MappingProxyType({k: NumericSummary.from_dict(v) for k, v in data["numeric"].items()}),
            MappingProxyType({k: CategoricalSummary.from_dict(v) for k, v in data["categorical"].items()}),
            MappingProxyType({k: tuple(v) for k, v in data["targets"].items()}),
            MappingProxyType({k: QuantTreePartition.from_dict(v) for k, v in data["partitions"].items()}),
            int(data["n_rows"]),
            Calibration.from_dict(data["calibration"]) if data.get("calibration") else None,
        )


def summarise_reference(
    df: pd.DataFrame, numeric: Sequence[str], categorical: Sequence[str], *,
    targets: Mapping[str, Sequence[str]] | None = None, max_edges: int = DEFAULT_MAX_EDGES,
    multivariate: bool = True, n_bins: int = 32, max_tree_rows: int = 100_000, seed: int = 0, n_jobs: int = 1,
    calibrate: bool = True,
) -> ReferenceSummary:
    """Summarise the reference data once, for every later batch to be compared with.

    Parameters
    ----------
    df : pandas.DataFrame
        Reference rows.
    numeric, categorical : sequence of str
        Names of the numeric and of the categorical columns to monitor.
    targets : mapping of str to sequence of str, optional
        Monitoring targets and their columns, e.g. ``{"input": features, "concept": features +
        ["y"], "prediction": ["y_hat"]}``; default one ``"input"`` target with every column.
    max_edges : int
        Resolution of numeric summaries (exact up to this many distinct values).
    multivariate : bool
        Build a QuantTree partition for every target with two or more columns.
    n_bins, max_tree_rows : int
        QuantTree bins, and reference rows it is built on (a seeded sample when larger).
    seed : int
        Seed of the partition's random splits.
    n_jobs : int
        Threads summarising columns in parallel.
    calibrate : bool
        Measure each statistic's variation between time-contiguous chunks of ``df`` (rows must be
        in time order), so later batches are judged against it (:mod:`.calibration`).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["a", "b"], size=300)})
    >>> ref = summarise_reference(df, ["x"], ["c"])
    >>> dict(ref.targets), sorted(ref.partitions), ref.categorical["c"].count
    ({'input': ('x', 'c')}, ['input'], 300)
    """
    columns = _validate_columns(df, numeric, categorical)
    target_map = {"input": tuple(columns)} if targets is None else {k: tuple(v) for k, v in targets.items()}
    for name, cols in target_map.items():
        unknown = [c for c in cols if c not in columns]
        if not cols or unknown:
            raise ValueError(f"target {name!r} must list monitored columns; unknown or empty: {unknown}.")
    check_positive_int("max_tree_rows", max_tree_rows, minimum=2 * n_bins)
    num = map_columns(
        lambda c: NumericSummary.from_reference(_floats(df[c]), max_edges=max_edges), numeric, n_jobs
    )
    factorized = map_columns(lambda c: factorize(df[c]), categorical, n_jobs)
    cat = {c: f[0] for c, f in factorized.items()}
    coded = {c: (f[1], f[2]) for c, f in factorized.items()}
    partitions: dict[str, QuantTreePartition] = {}
    if multivariate:
        rng = np.random.default_rng(seed)
        rows = _sample_rows(len(df), max_tree_rows, rng)
        encoded: dict[str, np.ndarray] = {}
        for name, cols in target_map.items():
            if len(cols) >= 2:
                matrix = encode_columns(df, cols, rows, cat, coded, encoded)
                partitions[name] = QuantTreePartition.fit(matrix, n_bins=n_bins, rng=rng)
    calibration = None
    if calibrate:
        calibration = calibrate_reference(df, num, cat, target_map, partitions, coded=coded,
                                          max_tree_rows=max_tree_rows, seed=seed)
    return ReferenceSummary(
        MappingProxyType(num), MappingProxyType(cat), MappingProxyType(target_map),
        MappingProxyType(partitions), len(df), calibration,
    )


def _validate_columns(df: pd.DataFrame, numeric: Sequence[str], categorical: Sequence[str]) -> list[str]:
    """Check the column lists against the frame; return all monitored columns in order."""
    if isinstance(numeric, str) or isinstance(categorical, str):
        raise TypeError("numeric and categorical must be lists of column names, not a single string.")
    columns = list(numeric) + list(categorical)
    if not columns:
        raise ValueError("at least one numeric or categorical column is needed.")
    if len(set(columns)) != len(columns):
        raise ValueError("a column must be listed once, as numeric or as categorical.")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"columns {missing} are not in the data frame.")
    return columns


def _floats(series: pd.Series) -> np.ndarray:
    """Column values as float64 with missing values as NaN."""
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _sample_rows(n: int, limit: int, rng: np.random.Generator) -> np.ndarray | None:
    """All rows (None) when ``n <= limit``, else a seeded sample of ``limit`` rows without replacement."""
    return None if n <= limit else np.sort(rng.choice(n, size=limit, replace=False))
