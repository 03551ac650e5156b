"""Every way the client takes data: CSV, JSON, Parquet files, DataFrames, image folders, text and embeddings, KPIs."""

from __future__ import annotations

import json
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from mlcube_nb.enums import DataStructure, FileType, FolderType, TaskType, TextLanguage
from mlcube_nb.exceptions import AddKPIDataException, AddProductionDataException
from mlcube_nb.models import (
    DataFrameDataSource,
    EmbeddingData,
    ImageData,
    LocalDataSource,
    TabularData,
    TextData,
)
from tests.server.data_helpers import Ctx, column, frame, inputs_of, make_ctx, tabular


@pytest.fixture
def ctx(platform) -> Ctx:
    return make_ctx(platform)


def _local(path: Path, file_type: FileType) -> TabularData:
    return TabularData(source=LocalDataSource(file_type=file_type, is_folder=False, file_path=str(path)))


def _stored_table(ctx: Ctx, task_id: str, category: str = "input"):
    paths = ctx.paths(task_id, category)
    assert len(paths) == 1, paths
    return pq.read_table(ctx.storage_root / paths[0])


WRITERS = {
    "csv": (FileType.CSV, lambda df, p: df.to_csv(p, index=False)),
    "json-records": (FileType.JSON, lambda df, p: df.to_json(p, orient="records")),
    "json-lines": (FileType.JSON, lambda df, p: df.to_json(p, orient="records", lines=True)),
    "json-columns": (FileType.JSON, lambda df, p: df.to_json(p)),
    "parquet": (FileType.PARQUET, lambda df, p: df.to_parquet(p, index=False)),
}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_tabular_files_of_every_format(ctx: Ctx, tmp_path: Path, fmt: str) -> None:
    file_type, write = WRITERS[fmt]
    df = inputs_of(frame(25))
    path = tmp_path / f"batch.{file_type.value}"
    write(df, path)
    ctx.client.wait_job_completion(ctx.client.add_production_data(ctx.task_id, inputs=_local(path, file_type)))
    stored = _stored_table(ctx, ctx.task_id).to_pandas()
    assert stored["id"].tolist() == df["id"].tolist()
    assert np.allclose(stored["x1"], df["x1"]) and stored["color"].tolist() == df["color"].tolist()


def test_a_dataframe_is_uploaded_as_parquet_and_kept_as_sent(ctx: Ctx) -> None:
    df = inputs_of(frame(40))
    ctx.client.wait_job_completion(ctx.client.add_production_data(
        ctx.task_id, inputs=TabularData(source=DataFrameDataSource(dataframe=df))))
    stored = _stored_table(ctx, ctx.task_id).to_pandas()
    pd.testing.assert_frame_equal(stored, df, check_dtype=False)


def test_a_dataframe_source_only_takes_dataframes() -> None:
    with pytest.raises(ValueError, match="DataFrame"):
        DataFrameDataSource(dataframe=[1, 2, 3])


