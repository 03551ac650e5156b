"""A storage root on S3 (moto's server) configured with MLCUBE_STORAGE_OPTIONS: uploads are staged in the
bucket, consumed by the add request (moved when kept as sent, deleted when re-encoded), refused ones leave
nothing, expired ones are swept, and the server's home holds no data."""

from __future__ import annotations

import hashlib
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import delete, select, update

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import DataStructure, FileType, StoragePolicy, TaskType
from mlcube_nb.models import DataSchema, LocalDataSource, TabularData
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.engine import transaction
from mlcube_nb.server.db.tables import BatchFileRow, UploadRow
from mlcube_nb.server.embedded import ServerHandle, serve_in_thread
from mlcube_nb.server.services.ingest import uploads
from mlcube_nb.server.settings import Settings
from mlcube_nb.server.storage import Storage
from tests.server.data_helpers import frame, inputs_of, regression_columns, tabular
from tests.server.scale_helpers import AWS, BUCKET, bucket_keys, files_in, moto_s3
from tests.wire import Wire

pytest.importorskip("s3fs")
pytest.importorskip("moto.server")

KEY = "mlk_s3root_" + secrets.token_hex(12)
ROOT = "root"


@dataclass
class S3Platform:
    handle: ServerHandle
    s3: Any
    home: Path
    client: ML3PlatformClient
    task_id: str

    def staged(self) -> list[str]:
        """Keys of staged uploads: the task's uploads folder (less the files batches kept there) and staging/."""
        with self.handle.app.state.session_factory() as session:
            kept = {f"{ROOT}/{p}" for p in session.scalars(select(BatchFileRow.path))}
        keys = bucket_keys(self.s3, f"{ROOT}/tasks/{self.task_id}/uploads/") + bucket_keys(self.s3, f"{ROOT}/staging/")
        return [k for k in keys if k not in kept]

    def staged_key(self, slot: dict) -> str:
        return f"{ROOT}/tasks/{self.task_id}/uploads/{slot['storing_process_id']}"

    def slot(self, data: bytes) -> dict:
        params = {"task_id": self.task_id, "data_structure": "tabular", "storing_data_type": "production",
                  "file_name": "batch.csv", "file_type": "csv", "is_folder": "False",
                  "file_checksum": hashlib.sha256(data).hexdigest(), "data_category": "input"}
        return Wire(self.handle.url, KEY).ok("GET", "/data/presigned-url", params=params)


def _post(slot: dict, data: bytes) -> requests.Response:
    return requests.post(slot["presigned_url"]["url"], data=slot["presigned_url"]["fields"],
                         files={"file": ("batch.csv", data)}, timeout=60)


@pytest.fixture(scope="module")
def s3p(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Platform]:
    with moto_s3() as (endpoint, s3):
        options = {"endpoint_url": endpoint, "key": AWS["AWS_ACCESS_KEY_ID"], "secret": AWS["AWS_SECRET_ACCESS_KEY"],
                   "client_kwargs": {"region_name": AWS["AWS_DEFAULT_REGION"]}}
        home = tmp_path_factory.mktemp("s3-home")
        settings = Settings(home=home, database_url=f"sqlite:///{tmp_path_factory.mktemp('s3-db') / 'm.db'}",
                            storage_url=f"s3://{BUCKET}/{ROOT}", storage_options=options, executor="thread:2",
                            bootstrap_api_key=KEY, secret_key="s3-root-test")
        handle = serve_in_thread(settings)
        try:
            client = ML3PlatformClient(handle.url, KEY, timeout=120)
            client.create_company(name="S3 Co", address="1 Road", vat="IT1")
            project = client.create_project(name="p", description=None, default_storage_policy=StoragePolicy.MLCUBE)
            task_id = client.create_task(project_id=project, name="t", tags=[], task_type=TaskType.REGRESSION,
                                         data_structure=DataStructure.TABULAR)
            client.add_data_schema(task_id, DataSchema(columns=regression_columns()))
            yield S3Platform(handle, s3, home, client, task_id)
        finally:
            handle.stop()


