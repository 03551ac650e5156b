"""Remote S3 sources read by the platform with the project's aws_compatible credentials (moto's S3 server)."""

from __future__ import annotations

import io
import secrets
import socket
from collections.abc import Iterator

import pytest

from mlcube_nb.enums import FileType
from mlcube_nb.exceptions import AddProductionDataException, NotFoundException
from mlcube_nb.models import S3DataSource, TabularData
from tests.conftest import IN_CI
from tests.server.data_helpers import Ctx, frame, inputs_of, make_ctx

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")
pytest.importorskip("s3fs")

BUCKET = "customer-data"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3() -> Iterator[tuple[str, object]]:
    """moto's S3 in server mode on 127.0.0.1, with a bucket holding a CSV and a Parquet batch."""
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="AKIATEST", aws_secret_access_key="secret",
                          region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key="batches/one.csv",
                      Body=inputs_of(frame(40, prefix="csv")).to_csv(index=False).encode())
    buffer = io.BytesIO()
    inputs_of(frame(25, prefix="pq")).to_parquet(buffer, index=False)
    client.put_object(Bucket=BUCKET, Key="batches/two.parquet", Body=buffer.getvalue())
    yield endpoint, client
    server.stop()


@pytest.fixture
def ctx(platform) -> Ctx:
    return make_ctx(platform)


def _credentials(ctx: Ctx, endpoint: str, default: bool) -> str:
    try:
        created = ctx.client.create_aws_compatible_integration_credentials(
            name=f"minio-{secrets.token_hex(3)}", default=default, project_id=ctx.project_id,
            access_key_id="AKIATEST", secret_access_key="secret", endpoint_url=endpoint)
    except NotFoundException as err:
        if IN_CI:
            raise
        pytest.skip(f"integration credentials are not served yet ({err.error_message})")
    return created.credentials_id


def _s3(path: str, file_type: FileType, credentials_id: str | None = None) -> TabularData:
    return TabularData(source=S3DataSource(file_type=file_type, is_folder=False, object_path=f"s3://{BUCKET}/{path}",
                                           credentials_id=credentials_id))


def test_csv_from_s3_with_named_credentials(ctx: Ctx, s3) -> None:
    endpoint, _ = s3
    credentials_id = _credentials(ctx, endpoint, default=False)
    job_id = ctx.client.add_production_data(ctx.task_id, inputs=_s3("batches/one.csv", FileType.CSV, credentials_id))
    ctx.client.wait_job_completion(job_id)
    assert ctx.stored()["batches"] == 1
    import pyarrow.parquet as pq

    (path,) = ctx.paths()
    assert pq.read_table(ctx.storage_root / path).num_rows == 40


def test_parquet_from_s3_with_the_project_default_and_sent_twice(ctx: Ctx, s3) -> None:
    endpoint, _ = s3
    _credentials(ctx, endpoint, default=True)
    first = ctx.client.add_production_data(ctx.task_id, inputs=_s3("batches/two.parquet", FileType.PARQUET))
    second = ctx.client.add_production_data(ctx.task_id, inputs=_s3("batches/two.parquet", FileType.PARQUET))
    assert first == second
    ctx.client.wait_job_completion(first)
    assert ctx.stored()["batches"] == 1


def test_missing_object_and_missing_credentials_are_refused(ctx: Ctx, s3) -> None:
    endpoint, _ = s3
    with pytest.raises(AddProductionDataException) as info:
        ctx.client.add_production_data(ctx.task_id, inputs=_s3("batches/none.csv", FileType.CSV))
    assert info.value.error_code == "INVALID_PARAMETERS" and "credentials" in info.value.error_message
    credentials_id = _credentials(ctx, endpoint, default=True)
    with pytest.raises(AddProductionDataException) as info:
        ctx.client.add_production_data(ctx.task_id, inputs=_s3("batches/none.csv", FileType.CSV, credentials_id))
    assert info.value.error_code == "INVALID_DATA" and "batches/none.csv" in info.value.error_message
    assert ctx.stored()["batches"] == 0
