"""Ingest benchmark: 1,000,000 production rows x 25 columns through the client, end to end.

The platform runs as its own process (``mlcube-nb serve`` on a free port, SQLite, process pool), as
in a real deployment. For a CSV file and for a pandas DataFrame (20 numeric + 5 categorical columns,
plus the sample id and timestamp) it times ``add_production_data`` — checksum, upload slot, streamed
upload, validation against the schema, atomic storage, job enqueued — and reports the peak resident
memory of the client, of the server process and of its (idle) job workers during the call; the ingest job that
follows (column statistics, monitoring hooks) runs asynchronously and is timed separately. Then it
measures the wait latency: the time from a job's end (``finished_at``, written by the server) to
``wait_job_completion`` returning, over 20 small jobs.

Targets: DataFrame 1M x 25 <= 3 s with peak RSS <= 1.5 GB; wait latency <= 100 ms.

Run from the repository root::

    .venv/bin/python benchmarks/ingest.py            # ~1 min
    .venv/bin/python benchmarks/ingest.py --rows 100000
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import requests

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import DataStructure, FileType, StoragePolicy, TaskType
from mlcube_nb.models import ColumnInfo, DataFrameDataSource, DataSchema, LocalDataSource, TabularData

NUMERIC, CATEGORICAL = 20, 5
CATEGORIES = ["red", "green", "blue", "cyan", "black"]


class PeakRss:
    """Samples the resident memory of processes (and their children: the job workers) every 20 ms.

    ``peak`` is the largest total seen per name, in bytes. Children are listed once, at the start
    (listing them scans /proc and would itself slow the measured call down).
    """

    def __init__(self, pids: dict[str, int]) -> None:
        self.groups = {}
        for name, pid in pids.items():
            process = psutil.Process(pid)
            self.groups[name] = [process]
            if name == "server":  # its job workers (and the pool's resource tracker), counted apart
                self.groups["workers"] = process.children(recursive=True)
        self.peak = dict.fromkeys(self.groups, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, processes in self.groups.items():
                rss = 0
                for process in processes:
                    try:
                        rss += process.memory_info().rss
                    except psutil.Error:
                        continue
                self.peak[name] = max(self.peak[name], rss)
            self._stop.wait(0.02)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(home: Path, api_key: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = dict(os.environ, MLCUBE_HOME=str(home), MLCUBE_BOOTSTRAP_API_KEY=api_key, MLCUBE_LOG_LEVEL="warning",
               MLCUBE_PORT=str(port))
    server = subprocess.Popen([sys.executable, "-m", "mlcube_nb.cli", "serve"], env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/health", timeout=1).ok:
                return server, url
        except requests.RequestException:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the platform did not start")


def make_frame(rows: int, seed: int = 0, start: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {"sample_id": [f"s{seed}-{i}" for i in range(rows)],
                                  "timestamp": start + np.arange(rows, dtype=np.float64)}
    for i in range(NUMERIC):
        columns[f"num_{i}"] = rng.normal(size=rows)
    for i in range(CATEGORICAL):
        columns[f"cat_{i}"] = np.asarray(CATEGORIES)[rng.integers(0, len(CATEGORIES), rows)]
    return pd.DataFrame(columns)


def schema() -> DataSchema:
    columns = [ColumnInfo(name="sample_id", role="id", is_nullable=False, data_type="string"),
               ColumnInfo(name="timestamp", role="time_id", is_nullable=False, data_type="float")]
    columns += [ColumnInfo(name=f"num_{i}", role="input", is_nullable=False, data_type="float") for i in range(NUMERIC)]
    columns += [ColumnInfo(name=f"cat_{i}", role="input", is_nullable=False, data_type="categorical",
                           possible_values=CATEGORIES) for i in range(CATEGORICAL)]
    columns.append(ColumnInfo(name="y", role="target", is_nullable=False, data_type="float"))
    return DataSchema(columns=columns)


def new_task(client: ML3PlatformClient, project_id: str) -> str:
    task_id = client.create_task(project_id=project_id, name=f"bench-{secrets.token_hex(3)}", tags=[],
                                 task_type=TaskType.REGRESSION, data_structure=DataStructure.TABULAR,
                                 cost_info=None, optional_target=True)
    client.add_data_schema(task_id, schema())
    return task_id


def timed(client: ML3PlatformClient, label: str, work: Callable[[], str], pids: dict[str, int]) -> dict[str, object]:
    """Time one add_production_data call, then (untimed) wait for its ingest job to finish."""
    with PeakRss(pids) as rss:
        start = time.perf_counter()
        job_id = work()
        seconds = time.perf_counter() - start
    client.wait_job_completion(job_id, max_wait_timeout=600)
    job = client.get_job(job_id)
    assert job.started_at is not None and job.finished_at is not None
    job_seconds = (job.finished_at - job.started_at).total_seconds()
    print(f"  {label}: {seconds:.2f} s (then the ingest job: {job_seconds:.2f} s)", flush=True)
    return {"label": label, "seconds": seconds, "peak": rss.peak, "job_seconds": job_seconds}


def wait_latency(client: ML3PlatformClient, project_id: str, jobs: int) -> list[float]:
    """Seconds from each job's end (server clock) to wait_job_completion returning (same machine)."""
    task_id = new_task(client, project_id)
    latencies = []
    for i in range(jobs):
        frame = make_frame(50, seed=1000 + i, start=1e6 + 100 * i)
        job_id = client.add_production_data(task_id, inputs=TabularData(source=DataFrameDataSource(dataframe=frame)))
        client.wait_job_completion(job_id)
        returned = datetime.now(timezone.utc)
        finished = client.get_job(job_id).finished_at
        assert finished is not None
        latencies.append((returned - finished).total_seconds())
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--wait-jobs", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("TQDM_DISABLE", "1")
    api_key = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="mlcube-bench-") as tmp:
        server, url = start_server(Path(tmp) / "home", api_key)
        try:
            client = ML3PlatformClient(url, api_key, timeout=600)
            client.create_company(name="bench", address="-", vat="-")
            project_id = client.create_project(name="bench", description=None,
                                               default_storage_policy=StoragePolicy.MLCUBE)
            pids = {"client": os.getpid(), "server": server.pid}
            print(f"{args.rows:,} rows x {NUMERIC + CATEGORICAL} columns (+ id, timestamp)", flush=True)
            frame = make_frame(args.rows)
            csv_path = Path(tmp) / "production.csv"
            frame.to_csv(csv_path, index=False)
            csv_task, df_task = new_task(client, project_id), new_task(client, project_id)
            csv_source = LocalDataSource(file_type=FileType.CSV, is_folder=False, file_path=str(csv_path))
            results = [
                timed(client, "CSV file", lambda: client.add_production_data(
                    csv_task, inputs=TabularData(source=csv_source)), pids),
                timed(client, "DataFrame", lambda: client.add_production_data(
                    df_task, inputs=TabularData(source=DataFrameDataSource(dataframe=frame))), pids),
            ]
            frame = None  # free it before the latency runs
            latencies = wait_latency(client, project_id, args.wait_jobs)
        finally:
            server.terminate()
            server.wait(30)
    gib = 1024 ** 3
    print()
    print("| source | rows x cols | add_production_data (s) | peak RSS client (GiB) | peak RSS server process "
          "(GiB) | peak RSS job workers (GiB) | ingest job afterwards (s) |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        peak: dict[str, int] = r["peak"]  # type: ignore[assignment]
        print(f"| {r['label']} | {args.rows:,} x 25 | {r['seconds']:.2f} | {peak['client'] / gib:.2f} | "
              f"{peak['server'] / gib:.2f} | {peak['workers'] / gib:.2f} | {r['job_seconds']:.2f} |")
    print("(the request is served by the server process; the pool's workers sit idle, holding their imports, "
          "until the ingest job runs)")
    ms = [1000 * x for x in latencies]
    print()
    print(f"wait latency over {len(ms)} jobs (job end -> wait_job_completion returns): median "
          f"{statistics.median(ms):.1f} ms, max {max(ms):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
