"""Scale-out benchmark: ten production batches of 1M rows x 25 columns, embedded vs distributed, one run.

Protocol (written before any result was seen):

- Data: ``benchmarks/ingest.py``'s frame (sample id, timestamp, 20 normal numeric and 5 categorical
  inputs) plus a numeric target; one regression task with a model per configuration. First a
  historical batch of ``--rows`` rows and a reference on it (timed, reported apart), then
  ``--batches`` production batches of ``--rows`` rows each (10 x 1M = 10M rows by default), inputs
  and target, sent as DataFrames by ``add_production_data``.
- Per-batch time: from the ``add_production_data`` call to ``wait_job_completion`` returning, so it
  covers the upload, checks, storage, the ingest job (column statistics, drift tests against the
  reference) and the job's finish; the median and the maximum over the batches are reported.
- Configurations, one after the other in the same run on the same machine:
  * **embedded**: one ``mlcube-nb serve`` on SQLite, a local storage folder, its process pool
    (``MLCUBE_EXECUTOR=process``, the default);
  * **distributed**: one ``mlcube-nb serve`` on PostgreSQL (127.0.0.1:5432, a throwaway database),
    the storage root on moto's S3 server (``s3://`` with the standard AWS variables; moto runs as
    its own process), and a Dask cluster started with the ``dask scheduler`` and ``dask worker
    --nworkers 2`` commands (two worker processes, two threads each).
- Diagnostic (``--local-root``, not a target): the distributed configuration with a folder of this machine
  as the storage root instead of moto, so the difference to the distributed run is what the object store
  costs (moto is Python: it receives, copies, checksums and serves every byte on the same two cores).
- CPU seconds per batch of each process (with its children), the median over the batches.
- Peak RSS: every process sampled every 50 ms while the batches run, each reported on its own
  (client, server, each pool or Dask worker, scheduler, moto). moto keeps every object in memory,
  so its figure is the object store's, not the platform's, and is left out of the 2 GB target.
- Targets (issue 15): every platform process under 2 GB peak RSS; distributed per-batch time within
  1.5x of embedded.

Run from the repository root (PostgreSQL must be running)::

    .venv/bin/python -m benchmarks.scale                        # 10 x 1M rows, ~10 min on 2 cores
    .venv/bin/python -m benchmarks.scale --rows 200000 --batches 3
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import requests

from benchmarks.ingest import free_port, make_frame, schema
from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import DataStructure, ModelMetricName, StoragePolicy, TaskType
from mlcube_nb.models import DataFrameDataSource, TabularData

PG_ADMIN_URL = os.environ.get("MLCUBE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
BUCKET = "mlcube-bench"
AWS = {"AWS_ACCESS_KEY_ID": "AKIABENCH", "AWS_SECRET_ACCESS_KEY": "bench-secret", "AWS_DEFAULT_REGION": "us-east-1"}
GIB = 1024 ** 3


class PeakRss:
    """Per-process peak resident memory, sampled every 50 ms; children of each root (pool or Dask workers, the
    multiprocessing resource tracker) are listed every 2 s and reported as ``<root> child N``."""

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = {name: psutil.Process(pid) for name, pid in roots.items()}
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _processes(self) -> dict[str, psutil.Process]:
        found: dict[str, psutil.Process] = {}
        for name, root in self.roots.items():
            found[name] = root
            if name == "client":  # its children are the processes measured under their own names
                continue
            try:
                children = root.children(recursive=True)
            except psutil.Error:
                continue
            for index, child in enumerate(sorted(children, key=lambda p: p.pid)):
                found[f"{name} child {index + 1}"] = child
        return found

    def _run(self) -> None:
        processes, listed = self._processes(), time.monotonic()
        while not self._stop.is_set():
            if time.monotonic() - listed > 2.0:
                processes, listed = self._processes(), time.monotonic()
            for name, process in processes.items():
                try:
                    self.peak[name] = max(self.peak.get(name, 0), process.memory_info().rss)
                except psutil.Error:
                    continue
            self._stop.wait(0.05)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def cpu_seconds(self) -> dict[str, float]:
        """User + system CPU seconds so far of each root with its children (a Dask worker's or a pool's work
        counts under the process that started it); the client counts alone."""
        seconds: dict[str, float] = {}
        for name, root in self.roots.items():
            try:
                family = [root] if name == "client" else [root, *root.children(recursive=True)]
                seconds[name] = sum(sum(p.cpu_times()[:2]) for p in family)
            except psutil.Error:
                continue
        return seconds


def _wait_http(url: str, process: subprocess.Popen[bytes], what: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start")


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def _database() -> Iterator[str]:
    import psycopg

    name = f"mlcube_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _server(stack: ExitStack, env: dict[str, str], tmp: Path, name: str) -> tuple[str, int]:
    port = free_port()
    env = env | {"MLCUBE_PORT": str(port), "MLCUBE_HOST": "127.0.0.1", "MLCUBE_LOG_LEVEL": "warning"}
    process = stack.enter_context(_process([sys.executable, "-m", "mlcube_nb.cli", "serve"], env, tmp / f"{name}.log"))
    url = f"http://127.0.0.1:{port}"
    _wait_http(url + "/healthz", process, name)
    deadline = time.monotonic() + 120
    while requests.get(url + "/readyz", timeout=10).status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} never became ready")
        time.sleep(0.5)
    return url, process.pid


def _embedded(stack: ExitStack, tmp: Path, api_key: str) -> tuple[str, dict[str, int]]:
    home = tmp / "embedded-home"
    env = dict(os.environ, MLCUBE_HOME=str(home), MLCUBE_BOOTSTRAP_API_KEY=api_key, MLCUBE_EXECUTOR="process")
    url, pid = _server(stack, env, tmp, "embedded-server")
    return url, {"server": pid}


def _moto(stack: ExitStack, tmp: Path, base: dict[str, str]) -> tuple[dict[str, str], int]:
    """moto's S3 server with the benchmark's bucket: the storage settings of a server, and moto's pid."""
    port = free_port()
    moto = stack.enter_context(_process([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                                         str(port)], base, tmp / "moto.log"))
    endpoint = f"http://127.0.0.1:{port}"
    _wait_http(endpoint, moto, "moto")
    import boto3

    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=AWS["AWS_ACCESS_KEY_ID"],
                 aws_secret_access_key=AWS["AWS_SECRET_ACCESS_KEY"],
                 region_name=AWS["AWS_DEFAULT_REGION"]).create_bucket(Bucket=BUCKET)
    return AWS | {"AWS_ENDPOINT_URL": endpoint, "MLCUBE_STORAGE_URL": f"s3://{BUCKET}/platform"}, moto.pid


