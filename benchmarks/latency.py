"""Latency a notebook user feels (issue 14): every row of its table, each beside a floor measured in the same run.

Rows, their floors and their targets:

=====================================================  ==========================================  =====================
what is timed                                           floor (same run)                            target
=====================================================  ==========================================  =====================
``get_projects`` round trip, ``mlcube-nb serve``        ``GET /health`` on the same server          <= 1.3 x floor
404 answer (``get_task`` of another company's task)     ``GET /health`` on the same server          same as a success
``get_task``, embedded platform in this process         ``GET /health`` on the embedded server      <= 5 ms
500-row production batch (inputs + target + preds),    reading the batch's Parquet                 <= 0.25 s
call -> ``wait_job_completion`` returns
first job after ``%mlcube_login`` (cold kernel)         the second job of the same kernel           <= 1 s
``%load_ext mlcube_nb`` + ``%mlcube_login``, cold       a bare Python + IPython shell start         <= 2 s together
1M x 25 from a DataFrame, call -> statuses visible     reading the batch's Parquet                 <= 3 s
drift analysis of a 1M x 25 batch (prepared reference)  ``numpy.sort`` of its numeric columns       <= 0.2 s
``TaskPanel`` build with 50 batches of history          ``get_monitoring_history`` of the task      <= 300 ms
then opening its Drift history tab (its two charts      ``get_monitoring_history`` of the task      (none: shown so the
are drawn when the tab is first opened)                                                             build row hides no
                                                                                                    work)
=====================================================  ==========================================  =====================

Each figure is the median of ``--runs`` runs (round trips: the median of 200 calls, each call taken in
turn with a call of its floor, so both meet the same load). The machine is shared: the load is printed
beside the table; compare ratios, not absolute times.

Run from the repository root::

    .venv/bin/python benchmarks/latency.py              # ~4 min
    .venv/bin/python benchmarks/latency.py --runs 3 --skip-1m
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import requests
from ingest import make_frame, new_task, start_server

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import ModelMetricName, StoragePolicy
from mlcube_nb.models import DataFrameDataSource, TabularData
from mlcube_nb.monitoring import analyse_batch, summarise_reference
from mlcube_nb.server.bootstrap import bootstrap
from mlcube_nb.server.embedded import serve_in_thread
from mlcube_nb.server.settings import Settings

ROUND_TRIPS = 200


def p50_pair(call: Callable[[], object], floor: Callable[[], object], n: int = ROUND_TRIPS) -> tuple[float, float]:
    """Medians of *n* calls of *call* and of *floor*, taken in turn, so both meet the same moments of a
    shared machine's load (measured one block after the other, a busy second skews one of them only)."""
    for _ in range(10):
        call()
        floor()
    calls, floors = [], []
    for _ in range(n):
        for work, times in ((call, calls), (floor, floors)):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
    return statistics.median(calls), statistics.median(floors)


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def tabular(frame) -> TabularData:  # noqa: ANN001 - a pandas DataFrame
    return TabularData(source=DataFrameDataSource(dataframe=frame))


class Scene:
    """A company, a project and a regression task with a model on one platform, seen through a client."""

    def __init__(self, client: ML3PlatformClient, new_company: bool = False) -> None:
        self.client = client
        if new_company:
            client.create_company(name="bench", address="-", vat="-")
        self.project_id = client.create_project(name=f"p-{secrets.token_hex(3)}", description=None,
                                                default_storage_policy=StoragePolicy.MLCUBE)
        self.task_id = new_task(client, self.project_id)
        self.model_id = client.create_model(task_id=self.task_id, name="m", version="v1",
                                            with_probabilistic_output=False, metric_name=ModelMetricName.RMSE)
        self.clock = 0.0

    def batch(self, rows: int, seed: int, shift: float = 0.0) -> dict[str, TabularData | list]:
        frame = make_frame(rows, seed=seed, start=self.clock)
        self.clock += rows
        frame["num_0"] += shift
        frame["y"] = frame["num_1"] + 0.1 * frame["num_2"]
        predictions = frame[["sample_id", "timestamp"]].assign(**{"m@v1": frame["num_1"]})
        return {"inputs": tabular(frame.drop(columns=["y"])), "target": tabular(frame[["sample_id", "timestamp", "y"]]),
                "predictions": [(self.model_id, tabular(predictions))], "_frame": frame}

    def send(self, rows: int, seed: int, historical: bool = False, shift: float = 0.0) -> tuple[str, object]:
        return self.send_parts(self.batch(rows, seed, shift), historical)

    def send_parts(self, parts: dict, historical: bool = False) -> tuple[str, object]:
        """Send a batch made by :meth:`batch` (so a timed call does not include making the data)."""
        parts = dict(parts)
        frame = parts.pop("_frame")
        if historical:
            parts.pop("predictions")
            return self.client.add_historical_data(self.task_id, **parts), frame
        return self.client.add_production_data(self.task_id, **parts), frame

    def with_reference(self, rows: int) -> None:
        job_id, _ = self.send(rows, seed=1, historical=True)
        self.client.wait_job_completion(job_id)
        self.client.wait_job_completion(self.client.set_model_reference(self.model_id, 0, self.clock - 1))