def test_a_refused_upload_leaves_nothing_in_the_bucket_and_a_good_one_is_staged_there(s3p: S3Platform) -> None:
    data = inputs_of(frame(30, prefix="st")).to_csv(index=False).encode()
    slot = s3p.slot(data)
    assert _post(slot, data + b"st99,1.0,0.1,0.2,a\n").status_code == 400  # wrong checksum
    assert s3p.staged_key(slot) not in s3p.staged()
    assert _post(slot, data).status_code == 204
    body = s3p.s3.get_object(Bucket=BUCKET, Key=s3p.staged_key(slot))["Body"].read()
    assert body == data


def test_dataframes_and_csv_files_end_in_the_bucket_with_no_staged_file_left(s3p: S3Platform,
                                                                              tmp_path: Path) -> None:
    before = set(s3p.staged())
    parquet_job = s3p.client.add_production_data(s3p.task_id, inputs=tabular(inputs_of(frame(40, prefix="pq"))))
    csv_path = tmp_path / "batch.csv"
    inputs_of(frame(40, start=100, prefix="csv")).to_csv(csv_path, index=False)
    csv_job = s3p.client.add_production_data(s3p.task_id, inputs=TabularData(source=LocalDataSource(
        file_type=FileType.CSV, is_folder=False, file_path=str(csv_path))))
    for job in (parquet_job, csv_job):
        s3p.client.wait_job_completion(job)  # read back from the bucket by the job's thread worker
    assert set(s3p.staged()) <= before  # kept where staged (Parquet as sent) or deleted (CSV re-encoded)
    stored = bucket_keys(s3p.s3, f"{ROOT}/tasks/{s3p.task_id}/production/")
    kept = bucket_keys(s3p.s3, f"{ROOT}/tasks/{s3p.task_id}/uploads/")
    assert len([k for k in stored if k.endswith(".parquet")]) == 1  # the CSV, re-encoded
    assert len([k for k in kept if k.endswith(".parquet")]) == 1  # the DataFrame's Parquet, not copied
    assert not (s3p.home / "data").exists() and not (s3p.home / "uploads").exists()
    assert [p.name for p in files_in(s3p.home)] == []


def test_expired_slots_lose_their_staged_object_on_the_sweep(s3p: S3Platform) -> None:
    data = b"id,ts\ns1,1.0\n"
    slot = s3p.slot(data)
    assert _post(slot, data).status_code == 204
    key = s3p.staged_key(slot)
    assert key in s3p.staged()
    factory = s3p.handle.app.state.session_factory
    with transaction(factory) as session:
        session.execute(update(UploadRow).where(UploadRow.id == slot["storing_process_id"])
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    with transaction(factory) as session:
        assert uploads.sweep(session, s3p.handle.app.state.storage) >= 1
    assert key not in s3p.staged()


def _local_copies() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("mlcube-upload-*"))


def test_the_receiving_server_reads_its_own_copy_of_an_upload_and_keeps_none(
        s3p: S3Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The add_* request reaching the server that received the upload reads the copy it made, instead of
    downloading the file back from the bucket; the copy is gone once the request ends."""
    downloads: list[str] = []
    fetch = Storage.fetch

    def counted(self: Storage, rel: str) -> tuple[str, bool]:
        downloads.append(rel)
        return fetch(self, rel)

    monkeypatch.setattr(Storage, "fetch", counted)
    before = _local_copies()
    path = tmp_path / "copy.csv"
    inputs_of(frame(30, prefix="lc")).to_csv(path, index=False)
    job = s3p.client.add_production_data(s3p.task_id, inputs=TabularData(source=LocalDataSource(
        file_type=FileType.CSV, is_folder=False, file_path=str(path))))
    s3p.client.wait_job_completion(job)
    assert downloads == [] and _local_copies() <= before


def test_a_copy_whose_upload_another_server_used_goes_on_the_sweep(s3p: S3Platform) -> None:
    data = b"id,ts\ns1,1.0\n"
    before = _local_copies()
    slot = s3p.slot(data)
    assert _post(slot, data).status_code == 204
    (copy,) = _local_copies() - before
    assert copy.read_bytes() == data
    factory = s3p.handle.app.state.session_factory
    with transaction(factory) as session:  # another server's add_* request used (and removed) the slot
        session.execute(delete(UploadRow).where(UploadRow.id == slot["storing_process_id"]))
    with transaction(factory) as session:
        uploads.sweep(session, s3p.handle.app.state.storage)
    assert not copy.exists()
