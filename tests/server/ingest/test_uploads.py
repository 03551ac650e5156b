"""Upload slots and the upload endpoint (PLATFORM.md §3.1–3.4), over real HTTP."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import update

from mlcube_nb.enums import FileType
from mlcube_nb.models import LocalDataSource, TabularData
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.engine import make_session_factory, transaction
from mlcube_nb.server.db.tables import UploadRow
from mlcube_nb.server.services.ingest import uploads
from mlcube_nb.server.storage import Storage
from tests.server.data_helpers import Ctx, frame, inputs_of, make_ctx, tabular
from tests.wire import Wire, assert_error


@pytest.fixture
def ctx(platform) -> Ctx:
    return make_ctx(platform)


def _slot(ctx: Ctx, data: bytes, **over: str) -> dict:
    params = {"task_id": ctx.task_id, "data_structure": "tabular", "storing_data_type": "production",
              "file_name": "batch.csv", "file_type": "csv", "is_folder": "False",
              "file_checksum": hashlib.sha256(data).hexdigest(), "data_category": "input", **over}
    return Wire(ctx.platform.url, ctx.api_key).ok("GET", "/data/presigned-url", params=params)


def _post(slot: dict, data: bytes, fields: dict | None = None) -> requests.Response:
    form = fields if fields is not None else slot["presigned_url"]["fields"]
    return requests.post(slot["presigned_url"]["url"], data=form, files={"file": ("batch.csv", data)}, timeout=30)


def _row(ctx: Ctx, slot: dict) -> UploadRow | None:
    with make_session_factory(ctx.engine)() as session:
        return session.get(UploadRow, slot["storing_process_id"])


def test_presigned_url_answer_has_the_three_keys_and_an_absolute_single_use_url(ctx: Ctx) -> None:
    slot = _slot(ctx, b"id,ts\n")
    assert set(slot) == {"storing_process_id", "presigned_url", "expiration_time"}
    assert slot["presigned_url"]["url"] == f"{ctx.platform.url}/upload/{slot['storing_process_id']}"
    token = slot["presigned_url"]["fields"]["token"]
    assert len(token) >= 40
    row = _row(ctx, slot)
    assert row is not None and row.status == "open" and token not in (row.token_hash, row.id)


def test_upload_is_answered_204_and_staged_with_its_checksum(ctx: Ctx) -> None:
    data = inputs_of(frame(20)).to_csv(index=False).encode()
    slot = _slot(ctx, data)
    response = _post(slot, data)
    assert response.status_code == 204, response.text
    row = _row(ctx, slot)
    assert row is not None and row.status == "uploaded" and row.size == len(data)
    # in the shared storage root (any server can finish it), in the task's folder
    assert row.staged_path == f"tasks/{ctx.task_id}/uploads/{row.id}"
    assert (ctx.storage_root / row.staged_path).read_bytes() == data


def test_wrong_checksum_is_refused_and_nothing_kept_then_a_right_upload_works(ctx: Ctx) -> None:
    data = b"id,ts\ns1,1.0\n"
    slot = _slot(ctx, data)
    body = assert_error(_post(slot, b"id,ts\ns1,2.0\n"), 400, "CHECKSUM_MISMATCH")
    assert "SHA-256" in body["errorMessage"]
    row = _row(ctx, slot)
    assert row is not None and row.status == "open" and row.staged_path is None
    assert not list((ctx.storage_root / "tasks" / ctx.task_id / "uploads").glob(f"{row.id}*"))
    assert _post(slot, data).status_code == 204


def test_a_slot_is_single_use(ctx: Ctx) -> None:
    data = b"id,ts\ns1,1.0\n"
    slot = _slot(ctx, data)
    assert _post(slot, data).status_code == 204
    assert_error(_post(slot, data), 400, "UPLOAD_EXPIRED")


def test_wrong_or_missing_token_and_expired_slots_are_refused(ctx: Ctx) -> None:
    data = b"id,ts\ns1,1.0\n"
    slot = _slot(ctx, data)
    assert_error(_post(slot, data, {"key": slot["storing_process_id"], "token": "guess"}), 404, "UPLOAD_EXPIRED")
    assert_error(_post(slot, data, {}), 404, "UPLOAD_EXPIRED")
    with transaction(make_session_factory(ctx.engine)) as session:
        session.execute(update(UploadRow).where(UploadRow.id == slot["storing_process_id"])
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert_error(_post(slot, data), 400, "UPLOAD_EXPIRED")


def test_upload_needs_multipart_and_a_file_part(ctx: Ctx) -> None:
    slot = _slot(ctx, b"x")
    response = requests.post(slot["presigned_url"]["url"], data=b"x", timeout=10)
    assert_error(response, 400, "INVALID_PARAMETERS")
    response = requests.post(slot["presigned_url"]["url"], files={"other": ("a", b"x")},
                             data=slot["presigned_url"]["fields"], timeout=10)
    assert_error(response, 400, "INVALID_PARAMETERS")


def test_presigned_url_needs_an_api_key_a_valid_checksum_and_a_task_of_the_caller(ctx: Ctx, platform) -> None:
    params = {"task_id": ctx.task_id, "data_structure": "tabular", "storing_data_type": "production",
              "file_name": "a.csv", "file_type": "csv", "is_folder": "False", "file_checksum": "0" * 64}
    assert Wire(platform.url, None).call("GET", "/data/presigned-url", params=params).status_code == 401
    wire = Wire(platform.url, ctx.api_key)
    assert_error(wire.call("GET", "/data/presigned-url", params={**params, "file_checksum": "abc"}), 400)
    other = make_ctx(platform)
    assert_error(Wire(platform.url, other.api_key).call("GET", "/data/presigned-url", params=params), 404,
                 "TASK_NOT_FOUND")


def test_large_upload_streams_through(ctx: Ctx, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    inputs_of(frame(200_000)).to_csv(path, index=False)
    job_id = ctx.client.add_production_data(ctx.task_id, inputs=TabularData(source=LocalDataSource(
        file_type=FileType.CSV, is_folder=False, file_path=str(path))))
    ctx.client.wait_job_completion(job_id, max_wait_timeout=120)
    assert ctx.stored()["batches"] == 1


def test_an_unknown_or_foreign_storing_process_id_is_refused(ctx: Ctx, platform) -> None:
    wire = Wire(platform.url, ctx.api_key)
    body = {"task_id": ctx.task_id, "inputs": {"data_structure": "tabular", "source": {"storing_process_id": "nope"}},
            "metadata": None, "target": None, "predictions": None}
    assert_error(wire.call("POST", "/data/production", json=body), 400, "UPLOAD_EXPIRED")
    other = make_ctx(platform)
    data = b"id,ts\n"
    foreign = _slot(other, data)
    assert _post(foreign, data).status_code == 204
    body["inputs"]["source"]["storing_process_id"] = foreign["storing_process_id"]
    assert_error(wire.call("POST", "/data/production", json=body), 400, "UPLOAD_EXPIRED")


def test_the_same_file_sent_twice_is_stored_once(ctx: Ctx) -> None:
    batch = inputs_of(frame(30))
    first = ctx.client.add_production_data(ctx.task_id, inputs=tabular(batch))
    second = ctx.client.add_production_data(ctx.task_id, inputs=tabular(batch))
    assert second == first
    ctx.client.wait_job_completion(first)
    stored = ctx.stored()
    # the task's folder holds the one stored file: the second upload's staged file went too
    assert (stored["batches"], stored["files"], stored["jobs"], stored["disk"], stored["uploads"]) == (1, 1, 1, 1, 0)


def test_an_accepted_parquet_upload_stays_where_it_was_staged(ctx: Ctx, tmp_path: Path) -> None:
    """On an object store a move is a copy: a staged Parquet file the request keeps as it is becomes the batch's
    file where it was staged, and a CSV (re-encoded) is written anew with its staged file removed."""
    parquet, csv = tmp_path / "batch.parquet", tmp_path / "batch.csv"
    inputs_of(frame(25)).to_parquet(parquet, index=False)
    inputs_of(frame(25, start=100, prefix="c")).to_csv(csv, index=False)
    for path, kind in ((parquet, FileType.PARQUET), (csv, FileType.CSV)):
        ctx.client.wait_job_completion(ctx.client.add_production_data(ctx.task_id, inputs=TabularData(
            source=LocalDataSource(file_type=kind, is_folder=False, file_path=str(path)))))
    kept, written = sorted(ctx.paths(), key=lambda p: "/uploads/" not in p)
    assert kept.startswith(f"tasks/{ctx.task_id}/uploads/") and kept.endswith(".parquet")
    assert "/uploads/" not in written
    stored = ctx.stored()
    assert (stored["disk"], stored["uploads"]) == (2, 0)  # the CSV's staged file went


def test_sweep_keeps_live_staged_files_and_removes_expired_and_orphan_ones(ctx: Ctx) -> None:
    """Any server may sweep: it keeps an old staged file whose slot is live, removes expired slots' files and
    staged files of no slot; the storage-wide orphan sweep never touches staging."""
    settings = ctx.platform.handle.settings
    storage = Storage(settings.resolved_storage_url)
    live, expired = (_slot(ctx, b"id,ts\ns1,1.0\n") for _ in range(2))
    for slot in (live, expired):
        assert _post(slot, b"id,ts\ns1,1.0\n").status_code == 204
    live_path, expired_path = (ctx.storage_root / _row(ctx, slot).staged_path for slot in (live, expired))
    orphan = ctx.storage_root / "staging" / "remote-orphan"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"left by a crashed request")
    two_hours_ago = time.time() - 7200
    for path in (live_path, orphan):
        os.utime(path, (two_hours_ago, two_hours_ago))
    factory = make_session_factory(ctx.engine)
    with transaction(factory) as session:
        session.execute(update(UploadRow).where(UploadRow.id == expired["storing_process_id"])
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    with transaction(factory) as session:
        assert uploads.sweep(session, storage) == 2
    assert live_path.exists()
    assert not expired_path.exists() and not orphan.exists()
    assert _row(ctx, live) is not None and _row(ctx, expired) is None


def test_the_storage_orphan_sweep_leaves_staging_to_the_upload_service(tmp_path: Path) -> None:
    storage = Storage(str(tmp_path))
    for rel in ("staging/slot1", "tasks/t/orphan.parquet"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
        os.utime(tmp_path / rel, (time.time() - 7200, time.time() - 7200))
    assert storage.sweep(set(), older_than_s=60) == ["tasks/t/orphan.parquet"]
    assert (tmp_path / "staging" / "slot1").exists()
