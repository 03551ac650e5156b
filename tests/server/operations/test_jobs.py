"""Jobs: the queue and runner on a real database, the executors, the job API and waiting, crash recovery."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, select, update

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import JobStatus
from mlcube_nb.exceptions import (
    JobFailureException,
    JobNotFoundException,
    JobWaitTimeoutException,
    SDKClientException,
)
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.engine import make_engine, make_session_factory, transaction
from mlcube_nb.server.db.migrate import upgrade
from mlcube_nb.server.db.tables import BatchRow, JobQueueRow, JobRow
from mlcube_nb.server.embedded import serve_in_thread
from mlcube_nb.server.jobs import queue
from mlcube_nb.server.jobs.catalog import Pipeline
from mlcube_nb.server.jobs.runner import JobRunner
from mlcube_nb.server.jobs.signals import JobSignals
from mlcube_nb.server.settings import Settings
from tests.conftest import _drop_postgres_database, _postgres_database
from tests.server import job_steps
from tests.server.data_helpers import Ctx, frame, inputs_of, make_ctx, tabular
from tests.server.reliability_helpers import company_with_task

PIPELINES = {
    "sleep": Pipeline("sleep", (job_steps.sleep_step,), job_steps.record_run),
    "fail": Pipeline("fail", (job_steps.fail_step,), job_steps.record_run),
    "two_steps": Pipeline("two_steps", (job_steps.sleep_step, job_steps.sleep_step), job_steps.record_run),
}


@pytest.fixture
def ctx(platform) -> Ctx:
    return make_ctx(platform)


# --- the queue and runner on a database of their own -------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database with one project (jobs need one), on SQLite or PostgreSQL."""
    name = None
    if request.param == "postgresql":
        created = _postgres_database()
        if created is None:
            pytest.skip("no PostgreSQL")
        url, name = created
    else:
        url = f"sqlite:///{tmp_path / 'jobs.db'}"
    engine = make_engine(url)
    upgrade(engine)
    from mlcube_nb.server.db.tables import CompanyRow, ProjectRow

    with transaction(make_session_factory(engine)) as session:
        session.add(CompanyRow(id="c1", name="c", address="a", vat="v"))
        session.add(ProjectRow(id="p1", company_id="c1", name="p"))
    yield engine
    engine.dispose()
    if name:
        _drop_postgres_database(name)


def _enqueue(engine: Engine, key: str, pipeline: str = "sleep", **payload) -> str:
    with transaction(make_session_factory(engine)) as session:
        row = queue.enqueue(session, job_group="test", pipeline=pipeline, project_id="p1", kpi_id=key,
                            payload=payload)
        return row.id


def _jobs(engine: Engine) -> list[JobRow]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(JobRow).order_by(JobRow.queue_key, JobRow.seq)))


def _run_until_done(engine: Engine, executor: str, expected: int, timeout: float = 60, **kwargs) -> list[JobRow]:
    runner = JobRunner(make_session_factory(engine), executor=executor, signals=JobSignals(), context={},
                       pipelines=PIPELINES, poll_s=0.05, **kwargs)
    runner.start()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = _jobs(engine)
            if len(jobs) >= expected and all(j.status in queue.TERMINAL for j in jobs):
                return jobs
            time.sleep(0.05)
        raise AssertionError(f"jobs did not finish: {[(j.id, j.status) for j in _jobs(engine)]}")
    finally:
        runner.stop()


def test_jobs_of_one_queue_run_in_submission_order_and_queues_in_parallel(engine: Engine) -> None:
    submitters = [threading.Thread(target=_enqueue, args=(engine, key), kwargs={"sleep": 0.15})
                  for _ in range(4) for key in ("A", "B")]
    for thread in submitters:
        thread.start()
    for thread in submitters:
        thread.join()
    jobs = _run_until_done(engine, "thread:2", 8)
    assert all(j.status == JobStatus.COMPLETED for j in jobs)
    for key in ("kpi:A", "kpi:B"):
        runs = [j.payload["ran"] for j in jobs if j.queue_key == key]
        assert [j.seq for j in jobs if j.queue_key == key] == [1, 2, 3, 4]
        for earlier, later in zip(runs, runs[1:], strict=False):
            assert earlier["end"] <= later["start"], "two jobs of one queue overlapped or ran out of order"
    a = [j.payload["ran"] for j in jobs if j.queue_key == "kpi:A"]
    b = [j.payload["ran"] for j in jobs if j.queue_key == "kpi:B"]
    assert any(x["start"] < y["end"] and y["start"] < x["end"] for x in a for y in b), "queues never ran together"


