"""The duplicate-id check reads only the stored files whose id range meets the new batch's (migration 0009).

Each stored table records ``[smallest, largest]`` of its sample ids (``batch_files.id_range``); a file whose
range misses the new ids' range cannot hold any of them and is not read. Files written before the
migration have no range: their Parquet statistics stand in, and without statistics their ids are read as
before. Whatever is pruned, a repeated id is refused exactly as before (same code, same message).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select, update

from mlcube_nb.exceptions import AddProductionDataException, AddTargetDataException
from mlcube_nb.server.db.engine import make_session_factory, transaction
from mlcube_nb.server.db.tables import BatchFileRow
from mlcube_nb.server.services.ingest.batch_checks import id_range, ranges_overlap
from mlcube_nb.server.storage import Storage
from tests.server.data_helpers import Ctx, column, frame, inputs_of, make_ctx, tabular, target_of


@pytest.fixture
def ctx(platform) -> Ctx:
    return make_ctx(platform)


@pytest.fixture
def id_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths whose ids the platform (in this process) reads: ``Storage.read`` of the id column alone."""
    seen: list[str] = []
    original = Storage.read

    def read(self: Storage, rels, columns=None, *args, **kwargs):  # noqa: ANN001, ANN202 - the patched method
        if columns is not None and list(columns) == ["id"]:
            seen.extend(rels)
        return original(self, rels, columns, *args, **kwargs)

    monkeypatch.setattr(Storage, "read", read)
    return seen


def _inputs(ctx: Ctx, ids: list, task_id: str | None = None, start: float = 0.0) -> str:
    df = inputs_of(frame(len(ids), start=start)).assign(id=ids)
    return ctx.client.add_production_data(task_id or ctx.task_id, inputs=tabular(df))


def _ranges(ctx: Ctx, task_id: str) -> list[list]:
    with make_session_factory(ctx.engine)() as session:
        return [r for r in session.scalars(select(BatchFileRow.id_range).where(BatchFileRow.task_id == task_id)
                                           .order_by(BatchFileRow.created_at))]


def _input_paths(ctx: Ctx, task_id: str) -> list[str]:
    with make_session_factory(ctx.engine)() as session:
        return list(session.scalars(select(BatchFileRow.path).where(BatchFileRow.task_id == task_id,
                                                                    BatchFileRow.category == "input")
                                    .order_by(BatchFileRow.created_at)))


def _forget_ranges(ctx: Ctx, task_id: str) -> None:
    """Make the task's files look written before migration 0009."""
    with transaction(make_session_factory(ctx.engine)) as session:
        session.execute(update(BatchFileRow).where(BatchFileRow.task_id == task_id).values(id_range=None))


def test_ranges_compare_like_arrow_and_parquet() -> None:
    assert id_range(pa.chunked_array([["s10", "s9", "s100"]])) == ["s10", "s9"]
    assert id_range(pa.chunked_array([[12, 9, 100]], pa.int32())) == [9, 100]
    assert id_range(pa.chunked_array([], pa.string())) is None
    assert id_range(pa.chunked_array([["é", "z", "a"]])) == ["a", "é"]  # code point order = UTF-8 byte order
    assert ranges_overlap([1, 5], [5, 9]) and ranges_overlap(["b", "d"], ["a", "c"])
    assert not ranges_overlap([1, 5], [6, 9]) and not ranges_overlap(["s2", "s3"], ["s30", "s4"])
    assert not ranges_overlap([100, 109], [20, 30])  # numbers, not text ("20" > "100" as text)
    assert ranges_overlap(None, [1, 2]) and ranges_overlap([1, 2], None)
    assert ranges_overlap(["1", "2"], [1, 2]), "a range of another type proves nothing"


def test_parquet_statistics_give_the_range(tmp_path: Path) -> None:
    storage = Storage(str(tmp_path))
    storage.write_table("tasks/t/production/input/a.parquet", pa.table({"id": ["k3", "k10", "k7"], "x": [1, 2, 3]}))
    assert storage.column_range("tasks/t/production/input/a.parquet", "id") == ["k10", "k7"]
    groups = tmp_path / "tasks/t/production/input/b.parquet"
    pq.write_table(pa.table({"id": np.arange(1000, dtype=np.int64)[::-1]}), groups, row_group_size=300)
    assert storage.column_range("tasks/t/production/input/b.parquet", "id") == [0, 999]
    pq.write_table(pa.table({"id": ["a", "b"]}), tmp_path / "c.parquet", write_statistics=False)
    assert storage.column_range("c.parquet", "id") is None
    assert storage.column_range("c.parquet", "missing") is None