def test_csv_ids_keep_their_leading_zeros(ctx: Ctx, tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("id,ts,x1,x2,color\n007,1.0,0.5,,a\n010,2.0,0.1,0.2,b\n")
    ctx.client.wait_job_completion(ctx.client.add_production_data(ctx.task_id, inputs=_local(path, FileType.CSV)))
    assert _stored_table(ctx, ctx.task_id)["id"].to_pylist() == ["007", "010"]


def test_historical_data_with_target_predictions_and_batch_type(ctx: Ctx) -> None:
    from mlcube_nb.enums import DataBatchType

    df = frame(30)
    job = ctx.client.add_historical_data(ctx.task_id, inputs=tabular(inputs_of(df)),
                                         target=tabular(df[["id", "ts", "y"]]),
                                         predictions=[(ctx.model_id, tabular(ctx.predictions(df)))],
                                         data_batch_type=DataBatchType.VALIDATION)
    ctx.client.wait_job_completion(job)
    assert sorted(ctx.categories()) == ["input", "prediction", "target"]


# --- images ----------------------------------------------------------------------------------------------


def _image_task(ctx: Ctx) -> str:
    columns = [column("sample_id", "id", "string"), column("timestamp", "time_id", "float"),
               column("image", "input", "array_3", dims=[-1, -1, 3], image_mode="rgb"),
               column("label", "target", "categorical", possible_values=["cat", "dog"])]
    return ctx.new_task(columns, task_type=TaskType.CLASSIFICATION_MULTICLASS, structure=DataStructure.IMAGE)


def _images(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"\x89PNG fake " + name.encode())


def _mapping(tmp_path: Path, names: list[str], prefix: str = "i") -> Path:
    path = tmp_path / f"mapping-{prefix}.csv"
    pd.DataFrame({"sample_id": [f"{prefix}{i}" for i in range(len(names))],
                  "timestamp": np.arange(len(names), dtype=float), "file_name": names}).to_csv(path, index=False)
    return path


def _image_data(folder_or_archive: Path, folder_type: FolderType, mapping: Path) -> ImageData:
    return ImageData(source=LocalDataSource(file_type=FileType.PNG, is_folder=True, folder_type=folder_type,
                                            file_path=str(folder_or_archive)),
                     mapping_source=LocalDataSource(file_type=FileType.CSV, is_folder=False, file_path=str(mapping)))


@pytest.mark.parametrize("packing", ["zip", "tar", "folder"])
def test_image_folders_as_zip_tar_or_plain_folder(ctx: Ctx, tmp_path: Path, packing: str) -> None:
    task_id = _image_task(ctx)
    names = [f"{packing}-{i}.png" for i in range(4)]
    folder = tmp_path / "images"
    _images(folder, names)
    if packing == "zip":
        source, kind = tmp_path / "images.zip", FolderType.ZIP
        with zipfile.ZipFile(source, "w") as archive:
            for name in names:
                archive.write(folder / name, arcname=name)
    elif packing == "tar":
        source, kind = tmp_path / "images.tar", FolderType.TAR
        with tarfile.open(source, "w") as archive:
            for name in names:
                archive.add(folder / name, arcname=f"nested/{name}")
    else:
        source, kind = folder, FolderType.UNCOMPRESSED
    job = ctx.client.add_production_data(task_id, inputs=_image_data(source, kind, _mapping(tmp_path, names)))
    ctx.client.wait_job_completion(job)
    paths = ctx.paths(task_id)
    assert any("/input_images/" in p for p in paths)
    assert _stored_table(ctx, task_id)["file_name"].to_pylist() == names


def test_image_mapping_must_name_files_of_the_folder_once_per_task(ctx: Ctx, tmp_path: Path) -> None:
    task_id = _image_task(ctx)
    folder = tmp_path / "images"
    _images(folder, ["a.png", "b.png"])
    with pytest.raises(AddProductionDataException) as info:
        ctx.client.add_production_data(task_id, inputs=_image_data(folder, FolderType.UNCOMPRESSED,
                                                                   _mapping(tmp_path, ["a.png", "c.png"])))
    assert info.value.error_code == "INVALID_DATA" and "'c.png'" in info.value.error_message
    assert ctx.stored(task_id)["batches"] == 0
    ctx.client.wait_job_completion(ctx.client.add_production_data(
        task_id, inputs=_image_data(folder, FolderType.UNCOMPRESSED, _mapping(tmp_path, ["a.png", "b.png"]))))
    with pytest.raises(AddProductionDataException) as info:
        ctx.client.add_production_data(task_id, inputs=_image_data(folder, FolderType.UNCOMPRESSED,
                                                                   _mapping(tmp_path, ["b.png"], prefix="j")))
    assert info.value.error_code == "DUPLICATE_DATA"


# --- text and embeddings -----------------------------------------------------------------------------------


def test_text_with_an_embedding_file(ctx: Ctx) -> None:
    columns = [column("id", "id", "string"), column("ts", "time_id", "float"), column("text", "input", "string"),
               column("vec", "input_additional_embedding", "array_1", dims=[3]), column("y", "target", "float")]
    task_id = ctx.new_task(columns, structure=DataStructure.TEXT, text_language=TextLanguage.ENGLISH,
                           optional_target=True)
    texts = pd.DataFrame({"id": ["t1", "t2"], "ts": [1.0, 2.0], "text": ["hello", "world"]})
    vectors = pd.DataFrame({"id": ["t1", "t2"], "ts": [1.0, 2.0], "vec": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]})
    data = TextData(source=DataFrameDataSource(dataframe=texts),
                    embedding_source=DataFrameDataSource(dataframe=vectors))
    ctx.client.wait_job_completion(ctx.client.add_production_data(task_id, inputs=data))
    assert _stored_table(ctx, task_id, "input_embedding")["vec"].to_pylist()[1] == [0.4, 0.5, 0.6]
    wrong = vectors.assign(vec=[[0.1, 0.2], [0.3, 0.4]], id=["t3", "t4"])
    with pytest.raises(AddProductionDataException) as info:
        ctx.client.add_production_data(task_id, inputs=TextData(
            source=DataFrameDataSource(dataframe=texts.assign(id=["t3", "t4"])),
            embedding_source=DataFrameDataSource(dataframe=wrong)))
    assert info.value.error_code == "INVALID_DATA" and "length 3" in info.value.error_message