def parquet_floor(frame, folder: Path) -> float:  # noqa: ANN001 - a pandas DataFrame
    """Seconds to read the batch back from a Parquet file (what any ingest must at least do)."""
    path = folder / f"floor-{secrets.token_hex(3)}.parquet"
    frame.to_parquet(path)
    return timed(lambda: pq.read_table(path))


def served_round_trips(url: str, api_key: str, home: Path) -> dict[str, tuple[float, float]]:
    client = ML3PlatformClient(url, api_key, timeout=60)
    Scene(client, new_company=True)
    _, stranger_key = bootstrap(Settings(home=home), username="stranger")  # another company, whose task we ask for
    stranger = Scene(ML3PlatformClient(url, stranger_key, timeout=60), new_company=True)
    session = requests.Session()

    def health() -> None:
        session.get(url + "/health", timeout=10)

    def missing() -> None:
        try:
            client.get_task(stranger.task_id)
        except Exception:  # noqa: BLE001 - the 404 is the point
            return
        raise AssertionError("another company's task was readable")

    return {"get_projects (serve)": p50_pair(client.get_projects, health),
            "404 answer (serve)": p50_pair(missing, health)}


COLD_KERNEL = r"""
import json, os, sys, time
start = time.perf_counter()
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
ipython = time.perf_counter()
shell.run_line_magic("load_ext", "mlcube_nb")
loaded = time.perf_counter()
shell.run_line_magic("mlcube_login", "--temp")
logged = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from latency import Scene
scene = Scene.__new__(Scene)
client = shell.user_ns["mlcube"]
scene.client = client
from mlcube_nb.enums import ModelMetricName, StoragePolicy
from ingest import new_task
scene.project_id = client.create_project(name="cold", description=None, default_storage_policy=StoragePolicy.MLCUBE)
scene.task_id = new_task(client, scene.project_id)
scene.model_id = client.create_model(task_id=scene.task_id, name="m", version="v1", with_probabilistic_output=False,
                                     metric_name=ModelMetricName.RMSE)
scene.clock = 0.0
jobs = []
for seed in (1, 2):
    t = time.perf_counter()
    client.wait_job_completion(scene.send(500, seed=seed, historical=True)[0])
    jobs.append(time.perf_counter() - t)
print(json.dumps({"ipython": ipython - start, "load_ext": loaded - ipython, "login": logged - loaded,
                  "first_job": jobs[0], "second_job": jobs[1]}))
"""


