"""Scale-out end to end: PostgreSQL + moto's S3 + a Dask cluster of worker processes + two servers behind a proxy.

One client reaches two ``mlcube-nb serve`` processes through a round-robin proxy (every request goes to
the other server than the one before, so an upload and the add_* request using it land on different
servers). The servers share one PostgreSQL database and one bucket (standard AWS variables); jobs run on
a Dask ``LocalCluster`` whose worker processes have no AWS variable and no file of the servers (they get
the storage URL and options with each job). The same flow on one embedded server (SQLite, a local
folder, a thread pool) gives the statuses, events and deliveries the cluster must give.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import DataStructure, DetectionEventType, ModelMetricName, StoragePolicy, TaskType
from mlcube_nb.models import DataSchema, RegressionTaskCostInfo, SlackNotificationAction
from mlcube_nb.server.db.engine import make_engine
from mlcube_nb.server.db.tables import BatchFileRow, JobRow, UploadRow
from mlcube_nb.server.embedded import serve_in_thread
from mlcube_nb.server.settings import Settings
from tests.conftest import _drop_postgres_database, _postgres_database
from tests.server.data_helpers import inputs_of, regression_columns, tabular, target_of
from tests.server.scale_helpers import (
    AWS,
    BUCKET,
    RoundRobinProxy,
    bucket_keys,
    dask_cluster,
    files_in,
    moto_s3,
    servers,
)

pytest.importorskip("distributed")
pytest.importorskip("s3fs")
pytest.importorskip("moto.server")

API_KEY = "mlk_scale_" + secrets.token_hex(16)
N_HIST, N_BATCH = 1500, 500
PREFIX = "platform"


class _Hooks(BaseHTTPRequestHandler):
    """Counts the rule-action deliveries (Slack-style webhook POSTs) it receives."""

    server: _Receiver

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.bodies.append(body)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


class _Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Hooks)
        self.bodies: list[bytes] = []
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


def _frame(n: int, start: float, prefix: str, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(shift, 1.0, n), rng.normal(0.0, 1.0, n)
    return pd.DataFrame({"id": [f"{prefix}{i}" for i in range(n)], "ts": start + np.arange(n, dtype=float),
                         "x1": x1, "x2": x2, "color": rng.choice(["a", "b", "c"], n),
                         "y": 2 * x1 - x2 + rng.normal(0.0, 0.5, n)})


@dataclass
class Outcome:
    """What one run of the flow shows a user."""

    task_id: str
    statuses: dict[str, str]
    events: list[tuple[float, str, str | None, str | None, str | None]]  # in the order the platform lists them
    deliveries: int
    received: int
    report_suggestion: str
    jobs: list[str]


def _flow(url: str, hooks: _Receiver) -> Outcome:
    """Reference, two stationary and two drifting production batches, a rule, a retraining report."""
    client = ML3PlatformClient(url, API_KEY, timeout=120)
    client.create_company(name="Scale Co", address="1 Road", vat="IT1")
    project_id = client.create_project(name=f"p-{secrets.token_hex(3)}", description=None,
                                       default_storage_policy=StoragePolicy.MLCUBE)
    task_id = client.create_task(project_id=project_id, name="scale", tags=[], task_type=TaskType.REGRESSION,
                                 data_structure=DataStructure.TABULAR)
    client.add_data_schema(task_id, DataSchema(columns=regression_columns()))
    model_id = client.create_model(task_id=task_id, name="m", version="v1", with_probabilistic_output=False,
                                   metric_name=ModelMetricName.RMSE)
    client.update_task(task_id, cost_info=RegressionTaskCostInfo(currency="euro", overestimation_cost=2.0,
                                                                 underestimation_cost=1.0))
    client.create_detection_event_rule("drift", task_id, None, DetectionEventType.DRIFT_ON, None,
                                       [SlackNotificationAction(webhook=hooks.url)])
    jobs = []
    hist = _frame(N_HIST, 0, "h", 1)
    jobs.append(client.add_historical_data(task_id, inputs=tabular(inputs_of(hist)), target=tabular(target_of(hist))))
    client.wait_job_completion(jobs[-1])
    jobs.append(client.set_model_reference(model_id, 0, N_HIST - 1))
    client.wait_job_completion(jobs[-1])
    for index, shift in enumerate((0.0, 0.0, 2.0, 2.0)):
        batch = _frame(N_BATCH, N_HIST + index * N_BATCH, f"b{index}_", 10 + index, shift)
        jobs.append(client.add_production_data(task_id, inputs=tabular(inputs_of(batch)),
                                               target=tabular(target_of(batch))))
        client.wait_job_completion(jobs[-1])
    jobs.append(client.compute_retraining_report(model_id))
    client.wait_job_completion(jobs[-1])
    report = client.get_retraining_report(model_id)
    task = client.get_task(task_id)
    statuses = {f"{s.monitoring_target.value if s.monitoring_target else ''}/"
                f"{s.monitoring_metric.value if s.monitoring_metric else ''}": s.status.value
                for s in task.monitoring_status}
    events = [(e.sample_timestamp, e.event_type.value, e.monitoring_target.value if e.monitoring_target else None,
               e.monitoring_metric.value if e.monitoring_metric else None,
               e.severity_type.value if e.severity_type else None) for e in client.get_detection_events(task_id)]
    drift_on = sum(1 for e in events if e[1] == DetectionEventType.DRIFT_ON.value)
    deliveries = _settled(lambda: len(client.get_action_deliveries(task_id)), drift_on)
    received = _settled(lambda: len(hooks.bodies), drift_on)
    return Outcome(task_id, statuses, events, deliveries, received, report.suggestion.suggestion_type.value, jobs)


def _settled(count: Any, expected: int, timeout_s: float = 30.0) -> int:
    """*count()* once it reaches *expected* (the outbox delivers after the job), or when the time is up."""
    import time

    deadline = time.monotonic() + timeout_s
    value = count()
    while value < expected and time.monotonic() < deadline:
        time.sleep(0.2)
        value = count()
    time.sleep(0.5)  # a duplicate delivery would show up now
    return int(count())


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """The flow on one embedded server: the behaviour the cluster must reproduce."""
    home = tmp_path_factory.mktemp("single")
    handle = serve_in_thread(Settings(home=home, executor="thread:2", bootstrap_api_key=API_KEY))
    hooks = _Receiver()
    try:
        return _flow(handle.url, hooks)
    finally:
        hooks.shutdown()
        handle.stop()


@dataclass
class Cluster:
    outcome: Outcome
    s3: Any
    homes: list[Path]
    database_url: str
    proxy_log: list[tuple[str, str, int]]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    created = _postgres_database()
    if created is None:
        pytest.skip("no PostgreSQL at 127.0.0.1:5432 (set CI=true to make this a failure)")
    database_url, name = created
    base = tmp_path_factory.mktemp("scale")
    hooks = _Receiver()
    try:
        with moto_s3() as (endpoint, s3), dask_cluster(workers=2, threads=2) as dask:
            proxy = RoundRobinProxy([])  # bound first: the servers hand out upload URLs through it
            env = {**AWS, "AWS_ENDPOINT_URL": endpoint, "MLCUBE_DATABASE_URL": database_url,
                   "MLCUBE_STORAGE_URL": f"s3://{BUCKET}/{PREFIX}", "MLCUBE_EXECUTOR": dask.scheduler_address,
                   "MLCUBE_SECRET_KEY": "scale-test-passphrase", "MLCUBE_BOOTSTRAP_API_KEY": API_KEY,
                   "MLCUBE_PUBLIC_URL": proxy.url, "MLCUBE_LOG_LEVEL": "warning"}
            with servers(2, base, env) as started:
                proxy.backends = RoundRobinProxy(started.urls).backends
                with proxy:
                    outcome = _flow(proxy.url, hooks)
                    yield Cluster(outcome, s3, started.homes, database_url, list(proxy.log))
    finally:
        hooks.shutdown()
        _drop_postgres_database(name)


def test_two_servers_on_postgres_s3_and_dask_behave_as_one(cluster: Cluster, single: Outcome) -> None:
    got = cluster.outcome
    assert got.statuses == single.statuses
    assert "drift" in got.statuses.values()  # the shifted batches drifted, as on one server
    assert sorted(got.events, key=str) == sorted(single.events, key=str)  # events of one batch: any order
    assert [e[0] for e in got.events] == sorted(e[0] for e in got.events)  # batches in the order they came
    assert any(e[1] == "drift_on" for e in got.events)
    assert got.report_suggestion == single.report_suggestion
    assert got.deliveries == single.deliveries == sum(1 for e in got.events if e[1] == "drift_on")
    assert got.received == single.received == got.deliveries  # the outbox delivered each action once


def test_each_job_ran_once_on_the_cluster(cluster: Cluster) -> None:
    engine = make_engine(cluster.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(JobRow.id, JobRow.status, JobRow.attempts)
                                      .where(JobRow.task_id == cluster.outcome.task_id)).all()
    finally:
        engine.dispose()
    assert {row.id for row in rows} >= set(cluster.outcome.jobs)
    assert all(row.status == "completed" and row.attempts == 1 for row in rows), rows


def test_uploads_finished_on_the_other_server(cluster: Cluster) -> None:
    log = cluster.proxy_log
    crossings = [(i, j) for i, (method, path, backend) in enumerate(log) if method == "POST"
                 and path.startswith("/upload/") for j in range(i + 1, len(log))
                 if log[j][0] == "POST" and "/data/" in log[j][1] and log[j][2] != backend]
    assert crossings, log
    assert {backend for _, _, backend in log} == {0, 1}


def test_the_bucket_holds_the_data_and_the_servers_homes_none(cluster: Cluster) -> None:
    keys = bucket_keys(cluster.s3, f"{PREFIX}/")
    task = f"{PREFIX}/tasks/{cluster.outcome.task_id}"
    engine = make_engine(cluster.database_url)
    try:
        with engine.connect() as connection:
            kinds = dict(connection.execute(select(BatchFileRow.path, BatchFileRow.kind)
                                            .where(BatchFileRow.task_id == cluster.outcome.task_id)).all())
            slots = connection.execute(select(func.count()).select_from(UploadRow)).scalar_one()
    finally:
        engine.dispose()
    assert sorted(kinds.values()) == ["historical"] * 2 + ["production"] * 8  # inputs and target, then 4 batches
    data = [k for k in keys if k.startswith(tuple(f"{task}/{sub}/" for sub in ("historical", "production", "uploads")))]
    assert sorted(data) == sorted(f"{PREFIX}/{path}" for path in kinds)  # every stored file is a batch's
    assert slots == 0 and not [k for k in keys if k.startswith(f"{PREFIX}/staging/")]  # every upload was used
    for home in cluster.homes:
        assert not (home / "data").exists() and not (home / "uploads").exists()
        assert files_in(home) == [], files_in(home)

