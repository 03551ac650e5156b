"""Counting a file's distinct sample ids (``table_checks._distinct``): the no-hash path for ids that increase row by
row must count exactly what hashing counts, and anything else must still be hashed."""

from __future__ import annotations

import pyarrow as pa
import pytest

from mlcube_nb.server.services.ingest.table_checks import _distinct

CASES = {
    "increasing strings in two chunks": pa.chunked_array([["a1", "a2"], ["a3", "b0"]], pa.large_string()),
    "increasing integers": pa.chunked_array([[1, 5, 9, 12]]),
    "a repeat between increasing rows": pa.chunked_array([[1, 2, 2, 3]]),
    "shuffled, all distinct": pa.chunked_array([["c", "a", "b"]]),
    "shuffled with a repeat": pa.chunked_array([["c", "a", "c", "b"]]),
    "a null among increasing ids": pa.chunked_array([["a", None, "b"]]),
    "one row": pa.chunked_array([["only"]]),
    "no rows": pa.chunked_array([[]], pa.string()),
}


@pytest.mark.parametrize("name", CASES)
def test_distinct_ids_are_counted_as_hashing_counts_them(name: str) -> None:
    ids = CASES[name]
    assert _distinct(ids) == len(set(ids.to_pylist()))