def cold_kernel(here: Path) -> dict[str, float]:
    """A fresh Python with an IPython shell: load the extension, log in, then two 500-row jobs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLCUBE_")} | {"TQDM_DISABLE": "1"}
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", COLD_KERNEL, str(here)], env=env, capture_output=True, text=True,
                         check=True, timeout=300)
    total = time.perf_counter() - started
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    bare = timed(lambda: subprocess.run([sys.executable, "-c", "from IPython.core.interactiveshell import "
                                         "InteractiveShell; InteractiveShell.instance()"], check=True))
    # the process's own start and IPython's import are the floor; the extension and login come on top
    figures["cold_total"] = total - figures["first_job"] - figures["second_job"]
    figures["bare"] = bare
    return figures


def embedded_round_trip(home: Path) -> tuple[float, float]:
    handle = serve_in_thread(Settings(home=home, executor="thread:1", log_level="warning"))
    try:
        _, key = bootstrap(handle.settings, username="bench", email=None)
        client = ML3PlatformClient(handle.url, key, timeout=60)
        scene = Scene(client, new_company=True)
        session = requests.Session()
        return p50_pair(lambda: client.get_task(scene.task_id), lambda: session.get(handle.url + "/health"))
    finally:
        handle.stop()


def small_batch(url: str, api_key: str, folder: Path, runs: int) -> tuple[float, float]:
    scene = Scene(ML3PlatformClient(url, api_key, timeout=120))
    scene.with_reference(2000)
    times, floors = [], []
    for run in range(runs):
        parts = scene.batch(500, seed=100 + run)
        start = time.perf_counter()
        job_id, frame = scene.send_parts(parts)
        scene.client.wait_job_completion(job_id)
        times.append(time.perf_counter() - start)
        floors.append(parquet_floor(frame, folder))
    return statistics.median(times), statistics.median(floors)


def big_batch(url: str, api_key: str, folder: Path, runs: int) -> tuple[float, float]:
    scene = Scene(ML3PlatformClient(url, api_key, timeout=600))
    scene.with_reference(200_000)
    times, floors = [], []
    for run in range(runs):
        parts = scene.batch(1_000_000, seed=200 + run, shift=0.3 * run)
        start = time.perf_counter()  # from the call: making the DataFrame is the user's, not ours
        job_id, frame = scene.send_parts(parts)
        scene.client.wait_job_completion(job_id, max_wait_timeout=600)
        scene.client.get_task(scene.task_id)  # its monitoring_status: the statuses the batch set
        times.append(time.perf_counter() - start)
        floors.append(parquet_floor(frame, folder))
    return statistics.median(times), statistics.median(floors)


def analysis(runs: int) -> tuple[float, float]:
    reference = make_frame(1_000_000, seed=1).drop(columns=["sample_id", "timestamp"])
    batch = make_frame(1_000_000, seed=2).drop(columns=["sample_id", "timestamp"])
    numeric_columns = list(reference.select_dtypes("number").columns)
    categorical_columns = [c for c in reference.columns if c.startswith("cat_")]
    prepared = summarise_reference(reference, numeric_columns, categorical_columns, n_jobs=2)
    numeric = batch[numeric_columns].to_numpy()
    ours = statistics.median(timed(lambda: analyse_batch(prepared, batch, n_jobs=2)) for _ in range(runs))
    floor = statistics.median(timed(lambda: np.sort(numeric, axis=0)) for _ in range(runs))
    return ours, floor


def panel(url: str, api_key: str, runs: int) -> tuple[float, float]:
    from mlcube_nb.notebook.panels.task_panel import TaskPanel

    scene = Scene(ML3PlatformClient(url, api_key, timeout=120))
    scene.with_reference(2000)
    jobs = [scene.send(200, seed=300 + i, shift=0.05 * i)[0] for i in range(50)]
    for job_id in jobs:
        scene.client.wait_job_completion(job_id)
    build = statistics.median(timed(lambda: TaskPanel(scene.client, scene.task_id, live_jobs=False).close())
                              for _ in range(runs))
    history = statistics.median(timed(lambda: scene.client.get_monitoring_history(scene.task_id))
                                for _ in range(runs))
    opened = []
    for _ in range(runs):
        shown = TaskPanel(scene.client, scene.task_id, live_jobs=False)
        opened.append(timed(lambda: shown.select("Drift history")))  # noqa: B023 - called at once
        shown.close()
    return build, history, statistics.median(opened)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-1m", action="store_true", help="leave out the 1M-row rows (the slowest)")
    args = parser.parse_args()
    os.environ.setdefault("TQDM_DISABLE", "1")
    here = Path(__file__).resolve().parent
    rows: list[tuple[str, float, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="mlcube-latency-") as tmp:
        folder = Path(tmp)
        api_key = secrets.token_urlsafe(24)
        server, url = start_server(folder / "serve", api_key)
        try:
            for label, (value, floor) in served_round_trips(url, api_key, folder / "serve").items():
                rows.append((label, value, floor, "/health"))
            value, floor = small_batch(url, api_key, folder, args.runs)
            rows.append(("500-row batch -> job done (serve)", value, floor, "read its Parquet"))
            if not args.skip_1m:
                value, floor = big_batch(url, api_key, folder, args.runs)
                rows.append(("1M x 25 DataFrame -> statuses (serve)", value, floor, "read its Parquet"))
            value, floor, opened = panel(url, api_key, args.runs)
            rows.append(("TaskPanel build, 50 batches", value, floor, "get_monitoring_history"))
            rows.append(("TaskPanel: open Drift history (2 charts)", opened, floor, "get_monitoring_history"))
        finally:
            server.terminate()
            server.wait(30)
        value, floor = embedded_round_trip(folder / "embedded")
        rows.append(("get_task (embedded, in process)", value, floor, "/health"))
    kernels = [cold_kernel(here) for _ in range(args.runs)]
    median = {key: statistics.median(k[key] for k in kernels) for key in kernels[0]}
    rows.append(("first job after %mlcube_login", median["first_job"], median["second_job"], "second job"))
    rows.append(("%load_ext + %mlcube_login, cold", median["load_ext"] + median["login"], median["bare"],
                 "python + IPython start"))
    if not args.skip_1m:
        value, floor = analysis(args.runs)
        rows.append(("drift analysis 1M x 25", value, floor, "numpy.sort"))
    print(f"\n{os.uname().nodename}: {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}; median of {args.runs} runs")
    print("| what | ms | floor | floor ms | ratio |")
    print("|---|---|---|---|---|")
    for label, value, floor, floor_label in rows:
        print(f"| {label} | {1000 * value:.1f} | {floor_label} | {1000 * floor:.1f} | {value / floor:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