def test_a_failing_step_ends_the_job_in_error_with_its_reason(engine: Engine) -> None:
    _enqueue(engine, "A", "fail", why="the disk is full")
    _enqueue(engine, "A", "sleep", sleep=0.01)
    failed, after = _run_until_done(engine, "inline", 2)
    assert failed.status == JobStatus.ERROR and "boom: the disk is full" in failed.error
    assert "fail pipeline failed in step fail_step: ValueError" in failed.error
    assert after.status == JobStatus.COMPLETED, "a failed job must free its queue"


def test_progress_moves_through_the_steps(engine: Engine) -> None:
    _enqueue(engine, "A", "two_steps", sleep=0.3)
    runner = JobRunner(make_session_factory(engine), executor="thread:1", signals=JobSignals(), context={},
                       pipelines=PIPELINES, poll_s=0.05)
    runner.start()
    try:
        seen = set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            (job,) = _jobs(engine)
            seen.add((job.status, round(job.progress, 2)))
            if job.status == JobStatus.COMPLETED:
                break
            time.sleep(0.02)
    finally:
        runner.stop()
    assert ("running", 0.0) in seen and ("running", 0.33) in seen and ("completed", 1.0) in seen


def _orphan(engine: Engine, attempts: int) -> str:
    """A job left 'running' by a runner whose process is gone."""
    job_id = _enqueue(engine, "A", "sleep", sleep=0.01)
    with transaction(make_session_factory(engine)) as session:
        session.execute(update(JobRow).where(JobRow.id == job_id).values(
            status="running", attempts=attempts, claimed_by=f"{socket.gethostname()}:999999999:dead",
            heartbeat_at=utcnow()))
        session.execute(update(JobQueueRow).where(JobQueueRow.queue_key == "kpi:A").values(running_job_id=job_id))
    return job_id


def test_a_job_left_running_by_a_dead_runner_is_run_again(engine: Engine) -> None:
    _orphan(engine, attempts=1)
    (job,) = _run_until_done(engine, "inline", 1)
    assert job.status == JobStatus.COMPLETED and job.attempts == 2


def test_a_job_that_keeps_dying_is_marked_error_with_a_reason(engine: Engine) -> None:
    _orphan(engine, attempts=3)
    (job,) = _run_until_done(engine, "inline", 1, max_attempts=3)
    assert job.status == JobStatus.ERROR and "server stopped while running this job" in job.error


def test_steps_run_in_a_process_pool(engine: Engine) -> None:
    _enqueue(engine, "A", "sleep", sleep=0.01)
    (job,) = _run_until_done(engine, "process:1", 1, timeout=120)
    assert job.status == JobStatus.COMPLETED and job.payload["ran"]["pid"] != os.getpid()


def test_an_unknown_executor_is_refused() -> None:
    from mlcube_nb.server.jobs.executors import make_executor

    with pytest.raises(ValueError, match="MLCUBE_EXECUTOR"):
        make_executor("gpu-farm")


# --- the job API over HTTP -------------------------------------------------------------------------------


def _production(ctx: Ctx, task_id: str | None = None, n: int = 20, prefix: str = "s") -> str:
    return ctx.client.add_production_data(task_id or ctx.task_id, inputs=tabular(inputs_of(frame(n, prefix=prefix))))


def test_get_jobs_filters_and_get_job(ctx: Ctx, platform) -> None:
    first = _production(ctx)
    other_task = ctx.new_task()
    second = _production(ctx, other_task)
    ctx.client.wait_job_completion(first)
    ctx.client.wait_job_completion(second)
    everything = ctx.client.get_jobs()
    assert {j.job_id for j in everything} == {first, second}
    assert [j.job_id for j in ctx.client.get_jobs(task_id=other_task)] == [second]
    assert {j.job_id for j in ctx.client.get_jobs(project_id=ctx.project_id)} == {first, second}
    assert [j.job_id for j in ctx.client.get_jobs(job_id=first)] == [first]
    assert {j.job_id for j in ctx.client.get_jobs(status=JobStatus.COMPLETED)} == {first, second}
    assert ctx.client.get_jobs(status=JobStatus.ERROR) == []
    assert ctx.client.get_jobs(model_id=ctx.model_id) == []
    job = ctx.client.get_job(first)
    assert (job.job_group, job.status, job.task_id, job.project_name, job.progress) == (
        "add_production_data", "completed", ctx.task_id, ctx.client.get_project(ctx.project_id).name, 1.0)
    assert job.created_at <= job.started_at <= job.finished_at
    assert list(everything.df.columns)[:4] == ["job_id", "job_group", "project_id", "project_name"]


