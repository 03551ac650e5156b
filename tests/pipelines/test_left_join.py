"""The join of a batch's inputs with its target and predictions (``pipelines/base.py``): by row positions, in the
inputs' order, equal to Arrow's left outer hash join whatever the order, gaps, nesting or repeats of the ids."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from mlcube_nb.server.pipelines.base import _hash_left_join, _left_join


def _inputs(n: int) -> pa.Table:
    rng = np.random.default_rng(0)
    return pa.table({"id": [f"s{i:05d}" for i in range(n)], "x": rng.normal(size=n),
                     "c": pa.array(rng.choice(["a", "b"], n)).dictionary_encode()})


def _same_rows(a: pa.Table, b: pa.Table) -> bool:
    return a.sort_by("id").equals(b.sort_by("id"))


def test_the_same_ids_in_the_same_order_append_the_columns_as_they_are() -> None:
    base = _inputs(1000)
    target = pa.table({"id": base["id"], "y": np.arange(1000.0)})
    joined = _left_join(base, target, "id")
    assert joined.column_names == ["id", "x", "c", "y"]
    assert joined["y"].to_pylist() == list(np.arange(1000.0))  # the inputs' order, not the engine's
    assert joined.schema.field("y").nullable == target.schema.field("y").nullable
    assert _same_rows(joined, _hash_left_join(base, target, "id"))


@pytest.mark.parametrize("kept", [1000, 700, 0])
def test_shuffled_or_missing_ids_join_like_the_hash_join_with_nulls_where_a_row_has_no_value(kept: int) -> None:
    base = _inputs(1000)
    rows = np.random.default_rng(1).permutation(1000)[:kept]
    other = pa.table({"id": base["id"].take(pa.array(rows, pa.int64())), "y": rows.astype(float),
                      "p": pa.array([[float(r), 1.0 - r] for r in rows], pa.list_(pa.float64()))})
    joined = _left_join(base, other, "id")
    assert joined["id"].equals(base["id"]) and joined.num_rows == 1000
    assert joined["y"].null_count == 1000 - kept and joined["p"].null_count == 1000 - kept
    expected = {f"s{r:05d}": float(r) for r in rows}
    assert joined["y"].to_pylist() == [expected.get(i) for i in base["id"].to_pylist()]
    assert _same_rows(joined, _hash_left_join(base, other, "id"))


def test_repeated_ids_fall_back_to_the_hash_join_which_repeats_the_base_row() -> None:
    base = _inputs(10)
    other = pa.table({"id": ["s00003", "s00003", "s00004"], "y": [1.0, 2.0, 3.0]})
    joined = _left_join(base, other, "id")
    assert joined.num_rows == 11
    assert sorted(v for i, v in zip(joined["id"].to_pylist(), joined["y"].to_pylist(), strict=True)
                  if i == "s00003") == [1.0, 2.0]


def test_chunked_columns_join_on_their_values_not_their_chunks() -> None:
    base = _inputs(100)
    target = pa.Table.from_batches(pa.table({"id": base["id"], "y": np.arange(100.0)}).to_batches(max_chunksize=7))
    joined = _left_join(base, target, "id")
    assert joined["y"].to_pylist() == list(np.arange(100.0))
