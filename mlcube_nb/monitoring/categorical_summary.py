"""Mergeable summary of a categorical column: one count per category label.

Labels are kept as strings so the summary is JSON-able whatever the column's dtype (an integer
code ``3`` and the string ``"3"`` are the same category). Missing values are counted apart.
Two summaries merge exactly by adding counts over the union of their categories.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True, eq=False)
class CategoricalSummary:
    """Counts of a categorical column.

    Attributes
    ----------
    categories : tuple of str
        Category labels; a reference summary lists them by decreasing count.
    counts : numpy.ndarray
        ``counts[i]`` is the number of values equal to ``categories[i]``.
    n_missing : int
        Number of missing values.
    """

    categories: tuple[str, ...]
    counts: np.ndarray
    n_missing: int

    def __post_init__(self) -> None:
        if len(self.categories) != len(self.counts):
            raise ValueError(
                f"categories ({len(self.categories)}) and counts ({len(self.counts)}) "
                "must have the same length."
            )
        if len(set(self.categories)) != len(self.categories):
            raise ValueError("categories must not repeat a label.")

    @property
    def count(self) -> int:
        """Number of non-missing values."""
        return int(self.counts.sum())

    @classmethod
    def from_values(cls, values: Any) -> CategoricalSummary:
        """Count the categories of ``values``, most frequent first.

        Examples
        --------
        >>> s = CategoricalSummary.from_values(["b", "a", "b", None, "c", "b"])
        >>> s.categories, s.counts.tolist(), s.n_missing
        (('b', 'a', 'c'), [3, 1, 1], 1)
        """
        return factorize(values)[0]

    def aligned(self, other: CategoricalSummary) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
        """Return the union of categories (ours first) and both count vectors on it.

        Examples
        --------
        >>> ref = CategoricalSummary(("a", "b"), np.array([5, 3]), 0)
        >>> cats, mine, theirs = ref.aligned(CategoricalSummary(("c", "a"), np.array([1, 2]), 0))
        >>> cats, mine.tolist(), theirs.tolist()
        (('a', 'b', 'c'), [5, 3, 0], [2, 0, 1])
        """
        position = {label: i for i, label in enumerate(self.categories)}
        extra = [label for label in other.categories if label not in position]
        union = self.categories + tuple(extra)
        position.update({label: len(self.categories) + i for i, label in enumerate(extra)})
        mine = np.concatenate((self.counts, np.zeros(len(extra), dtype=np.int64)))
        theirs = np.zeros(len(union), dtype=np.int64)
        theirs[[position[label] for label in other.categories]] = other.counts
        return union, mine, theirs

    def merge(self, other: CategoricalSummary) -> CategoricalSummary:
        """Add two summaries over the union of their categories (exact)."""
        union, mine, theirs = self.aligned(other)
        return CategoricalSummary(union, mine + theirs, self.n_missing + other.n_missing)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict; :meth:`from_dict` restores an equal summary."""
        return {
            "kind": "categorical",
            "categories": list(self.categories),
            "counts": self.counts.tolist(),
            "n_missing": self.n_missing,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CategoricalSummary:
        """Rebuild a summary from :meth:`to_dict` output."""
        if data.get("kind") != "categorical":
            raise ValueError(f"expected a categorical summary dict, got kind={data.get('kind')!r}.")
        return cls(
            tuple(str(c) for c in data["categories"]),
            np.asarray(data["counts"], dtype=np.int64),
            int(data["n_missing"]),
        )


def factorize(values: Any) -> tuple[CategoricalSummary, np.ndarray, tuple[str, ...]]:
    """Count categories with one hashing pass and keep the per-row codes.

    Returns the summary, the row codes (``-1`` for a missing value) and the label of each code,
    so callers that also need row-level codes (the multivariate encoding) hash the column once.

    Examples
    --------
    >>> summary, codes, labels = factorize(["b", 1, "1", None])
    >>> summary.categories, summary.counts.tolist(), codes.tolist(), labels
    (('1', 'b'), [2, 1], [0, 1, 2, -1], ('b', '1', '1'))
    """
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object))
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    labels = tuple(str(u) for u in uniques)
    shifted = np.bincount(codes + 1, minlength=len(labels) + 1)  # bin 0 holds the missing (-1) rows
    counts, n_missing = shifted[1:], int(shifted[0])
    merged: dict[str, int] = {}
    for label, count in zip(labels, counts.tolist(), strict=True):
        merged[label] = merged.get(label, 0) + count
    ordered = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
    summary = CategoricalSummary(
        tuple(label for label, _ in ordered),
        np.array([count for _, count in ordered], dtype=np.int64),
        n_missing,
    )
    return summary, codes, labels
