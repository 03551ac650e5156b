"""Summaries of a production batch on the reference's grid, mergeable across chunks.

:func:`summarise_batch` turns a batch into counts only — per column on the reference edges or
categories, and per multivariate target the QuantTree bin counts of a seeded row sample — so
a large batch can be summarised in chunks (or per worker) and merged with
:meth:`BatchSummary.merge` before :func:`~mlcube_nb.monitoring.analysis.compare` runs the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, cast

import numpy as np
import pandas as pd

from ._checks import check_positive_int
from ._columns import encode_columns, map_columns
from .categorical_summary import CategoricalSummary, factorize
from .numeric_summary import NumericSummary
from .reference import ReferenceSummary


@dataclass(frozen=True, eq=False)
class BatchSummary:
    """Counts of one batch (or of merged chunks) on a reference summary's grid."""

    numeric: Mapping[str, NumericSummary]
    categorical: Mapping[str, CategoricalSummary]
    bin_counts: Mapping[str, np.ndarray]
    n_rows: int

    def merge(self, other: BatchSummary) -> BatchSummary:
        """Add two batch summaries made on the same reference (exact)."""
        if set(self.numeric) != set(other.numeric) or set(self.bin_counts) != set(other.bin_counts):
            raise ValueError("batch summaries to merge must cover the same columns and targets.")
        return BatchSummary(
            MappingProxyType({k: s.merge(other.numeric[k]) for k, s in self.numeric.items()}),
            MappingProxyType({k: s.merge(other.categorical[k]) for k, s in self.categorical.items()}),
            MappingProxyType({k: c + other.bin_counts[k] for k, c in self.bin_counts.items()}),
            self.n_rows + other.n_rows,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict; :meth:`from_dict` rebuilds the summary."""
        return {
            "numeric": {k: s.to_dict() for k, s in self.numeric.items()},
            "categorical": {k: s.to_dict() for k, s in self.categorical.items()},
            "bin_counts": {k: c.tolist() for k, c in self.bin_counts.items()},
            "n_rows": self.n_rows,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BatchSummary:
        """Rebuild a summary from :meth:`to_dict` output."""
        return cls(
            MappingProxyType({k: NumericSummary.from_dict(v) for k, v in data["numeric"].items()}),
            MappingProxyType({k: CategoricalSummary.from_dict(v) for k, v in data["categorical"].items()}),
            MappingProxyType({k: np.asarray(v, dtype=np.int64) for k, v in data["bin_counts"].items()}),
            int(data["n_rows"]),
        )


def summarise_batch(
    reference: ReferenceSummary, batch: pd.DataFrame, *, max_tree_rows: int = 50_000, seed: int = 0,
    n_jobs: int = 1, memo: dict[tuple[Any, ...], Any] | None = None,
) -> BatchSummary:
    """Summarise a production batch on the reference's edges, categories and partitions.

    Parameters
    ----------
    reference : ReferenceSummary
        What the batch is compared with.
    batch : pandas.DataFrame
        Production rows holding every monitored column.
    max_tree_rows : int
        Expected number of rows (a seeded Bernoulli sample) sent down the QuantTree partitions;
        the multivariate test stays exact on any sample size.
    seed : int
        Seed of the row sample and of QuantTree's tie-breaking.
    n_jobs : int
        Threads summarising columns in parallel.
    memo : dict, optional
        Numeric column summaries (per reference edges) and factorised categorical columns, kept and reused
        by column name: pass the same dict only for summaries of the *same rows* (e.g. a batch against two
        references whose labelled rows are all of its rows), so a column is sorted or hashed once.
    """
    check_positive_int("max_tree_rows", max_tree_rows)
    missing = [c for c in (*reference.numeric, *reference.categorical) if c not in batch.columns]
    if missing:
        raise ValueError(f"the batch lacks the monitored columns {missing}.")
    def remembered(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        found = None if memo is None else memo.get(key)
        if found is None:
            found = compute()
            if memo is not None:
                memo[key] = found
        return found

    def summarise(column: str) -> NumericSummary | tuple[CategoricalSummary, np.ndarray, tuple[str, ...]]:
        if column in reference.numeric:
            # kept per reference edges (the same when the labelled reference rows are all its rows): a summary is
            # small, where keeping the sorted column for another reference would hold megabytes
            ref = reference.numeric[column]
            return cast(NumericSummary, remembered(("numeric", column, ref.edges.tobytes()), lambda: ref.summarise(
                batch[column].to_numpy(dtype=np.float64, na_value=np.nan))))
        return cast(tuple[CategoricalSummary, np.ndarray, tuple[str, ...]],
                    remembered(("factorized", column), lambda: factorize(batch[column])))

    # Categorical columns first: their hashing holds the GIL, numeric sorting does not.
    summaries = map_columns(summarise, [*reference.categorical, *reference.numeric], n_jobs)
    numeric = {c: s for c, s in summaries.items() if isinstance(s, NumericSummary)}
    factorized = {c: s for c, s in summaries.items() if isinstance(s, tuple)}
    categorical = {c: s[0] for c, s in factorized.items()}
    coded = {c: (s[1], s[2]) for c, s in factorized.items()}
    rng = np.random.default_rng(seed)
    n = len(batch)
    rows = None if n <= max_tree_rows else np.flatnonzero(rng.random(n) < max_tree_rows / n)
    encoded: dict[str, np.ndarray] = {}
    counts = {}
    for name, partition in reference.partitions.items():
        matrix = encode_columns(batch, reference.targets[name], rows, reference.categorical, coded, encoded)
        counts[name] = partition.bin_counts(matrix, rng=rng)
    return BatchSummary(MappingProxyType(numeric), MappingProxyType(categorical), MappingProxyType(counts), n)