def test_show_jobs_prints_the_table(ctx: Ctx, capsys: pytest.CaptureFixture[str]) -> None:
    ctx.client.wait_job_completion(_production(ctx))
    ctx.client.show_jobs()
    out = capsys.readouterr().out
    assert "Job Id" in out and "add_production_data" in out and "completed" in out


def test_jobs_of_another_company_are_invisible(ctx: Ctx, platform) -> None:
    job_id = _production(ctx)
    other = make_ctx(platform)
    assert other.client.get_jobs() == []
    with pytest.raises(JobNotFoundException):
        other.client.get_job(job_id)
    with pytest.raises(SDKClientException) as info:
        other.client.get_jobs(task_id=ctx.task_id)
    assert info.value.error_code == "TASK_NOT_FOUND"


def test_wait_returns_within_200_ms_of_the_job_end(ctx: Ctx) -> None:
    for i in range(3):
        job_id = _production(ctx, prefix=f"w{i}-")
        ctx.client.wait_job_completion(job_id)
        returned = datetime.now(timezone.utc)
        finished = ctx.client.get_job(job_id).finished_at
        assert finished is not None
        assert (returned - finished).total_seconds() < 0.2


def test_wait_for_an_unknown_job(ctx: Ctx) -> None:
    with pytest.raises(JobNotFoundException) as info:
        ctx.client.wait_job_completion("no-such-job")
    assert info.value.error_code == "JOB_NOT_FOUND"


def _stuck_job(ctx: Ctx, pipeline: str = "ingest") -> str:
    """A job queued behind one that another server runs (alive: its heartbeat is fresh), so it stays idle.

    The holder must look alive: the runner's recovery frees queues held by missing or dead jobs.
    """
    with transaction(make_session_factory(ctx.engine)) as session:
        key = f"stuck-{secrets.token_hex(4)}"
        holder = JobRow(job_group="test", pipeline=pipeline, project_id=ctx.project_id, task_id=ctx.task_id,
                        queue_key=key, seq=1, status="running", payload={}, claimed_by="another-host:1:token",
                        heartbeat_at=utcnow() + timedelta(hours=1))
        session.add(holder)
        session.flush()
        session.add(JobQueueRow(queue_key=key, next_seq=3, running_job_id=holder.id))
        row = JobRow(job_group="test", pipeline=pipeline, project_id=ctx.project_id, task_id=ctx.task_id,
                     queue_key=key, seq=2, status="idle", payload={})
        session.add(row)
        session.flush()
        return row.id


def test_wait_gives_up_after_max_wait_timeout(ctx: Ctx) -> None:
    job_id = _stuck_job(ctx)
    start = time.monotonic()
    with pytest.raises(JobWaitTimeoutException) as info:
        ctx.client.wait_job_completion(job_id, max_wait_timeout=1)
    assert 0.9 < time.monotonic() - start < 5 and job_id in info.value.error_message


def test_wait_reports_the_failure_reason(ctx: Ctx) -> None:
    with transaction(make_session_factory(ctx.engine)) as session:
        row = queue.enqueue(session, job_group="test", pipeline="no_such_pipeline", project_id=ctx.project_id,
                            task_id=ctx.task_id, payload={})
        job_id = row.id
    with pytest.raises(JobFailureException) as info:
        ctx.client.wait_job_completion(job_id, max_wait_timeout=60)
    assert "no pipeline named 'no_such_pipeline'" in info.value.error_message


def test_long_poll_answers_at_once_for_a_finished_job_and_waits_otherwise(ctx: Ctx) -> None:
    done = _production(ctx)
    ctx.client.wait_job_completion(done)
    headers = {"X-Api-Key": ctx.api_key}
    start = time.monotonic()
    response = requests.get(f"{ctx.platform.url}/sdk/v1/job/{done}", params={"wait_s": 10}, headers=headers,
                            timeout=30)
    assert response.status_code == 200 and time.monotonic() - start < 1
    stuck = _stuck_job(ctx)
    start = time.monotonic()
    response = requests.get(f"{ctx.platform.url}/sdk/v1/job/{stuck}", params={"wait_s": 1}, headers=headers,
                            timeout=30)
    assert response.json()["status"] == "idle" and 0.9 < time.monotonic() - start < 3