def _distributed(stack: ExitStack, tmp: Path, api_key: str, object_store: bool = True) -> tuple[str, dict[str, int]]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MLCUBE_"))}
    if object_store:
        storage, moto_pid = _moto(stack, tmp, base)
    else:  # the diagnostic configuration: a folder every process of this machine reaches
        storage, moto_pid = {"MLCUBE_STORAGE_URL": str(tmp / "shared-storage")}, None
    scheduler_port = free_port()
    bin_dir = Path(sys.executable).parent
    scheduler = stack.enter_context(_process([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                                              str(scheduler_port), "--no-dashboard"], base, tmp / "scheduler.log"))
    workers = stack.enter_context(_process([str(bin_dir / "dask"), "worker", f"tcp://127.0.0.1:{scheduler_port}",
                                            "--nworkers", "2", "--nthreads", "2", "--no-dashboard",
                                            "--memory-limit", "0"], base, tmp / "workers.log"))
    database = stack.enter_context(_database())
    migrate = subprocess.run([sys.executable, "-m", "mlcube_nb.cli", "migrate"], env=base | {
        "MLCUBE_DATABASE_URL": database, "MLCUBE_HOME": str(tmp / "migrate-home")}, capture_output=True)
    if migrate.returncode != 0:
        raise RuntimeError(migrate.stderr.decode()[-2000:])
    env = base | storage | {"MLCUBE_HOME": str(tmp / f"distributed-home-{object_store}"),
                            "MLCUBE_DATABASE_URL": database,
                            "MLCUBE_EXECUTOR": f"tcp://127.0.0.1:{scheduler_port}", "MLCUBE_MIGRATE_ON_START": "false",
                            "MLCUBE_BOOTSTRAP_API_KEY": api_key, "MLCUBE_SECRET_KEY": "bench"}
    url, pid = _server(stack, env, tmp, "distributed-server")
    roots = {"server": pid, "dask workers (nanny)": workers.pid, "dask scheduler": scheduler.pid}
    return url, roots | ({"moto S3 (object store)": moto_pid} if moto_pid is not None else {})


