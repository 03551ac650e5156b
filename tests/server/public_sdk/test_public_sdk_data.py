"""The public ``ml3-platform-sdk`` client uploads data through our upload slots and waits for the job."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Platform
from tests.server.data_helpers import frame, inputs_of, regression_columns, target_of
from tests.server.task_helpers import unique
from tests.wire import Wire

sdk = pytest.importorskip("ml3_platform_sdk.client")
E = pytest.importorskip("ml3_platform_sdk.enums")
M = pytest.importorskip("ml3_platform_sdk.models")
sdk_exceptions = pytest.importorskip("ml3_platform_sdk.exceptions")


@pytest.fixture
def v1(platform: Platform, monkeypatch: pytest.MonkeyPatch):
    """The public client (a singleton, re-initialised by keyword arguments) and a regression task with schema."""
    monkeypatch.setenv("MLCUBE_POLLING", "0.05")  # v1 sleeps this long between polls (30 s by default)
    _, key = platform.new_user("v1data")
    Wire(platform.url, key).ok("POST", "/company", json={"name": "V1 Data", "address": "Via Roma 1", "vat": "IT3"})
    client = sdk.ML3PlatformClient(url=platform.url, api_key=key, timeout=30)
    project_id = client.create_project(name=unique("v1"), description=None,
                                       default_storage_policy=E.StoragePolicy.MLCUBE)
    task_id = client.create_task(project_id=project_id, name="v1 regression", tags=[],
                                 task_type=E.TaskType.REGRESSION, data_structure=E.DataStructure.TABULAR)
    schema = M.DataSchema(columns=[M.ColumnInfo(**c.model_dump(mode="json")) for c in regression_columns()])
    client.add_data_schema(task_id=task_id, data_schema=schema)
    return client, task_id


def _csv(df, path: Path):
    df.to_csv(path, index=False)
    return M.TabularData(source=M.LocalDataSource(file_type=E.FileType.CSV, is_folder=False, file_path=str(path)))


def test_public_sdk_uploads_a_csv_and_waits_for_the_job(v1, tmp_path: Path) -> None:
    client, task_id = v1
    job_id = client.add_production_data(task_id=task_id, inputs=_csv(inputs_of(frame(60)), tmp_path / "prod.csv"))
    client.wait_job_completion(job_id=job_id, max_wait_timeout=60)
    job = client.get_job(job_id)
    assert (job.status, job.job_group) == ("completed", "add_production_data")
    assert [j.job_id for j in client.get_jobs(task_id=task_id)] == [job_id]


def test_public_sdk_historical_data_and_reference(v1, tmp_path: Path) -> None:
    client, task_id = v1
    df = frame(350)
    job_id = client.add_historical_data(task_id=task_id, data_batch_type=E.DataBatchType.TRAINING,
                                        inputs=_csv(inputs_of(df), tmp_path / "in.csv"),
                                        target=_csv(target_of(df), tmp_path / "target.csv"))
    client.wait_job_completion(job_id=job_id, max_wait_timeout=60)
    model_id = client.create_model(task_id=task_id, name="lin", version="v1", metric_name=E.ModelMetricName.RMSE,
                                   with_probabilistic_output=False)
    reference = M.ReferenceInfo(time_intervals=[(0.0, 349.0)])
    client.wait_job_completion(job_id=client.set_model_reference(model_id=model_id, default_reference=reference),
                               max_wait_timeout=60)


def test_public_sdk_sees_a_refused_batch_as_its_exception(v1, tmp_path: Path) -> None:
    client, task_id = v1
    bad = inputs_of(frame(5)).drop(columns=["x1"])
    with pytest.raises(sdk_exceptions.AddProductionDataException) as info:
        client.add_production_data(task_id=task_id, inputs=_csv(bad, tmp_path / "bad.csv"))
    assert info.value.error_code == "INVALID_DATA" and "'x1'" in info.value.error_message