def test_concurrent_submissions_to_one_task_run_one_at_a_time_in_order(ctx: Ctx) -> None:
    job_ids: list[str] = []
    lock = threading.Lock()

    def submit(i: int) -> None:
        client = ML3PlatformClient(ctx.platform.url, ctx.api_key)
        job_id = client.add_production_data(ctx.task_id, inputs=tabular(inputs_of(frame(30, prefix=f"c{i}-"))))
        with lock:
            job_ids.append(job_id)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for job_id in job_ids:
        ctx.client.wait_job_completion(job_id)
    with make_session_factory(ctx.engine)() as session:
        rows = list(session.scalars(select(JobRow).where(JobRow.task_id == ctx.task_id).order_by(JobRow.seq)))
    assert sorted(r.id for r in rows) == sorted(job_ids) and [r.seq for r in rows] == list(range(1, 7))
    for earlier, later in zip(rows, rows[1:], strict=False):
        assert earlier.created_at <= later.created_at
        assert earlier.finished_at <= later.started_at
    assert ctx.stored()["batches"] == 6


# --- other executors and crash recovery ------------------------------------------------------------------


def test_a_job_runs_on_a_dask_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster:
        address = cluster.scheduler_address.removeprefix("tcp://")
        key = secrets.token_urlsafe(16)
        settings = Settings(home=tmp_path, executor=f"dask://{address}", bootstrap_api_key=key, log_level="warning")
        handle = serve_in_thread(settings)
        try:
            client = ML3PlatformClient(handle.url, key)
            _, task_id = company_with_task(client)
            job_id = client.add_production_data(task_id, inputs=tabular(inputs_of(frame(100))))
            client.wait_job_completion(job_id, max_wait_timeout=120)
            assert client.get_job(job_id).status == "completed"
            assert handle.app.state.job_runner.handle.kind == "dask"
        finally:
            handle.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(home: Path, key: str, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, MLCUBE_HOME=str(home), MLCUBE_BOOTSTRAP_API_KEY=key, MLCUBE_PORT=str(port),
               MLCUBE_LOG_LEVEL="warning", MLCUBE_EXECUTOR="process:1")
    server = subprocess.Popen([sys.executable, "-m", "mlcube_nb.cli", "serve"], env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                return server
        except requests.RequestException:
            time.sleep(0.1)
    os.killpg(server.pid, signal.SIGKILL)
    raise AssertionError("the server did not start")


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 of a process group")
def test_kill_9_during_a_running_job_then_restart_completes_it_once(tmp_path: Path) -> None:
    home, key, port = tmp_path / "home", secrets.token_urlsafe(16), _free_port()
    server = _start(home, key, port)
    try:
        client = ML3PlatformClient(f"http://127.0.0.1:{port}", key)
        _, task_id = company_with_task(client)
        job_id, killed = None, False
        for attempt in range(3):
            batch = inputs_of(frame(200_000, prefix=f"k{attempt}-"))
            job_id = client.add_production_data(task_id, inputs=tabular(batch))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                status = client.get_job(job_id).status
                if status == "running":
                    os.killpg(server.pid, signal.SIGKILL)  # the server and its pool workers, no goodbye
                    server.wait()
                    killed = True
                    break
                if status in ("completed", "error"):
                    break
                time.sleep(0.01)
            if killed:
                break
        assert killed, "never caught the job running"
        server = _start(home, key, port)
        client.wait_job_completion(job_id, max_wait_timeout=120)
        job = client.get_job(job_id)
        assert job.status == "completed"
        engine = make_engine(f"sqlite:///{home / 'mlcube.db'}")
        with make_session_factory(engine)() as session:
            row = session.get(JobRow, job_id)
            assert row is not None and row.attempts == 2
            batches = session.scalars(select(BatchRow).where(BatchRow.task_id == task_id)).all()
        engine.dispose()
        assert len([b for b in batches if b.job_id == job_id]) == 1
        stored = [p for p in (home / "data" / "tasks" / task_id).rglob("*") if p.is_file()]
        assert len(stored) == len(batches), "a batch was lost or stored twice"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)

