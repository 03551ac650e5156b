"""Fixtures of the notebook tests: a task that has drifted (real platform, real HTTP), an IPython shell."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import DataStructure, ModelMetricName, StoragePolicy, TaskType
from mlcube_nb.notebook import launcher
from mlcube_nb.notebook.sample_data import churn_batch, churn_schema
from tests.conftest import Platform

REFERENCE_ROWS, BATCH_ROWS = 800, 400


@dataclass
class Drifted:
    """A company whose churn task got a reference, a calm batch and a drifting batch."""

    platform: Platform
    client: ML3PlatformClient
    project_id: str
    task_id: str
    model_id: str


def new_churn_task(client: ML3PlatformClient, project_id: str) -> tuple[str, str]:
    """The quickstart's task and model (no data yet): (task_id, model_id)."""
    task_id = client.create_task(project_id, f"churn-{secrets.token_hex(3)}", [], TaskType.CLASSIFICATION_BINARY,
                                 DataStructure.TABULAR, positive_class=1)
    client.add_data_schema(task_id, churn_schema())
    model_id = client.create_model(task_id, "churn-model", "v1", True, ModelMetricName.ACCURACY)
    return task_id, model_id


def send_batch(client: ML3PlatformClient, task_id: str, model_id: str, number: int, drift: float) -> str:
    """Production batch *number* (1-based) of the churn task; returns its job id (not waited for)."""
    batch = churn_batch(BATCH_ROWS, start_index=REFERENCE_ROWS + (number - 1) * BATCH_ROWS, seed=50 + number,
                        drift=drift)
    return client.add_production_data(task_id, inputs=batch.inputs, target=batch.target,
                                      predictions=[(model_id, batch.predictions)])


def drift_task(client: ML3PlatformClient, task_id: str, model_id: str) -> None:
    """Give the task its reference, then one calm and one drifting batch, waiting for each job."""
    reference = churn_batch(REFERENCE_ROWS, seed=1)
    client.wait_job_completion(client.add_historical_data(task_id, inputs=reference.inputs, target=reference.target,
                                                          predictions=[(model_id, reference.predictions)]))
    client.wait_job_completion(client.set_model_reference(model_id, reference.from_timestamp,
                                                          reference.to_timestamp))
    for number, drift in ((1, 0.0), (2, 1.0)):
        client.wait_job_completion(send_batch(client, task_id, model_id, number, drift))


@pytest.fixture(scope="session")
def drifted(platform: Platform) -> Drifted:
    """The quickstart scenario, shortened, on the shared platform (SQLite and PostgreSQL)."""
    _, key = platform.new_user("nb")
    client = ML3PlatformClient(platform.url, key)
    client.create_company("Notebook Co", "1 Road", "IT1")
    project_id = client.create_project(f"churn-{secrets.token_hex(3)}", None, StoragePolicy.MLCUBE)
    task_id, model_id = new_churn_task(client, project_id)
    drift_task(client, task_id, model_id)
    return Drifted(platform, client, project_id, task_id, model_id)


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    """A real IPython shell with ``%load_ext mlcube_nb``; the embedded platform is stopped afterwards."""
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    ip = InteractiveShell.instance(config=config)
    ip.run_line_magic("load_ext", "mlcube_nb")
    ip.run_line_magic("config", 'MlcubeMagics.executor = "thread"')  # no process pool to spawn per test
    try:
        yield ip
    finally:
        ip.run_line_magic("unload_ext", "mlcube_nb")
        launcher.stop()
        InteractiveShell.clear_instance()