def _distributed_local(stack: ExitStack, tmp: Path, api_key: str) -> tuple[str, dict[str, int]]:
    return _distributed(stack, tmp, api_key, object_store=False)


def _with_target(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    target = frame[["sample_id", "timestamp"]].copy()
    target["y"] = frame["num_0"] * 2 - frame["num_1"] + rng.normal(0, 0.5, len(frame))
    return frame, target


def _send(client: ML3PlatformClient, task_id: str, frame: pd.DataFrame, target: pd.DataFrame,
          historical: bool = False) -> tuple[float, float, float]:
    """(end-to-end seconds, seconds of the add request, seconds the job ran by the server's clock)."""
    start = time.perf_counter()
    parts = {"inputs": TabularData(source=DataFrameDataSource(dataframe=frame)),
             "target": TabularData(source=DataFrameDataSource(dataframe=target))}
    if historical:
        job = client.add_historical_data(task_id, **parts)
    else:
        job = client.add_production_data(task_id, **parts)
    request = time.perf_counter() - start
    client.wait_job_completion(job, max_wait_timeout=1800)
    total = time.perf_counter() - start
    row = client.get_job(job)
    ran = (row.finished_at - row.started_at).total_seconds() if row.started_at and row.finished_at else float("nan")
    return total, request, ran


def run(name: str, url: str, roots: dict[str, int], api_key: str, rows: int, batches: int) -> dict[str, object]:
    """The timed flow on one configuration."""
    client = ML3PlatformClient(url, api_key, timeout=1800)
    client.create_company(name="bench", address="-", vat="-")
    project = client.create_project(name="bench", description=None, default_storage_policy=StoragePolicy.MLCUBE)
    task_id = client.create_task(project_id=project, name="scale", tags=[], task_type=TaskType.REGRESSION,
                                 data_structure=DataStructure.TABULAR, cost_info=None, optional_target=True)
    client.add_data_schema(task_id, schema())
    model_id = client.create_model(task_id=task_id, name="m", version="v1", with_probabilistic_output=False,
                                   metric_name=ModelMetricName.RMSE)
    with PeakRss({"client": os.getpid(), **roots}) as rss:
        hist, hist_target = _with_target(make_frame(rows, seed=0), 0)
        reference = _send(client, task_id, hist, hist_target, historical=True)[0]
        start = time.perf_counter()
        client.wait_job_completion(client.set_model_reference(model_id, 0, rows - 1), max_wait_timeout=1800)
        reference += time.perf_counter() - start
        del hist, hist_target
        times: list[float] = []
        requests_s: list[float] = []
        jobs_s: list[float] = []
        cpu: list[dict[str, float]] = []
        for index in range(batches):
            frame, target = _with_target(make_frame(rows, seed=index + 1, start=rows * (index + 1)), index + 1)
            before = rss.cpu_seconds()
            total, request, ran = _send(client, task_id, frame, target)
            after = rss.cpu_seconds()
            cpu.append({name: after[name] - before[name] for name in after if name in before})
            times.append(total)
            requests_s.append(request)
            jobs_s.append(ran)
            print(f"  {name} batch {index + 1}/{batches}: {total:.1f} s (add request {request:.1f} s, job "
                  f"{ran:.1f} s)", flush=True)
            del frame, target
    return {"name": name, "reference": reference, "times": times, "requests": requests_s, "jobs": jobs_s,
            "peak": dict(rss.peak), "cpu": cpu}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per batch")
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--only", choices=["embedded", "distributed"], default=None,
                        help="run one configuration (for investigating; the comparison needs both)")
    parser.add_argument("--local-root", action="store_true",
                        help="also run the diagnostic configuration: distributed with a local folder as the storage "
                             "root instead of moto (what the object store costs)")
    args = parser.parse_args()
    os.environ.setdefault("TQDM_DISABLE", "1")
    api_key = "mlk_bench_" + secrets.token_hex(16)
    results = []
    with tempfile.TemporaryDirectory(prefix="mlcube-scale-") as name:
        tmp = Path(name)
        configurations = [("embedded", _embedded), ("distributed", _distributed)]
        if args.local_root:
            configurations.append(("distributed, local root", _distributed_local))
        for label, start in configurations:
            if args.only not in (None, label):
                continue
            with ExitStack() as stack:
                url, roots = start(stack, tmp, api_key)
                results.append(run(label, url, roots, api_key, args.rows, args.batches))
    _report(results, args.rows, args.batches)
    return 0


