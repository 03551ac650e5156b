"""D1: batches of one task whose id column was stored as string by one upload and large_string by another.

A DataFrame uploads as Parquet (pandas may write ``large_string``), a CSV is re-encoded by the server
(``string``); every later read over both — references, time-range versions, retraining — must work.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mlcube_nb.enums import FileType
from mlcube_nb.models import LocalDataSource, TabularData
from mlcube_nb.server.db.engine import make_session_factory
from mlcube_nb.server.db.tables import ReferenceRow
from mlcube_nb.server.storage import Storage
from tests.server.data_helpers import Ctx, frame, inputs_of, make_ctx, tabular, target_of


def _csv(df, path: Path) -> TabularData:
    df.to_csv(path, index=False)
    return TabularData(source=LocalDataSource(file_type=FileType.CSV, is_folder=False, file_path=str(path)))


@pytest.fixture
def mixed(platform, tmp_path: Path) -> Ctx:
    """One batch from DataFrames, one from CSV files: the id column lands with two Arrow types."""
    ctx = make_ctx(platform)
    first, second = frame(300, prefix="a"), frame(300, start=300.0, prefix="b", seed=1)
    ctx.client.wait_job_completion(ctx.client.add_historical_data(
        ctx.task_id, inputs=tabular(inputs_of(first)), target=tabular(target_of(first))))
    ctx.client.wait_job_completion(ctx.client.add_historical_data(
        ctx.task_id, inputs=_csv(inputs_of(second), tmp_path / "in.csv"),
        target=_csv(target_of(second), tmp_path / "y.csv")))
    return ctx


def test_reference_over_batches_of_both_id_types(mixed: Ctx) -> None:
    mixed.client.wait_job_completion(mixed.client.set_model_reference(mixed.model_id, 0, 599))
    with make_session_factory(mixed.engine)() as session:
        assert session.get(ReferenceRow, mixed.model_id).n_rows == 600


def test_version_from_time_range_over_both_id_types(mixed: Ctx) -> None:
    mixed.client.wait_job_completion(mixed.client.update_model_version_from_time_range(mixed.model_id, "v2", 0, 599))
    assert mixed.client.get_model_by_name_and_version(mixed.task_id, "m", "v2").model_id


def test_storage_reads_files_whose_text_columns_differ_in_width(tmp_path: Path) -> None:
    """Files written with string and large_string (and dictionary) text read back as one large_string table."""
    storage = Storage(str(tmp_path))
    pq.write_table(pa.table({"id": pa.array(["a", "b"], pa.string()), "t": [1.0, 2.0]}), tmp_path / "one.parquet")
    pq.write_table(pa.table({"id": pa.array(["c"], pa.large_string()), "t": [3.0]}), tmp_path / "two.parquet")
    pq.write_table(pa.table({"id": pa.array(["d"]).dictionary_encode(), "t": [4.0]}), tmp_path / "three.parquet")
    table = storage.read(["one.parquet", "two.parquet", "three.parquet"], time_column="t", intervals=[[0, 10]])
    assert table.schema.field("id").type == pa.large_string()
    assert sorted(table["id"].to_pylist()) == ["a", "b", "c", "d"]


def test_written_text_is_large_string(tmp_path: Path) -> None:
    storage = Storage(str(tmp_path))
    storage.write_table("x.parquet", pa.table({"id": pa.array(["a"], pa.string())}))
    assert pq.read_schema(tmp_path / "x.parquet").field("id").type == pa.large_string()


def test_retraining_and_version_from_suggestion_over_both_id_types(mixed: Ctx, tmp_path: Path) -> None:
    client = mixed.client
    client.wait_job_completion(client.set_model_reference(mixed.model_id, 0, 299))
    batch = frame(300, start=600.0, prefix="c", seed=2)
    batch["x1"] += 2.0
    client.wait_job_completion(client.add_production_data(
        mixed.task_id, inputs=_csv(inputs_of(batch), tmp_path / "p.csv"),
        target=_csv(target_of(batch), tmp_path / "py.csv"),
        predictions=[(mixed.model_id, _csv(mixed.predictions(batch), tmp_path / "pp.csv"))]))
    client.wait_job_completion(client.compute_retraining_report(mixed.model_id))
    suggestion = client.get_retraining_report(mixed.model_id).suggestion.suggestion_id
    client.wait_job_completion(client.update_model_version_by_suggestion_id(mixed.model_id, "v3", suggestion))
    assert client.get_model_by_name_and_version(mixed.task_id, "m", "v3").model_id
