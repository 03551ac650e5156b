"""The staging writer on an object store (moto's S3 server): the upload lands byte for byte in the bucket while a
local copy is written first and streamed behind it; a refusing store or a discarded upload leaves nothing."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from mlcube_nb.server.services.ingest.staging import LOCAL_COPIES, StagingWriter
from mlcube_nb.server.storage import WRITE_BLOCK, Storage
from tests.server.scale_helpers import AWS, BUCKET, bucket_keys, moto_s3

CHUNK = 64 << 10


@pytest.fixture(scope="module")
def store() -> Iterator[tuple[Storage, object, str]]:
    with moto_s3() as (endpoint, s3):
        options = {"endpoint_url": endpoint, "key": AWS["AWS_ACCESS_KEY_ID"], "secret": AWS["AWS_SECRET_ACCESS_KEY"],
                   "client_kwargs": {"region_name": AWS["AWS_DEFAULT_REGION"]}}
        yield Storage(f"s3://{BUCKET}/writer", options), s3, endpoint


async def _send(writer: StagingWriter, data: bytes) -> None:
    for start in range(0, len(data), CHUNK):
        await writer.add(data[start:start + CHUNK])


def test_a_multipart_upload_lands_whole_with_its_digest_and_an_identical_local_copy(
        store: tuple[Storage, object, str]) -> None:
    storage, s3, _ = store
    data = os.urandom(2 * WRITE_BLOCK + 12345)  # three parts: the uploader follows the copy across part limits

    async def run() -> StagingWriter:
        writer = StagingWriter(storage, "tasks/t/uploads/whole.parquet")
        await _send(writer, data)
        await writer.close()
        return writer

    writer = anyio.run(run)
    assert writer.size == len(data) and writer.digest.hexdigest() == hashlib.sha256(data).hexdigest()
    body = s3.get_object(Bucket=BUCKET, Key="writer/tasks/t/uploads/whole.parquet")["Body"].read()  # type: ignore[attr-defined]
    assert body == data
    assert writer.local is not None and Path(writer.local).read_bytes() == data
    writer.keep_local_copy()
    copy = LOCAL_COPIES.take(storage, "tasks/t/uploads/whole.parquet")
    assert copy is not None and Path(copy).read_bytes() == data
    Path(copy).unlink()


def test_a_store_that_refuses_fails_the_upload_and_leaves_no_local_copy(store: tuple[Storage, object, str]) -> None:
    _, _, endpoint = store
    options = {"endpoint_url": endpoint, "key": AWS["AWS_ACCESS_KEY_ID"], "secret": AWS["AWS_SECRET_ACCESS_KEY"],
               "client_kwargs": {"region_name": AWS["AWS_DEFAULT_REGION"]}}
    missing = Storage("s3://no-such-bucket-here/root", options)
    data = os.urandom(WRITE_BLOCK + 1)

    async def run() -> str | None:
        writer = StagingWriter(missing, "tasks/t/uploads/refused.parquet")
        local = writer.local
        try:
            await _send(writer, data)
            await writer.close()
        except Exception:  # noqa: BLE001 - the refusal is the point; the route then discards
            writer.discard()
            return local
        raise AssertionError("an upload into a missing bucket succeeded")

    local = anyio.run(run)
    assert local is not None and not Path(local).exists()


def test_a_discarded_upload_leaves_nothing_in_the_bucket_nor_on_disk(store: tuple[Storage, object, str]) -> None:
    storage, s3, _ = store
    data = os.urandom(WRITE_BLOCK + 4 * CHUNK)

    async def run() -> StagingWriter:
        writer = StagingWriter(storage, "tasks/t/uploads/cut.parquet")
        await _send(writer, data)
        return writer  # the client went away before the end: the route discards

    writer = anyio.run(run)
    local = writer.local
    writer.discard()
    assert local is not None and not Path(local).exists()
    assert not [k for k in bucket_keys(s3, "writer/tasks/t/uploads/cut")]  # type: ignore[arg-type]
    assert not s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads")  # type: ignore[attr-defined]