def _report(results: list[dict[str, object]], rows: int, batches: int) -> None:
    print(f"\n{batches} batches x {rows:,} rows x 25 columns (+ id, timestamp, target); load {os.getloadavg()}")
    print("\n| configuration | reference (s) | per batch median (s) | per batch max (s) | total (s) | add request "
          "median (s) | job median (s) |")
    print("|---|---|---|---|---|---|---|")
    medians = {}
    for r in results:
        times: list[float] = r["times"]  # type: ignore[assignment]
        medians[r["name"]] = statistics.median(times)
        print(f"| {r['name']} | {r['reference']:.1f} | {statistics.median(times):.1f} | {max(times):.1f} | "
              f"{sum(times):.1f} | {statistics.median(r['requests']):.1f} | "  # type: ignore[arg-type]
              f"{statistics.median(r['jobs']):.1f} |")  # type: ignore[arg-type]
    if "embedded" in medians and "distributed" in medians:
        print(f"\ndistributed / embedded per-batch median: {medians['distributed'] / medians['embedded']:.2f}x "
              "(target <= 1.5x)")
    if "embedded" in medians and "distributed, local root" in medians:
        print(f"distributed with a local root / embedded (diagnostic): "
              f"{medians['distributed, local root'] / medians['embedded']:.2f}x")
    print("\nCPU seconds per batch (median over the batches; a process with its children; the client's making of "
          "the frame is outside the timed call and not counted):\n")
    print("| configuration | process | CPU s per batch |")
    print("|---|---|---|")
    for r in results:
        cpu: list[dict[str, float]] = r["cpu"]  # type: ignore[assignment]
        for process in cpu[0] if cpu else []:
            print(f"| {r['name']} | {process} | {statistics.median(c.get(process, 0.0) for c in cpu):.2f} |")
        if cpu:
            print(f"| {r['name']} | **all** | {statistics.median(sum(c.values()) for c in cpu):.2f} |")
    print("\n| configuration | process | peak RSS (GiB) |")
    print("|---|---|---|")
    for r in results:
        peak: dict[str, int] = r["peak"]  # type: ignore[assignment]
        for process, value in sorted(peak.items()):
            print(f"| {r['name']} | {process} | {value / GIB:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
