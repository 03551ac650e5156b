"""Column helpers shared by the reference and batch analyses: parallel mapping and encoding.

The encoding turns the columns of a target into the float matrix QuantTree works on: numeric
values as they are with missing values as ``-inf`` (a value of their own), categorical values
as the index of their category in the reference summary, ``len(categories)`` for a category
the reference never saw and ``-1`` for a missing value. The same rule is applied to the
reference and to every batch, so equal values get equal codes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import pandas as pd

from ._checks import check_positive_int
from .categorical_summary import CategoricalSummary

T = TypeVar("T")


PARALLEL_ROWS = 100_000
"""Tables of at least this many rows have their columns worked on by several threads (numpy's sorts and Arrow's
passes release the GIL): a million-row batch spends most of its analysis sorting its numeric columns."""
PARALLEL_THREADS = min(os.cpu_count() or 1, 4)


def column_threads(rows: int) -> int:
    """Threads for :func:`map_columns` over a table of *rows* rows (one below ``PARALLEL_ROWS``)."""
    return PARALLEL_THREADS if rows >= PARALLEL_ROWS else 1


def map_columns(function: Callable[[str], T], names: Sequence[str], n_jobs: int) -> dict[str, T]:
    """Apply ``function`` to every column name, on ``n_jobs`` threads (numpy releases the GIL)."""
    check_positive_int("n_jobs", n_jobs)
    if n_jobs == 1 or len(names) < 2:
        return {name: function(name) for name in names}
    with ThreadPoolExecutor(max_workers=n_jobs) as pool:
        return dict(zip(names, pool.map(function, names), strict=True))


CodedColumn = tuple[np.ndarray, tuple[str, ...]]
"""Row codes of a categorical column and the label of each code (see ``factorize``)."""


def encode_numeric(series: pd.Series, rows: np.ndarray | None) -> np.ndarray:
    """Numeric values (restricted to ``rows`` when given) with missing values as ``-inf``."""
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    values = values if rows is None else values[rows]
    return np.where(np.isnan(values), -np.inf, values)


def encode_categorical(
    coded: CodedColumn, rows: np.ndarray | None, reference: CategoricalSummary
) -> np.ndarray:
    """Reference category index per row; unseen categories ``len(categories)``, missing ``-1``."""
    codes, labels = coded
    position = {label: float(i) for i, label in enumerate(reference.categories)}
    lookup = np.array([position.get(label, float(len(position))) for label in labels] + [-1.0])
    picked = codes if rows is None else codes[rows]
    return lookup[np.where(picked < 0, len(labels), picked)]


def encode_columns(
    df: pd.DataFrame, columns: Sequence[str], rows: np.ndarray | None,
    categorical: Mapping[str, CategoricalSummary], coded: Mapping[str, CodedColumn],
    cache: dict[str, np.ndarray],
) -> np.ndarray:
    """Column-major matrix of the encoded ``columns``; encodings are memoised in ``cache``."""
    n = len(df) if rows is None else rows.size
    matrix = np.empty((n, len(columns)), dtype=np.float64, order="F")
    for j, column in enumerate(columns):
        if column not in cache:
            if column in categorical:
                cache[column] = encode_categorical(coded[column], rows, categorical[column])
            else:
                cache[column] = encode_numeric(df[column], rows)
        matrix[:, j] = cache[column]
    return matrix