def test_string_ids_disjoint_files_are_not_read_and_a_hidden_repeat_is_refused(ctx: Ctx, id_reads: list[str]) -> None:
    ctx.client.wait_job_completion(_inputs(ctx, [f"a{i:03d}" for i in range(10)]))
    ctx.client.wait_job_completion(_inputs(ctx, [f"b{i:03d}" for i in range(10)], start=100))
    assert _ranges(ctx, ctx.task_id) == [["a000", "a009"], ["b000", "b009"]]
    first, second = _input_paths(ctx, ctx.task_id)
    id_reads.clear()
    ctx.client.wait_job_completion(_inputs(ctx, [f"c{i:03d}" for i in range(10)], start=200))
    assert id_reads == [], "files whose id range misses the batch's were read"
    # a range that spans the first two files but shares no id with them: both read, accepted
    ctx.client.wait_job_completion(_inputs(ctx, ["a0005", "az", "b0", "b0091"], start=300))
    assert set(id_reads) == {first, second}
    # overlapping ranges hiding one repeated id among new ones: refused as before
    with pytest.raises(AddProductionDataException) as info:
        _inputs(ctx, ["a0001", "b003", "bz"], start=400)
    assert info.value.error_code == "DUPLICATE_DATA"
    assert "row 1" in info.value.error_message and "'b003'" in info.value.error_message


def test_integer_ids_compare_as_numbers(ctx: Ctx, id_reads: list[str]) -> None:
    columns = [column("id", "id", "integer"), column("ts", "time_id", "float"), column("x1", "input", "float"),
               column("x2", "input", "float", is_nullable=True),
               column("color", "input", "categorical", possible_values=["a", "b", "c"]),
               column("y", "target", "float")]
    task_id = ctx.new_task(columns)
    ctx.client.wait_job_completion(_inputs(ctx, list(range(100, 110)), task_id))
    assert _ranges(ctx, task_id) == [[100, 109]]
    id_reads.clear()
    ctx.client.wait_job_completion(_inputs(ctx, list(range(20, 31)), task_id, start=50))
    assert id_reads == []
    with pytest.raises(AddProductionDataException) as info:
        _inputs(ctx, [99, 105, 5000], task_id, start=90)
    assert info.value.error_code == "DUPLICATE_DATA" and "105" in info.value.error_message
    assert len(id_reads) == 1


def test_files_written_before_the_migration_are_still_checked(ctx: Ctx, id_reads: list[str]) -> None:
    ctx.client.wait_job_completion(_inputs(ctx, [f"a{i:03d}" for i in range(10)]))
    ctx.client.wait_job_completion(_inputs(ctx, [f"b{i:03d}" for i in range(10)], start=100))
    _forget_ranges(ctx, ctx.task_id)
    first, second = _input_paths(ctx, ctx.task_id)
    # the second file loses its Parquet statistics too (another writer): only its ids can tell
    bare = second.replace(".parquet", "-bare.parquet")
    pq.write_table(pq.read_table(ctx.storage_root / second), ctx.storage_root / bare, write_statistics=False)
    with transaction(make_session_factory(ctx.engine)) as session:
        session.execute(update(BatchFileRow).where(BatchFileRow.path == second).values(path=bare))
    id_reads.clear()
    ctx.client.wait_job_completion(_inputs(ctx, [f"c{i:03d}" for i in range(10)], start=200))
    assert id_reads == [bare], "the first file's statistics prune it; the bare file is read"
    for repeated in ("a004", "b007"):
        with pytest.raises(AddProductionDataException) as info:
            _inputs(ctx, ["c100", repeated], start=300)
        assert info.value.error_code == "DUPLICATE_DATA" and repeated in info.value.error_message


def test_targets_and_late_predictions_are_matched_only_against_files_in_range(ctx: Ctx,
                                                                             id_reads: list[str]) -> None:
    first, second = frame(10, prefix="a"), frame(10, start=100, prefix="b")
    for df in (first, second):
        ctx.client.wait_job_completion(ctx.client.add_production_data(ctx.task_id, inputs=tabular(inputs_of(df))))
    id_reads.clear()
    ctx.client.wait_job_completion(ctx.client.add_target_data(ctx.task_id, tabular(target_of(second).iloc[:5])))
    ctx.client.wait_job_completion(ctx.client.add_production_data(
        ctx.task_id, predictions=[(ctx.model_id, tabular(ctx.predictions(second)))]))
    first_path = _input_paths(ctx, ctx.task_id)[0]
    assert first_path not in id_reads, "the first batch's file was read though no id could be in it"
    with pytest.raises(AddTargetDataException) as info:
        ctx.client.add_target_data(ctx.task_id, tabular(target_of(second).iloc[3:7]))
    assert info.value.error_code == "DUPLICATE_DATA" and "rows 0, 1" in info.value.error_message
    unknown = target_of(pd.concat([first.iloc[:2], frame(1, prefix="zz")]))
    ctx.client.wait_job_completion(ctx.client.add_target_data(ctx.task_id, tabular(unknown.iloc[:2])))
    with pytest.raises(AddTargetDataException) as info:
        ctx.client.add_target_data(ctx.task_id, tabular(unknown.iloc[2:]))
    assert info.value.error_code == "INVALID_DATA" and "not in the data uploaded" in info.value.error_message