def test_embedding_data_from_parquet_and_from_csv_json_arrays(ctx: Ctx, tmp_path: Path) -> None:
    columns = [column("id", "id", "string"), column("ts", "time_id", "float"),
               column("embedding", "input", "array_1", dims=[-1]), column("y", "target", "float")]
    task_id = ctx.new_task(columns, structure=DataStructure.EMBEDDING, optional_target=True)
    df = pd.DataFrame({"id": ["e1", "e2"], "ts": [1.0, 2.0], "embedding": [[1.0, 2.0], [3.0, 4.0, 5.0]]})
    ctx.client.wait_job_completion(ctx.client.add_production_data(
        task_id, inputs=EmbeddingData(source=DataFrameDataSource(dataframe=df))))
    csv = tmp_path / "emb.csv"
    df.assign(id=["e3", "e4"], embedding=[json.dumps(v) for v in df["embedding"]]).to_csv(csv, index=False)
    ctx.client.wait_job_completion(ctx.client.add_production_data(task_id, inputs=EmbeddingData(
        source=LocalDataSource(file_type=FileType.CSV, is_folder=False, file_path=str(csv)))))
    assert ctx.stored(task_id)["batches"] == 2


# --- KPIs ---------------------------------------------------------------------------------------------------


def test_kpi_data(ctx: Ctx) -> None:
    kpi_id = ctx.client.create_kpi(ctx.project_id, "revenue")
    values = pd.DataFrame({"timestamp": np.arange(50, dtype=float), "value": np.linspace(0, 1, 50)})
    job = ctx.client.add_kpi_data(ctx.project_id, kpi_id, TabularData(source=DataFrameDataSource(dataframe=values)))
    ctx.client.wait_job_completion(job)
    assert ctx.client.get_job(job).job_group == "add_kpi_data"
    named = pd.DataFrame({"time": [51.0, 52.0], "revenue": [3.0, 4.0]})  # the KPI's name as the value column
    ctx.client.wait_job_completion(ctx.client.add_kpi_data(
        ctx.project_id, kpi_id, TabularData(source=DataFrameDataSource(dataframe=named))))
    with pytest.raises(AddKPIDataException) as info:
        ctx.client.add_kpi_data(ctx.project_id, kpi_id, TabularData(source=DataFrameDataSource(
            dataframe=pd.DataFrame({"when": [1.0], "a": [1.0], "b": [2.0]}))))
    assert info.value.error_code == "INVALID_DATA" and "time column" in info.value.error_message
