"""``mlcube-nb demo``: the notebook quickstart in a terminal, on the embedded platform.

A churn classifier gets a reference and four production batches, the last two drifting; each job shows a
progress bar while it runs, and the demo ends with what drifted, the events raised and how long each step took.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tabulate import tabulate

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.enums import DataStructure, ModelMetricName, StoragePolicy, TaskType
from mlcube_nb.notebook.display import quantity_label
from mlcube_nb.notebook.launcher import launch
from mlcube_nb.notebook.sample_data import ChurnBatch, churn_batch, churn_schema
from mlcube_nb.notebook.views import with_event_statuses

REFERENCE_ROWS = 1500
BATCH_ROWS = 500
DRIFTS = (0.0, 0.0, 0.6, 1.0)  # the production batches: two like the reference, then a drift
_RANK = {"ok": 0, "warning": 1, "drift": 2}


@dataclass
class _Tour:
    """Runs named steps, printing each with its duration, and keeps them for the summary."""

    rows: list[tuple[str, str, float]] = field(default_factory=list)

    def step(self, title: str, action: Callable[[], Any], describe: Callable[[Any], str] = str) -> Any:
        started = time.perf_counter()
        result = action()
        elapsed = time.perf_counter() - started
        self.rows.append((title, describe(result), elapsed))
        print(f"  ✓ {title:<44} {describe(result)}  ({elapsed:.2f} s)")
        return result

    @property
    def seconds(self) -> float:
        return sum(row[2] for row in self.rows)


def _worst(statuses: list[str]) -> str:
    return max(statuses, key=_RANK.__getitem__, default="ok").upper()


def _set_up(client: ML3PlatformClient, tour: _Tour) -> tuple[str, str]:
    """A project, the churn task with its schema, and its model; returns (task_id, model_id)."""
    project_id = tour.step("create a project", lambda: client.create_project(
        "churn", "customer churn, monitored", StoragePolicy.MLCUBE), lambda _: "churn")
    task_id = tour.step("create a binary-classification task", lambda: client.create_task(
        project_id, "churn", ["demo"], TaskType.CLASSIFICATION_BINARY, DataStructure.TABULAR, positive_class=1),
        lambda _: "tabular, positive class 1")
    tour.step("add its data schema", lambda: client.add_data_schema(task_id, churn_schema()),
              lambda _: f"{len(churn_schema().columns)} columns")
    model_id = tour.step("register the model", lambda: client.create_model(
        task_id, "churn-model", "v1", True, ModelMetricName.ACCURACY), lambda _: "churn-model@v1")
    return task_id, model_id


def _reference(client: ML3PlatformClient, tour: _Tour, task_id: str, model_id: str) -> None:
    batch = churn_batch(REFERENCE_ROWS, seed=1)

    def upload() -> None:
        client.wait_job_completion(client.add_historical_data(
            task_id, inputs=batch.inputs, target=batch.target, predictions=[(model_id, batch.predictions)]))

    tour.step("upload the training data", upload, lambda _: f"{REFERENCE_ROWS} rows")
    tour.step("use it as the model's reference", lambda: client.wait_job_completion(
        client.set_model_reference(model_id, batch.from_timestamp, batch.to_timestamp)), lambda _: "done")


def _production(client: ML3PlatformClient, tour: _Tour, task_id: str, model_id: str) -> list[list[Any]]:
    """Send the production batches; one summary row each (drift, error rate, task status, new events, time)."""
    rows, seen = [], 0
    for number, drift in enumerate(DRIFTS, start=1):
        batch = churn_batch(BATCH_ROWS, start_index=REFERENCE_ROWS + (number - 1) * BATCH_ROWS, seed=100 + number,
                            drift=drift)
        started = time.perf_counter()

        def send(b: ChurnBatch = batch) -> None:
            client.wait_job_completion(client.add_production_data(task_id, inputs=b.inputs, target=b.target,
                                                                  predictions=[(model_id, b.predictions)]))

        tour.step(f"production batch {number} (drift {drift:.1f})", send, lambda _: "analysed")
        elapsed = time.perf_counter() - started
        events = client.get_detection_events(task_id)
        status = _worst([s.status.value for s in client.get_task(task_id).monitoring_status])
        rows.append([number, drift, f"{batch.error_rate:.1%}", status, len(events) - seen, f"{elapsed:.1f} s"])
        seen = len(events)
    return rows


def _summary(client: ML3PlatformClient, task_id: str, batches: list[list[Any]], tour: _Tour) -> None:
    print("\nProduction batches")
    print(tabulate(batches, headers=["Batch", "Drift", "Model errors", "Task status", "New events", "Time"]))
    events = client.get_detection_events(task_id)
    statuses = with_event_statuses(client.get_task(task_id).monitoring_status, events)  # evaluation metrics too
    print("\nWhat the platform monitors now")
    print(tabulate([[quantity_label(s), s.status.value.upper()] for s in statuses], headers=["Quantity", "Status"]))
    kinds = Counter(e.event_type.value for e in events)
    drifted = sorted({quantity_label(e) for e in events if e.event_type.value == "drift_on"})
    print(f"\nEvents raised: {len(events)} ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items())) or 'none'})")
    print(f"What drifted: {', '.join(drifted) if drifted else 'nothing'}")
    print(f"\n{len(tour.rows)} steps in {tour.seconds:.1f} s. In Jupyter: %load_ext mlcube_nb, %mlcube_login, "
          f"then %mlcube panel churn (see notebooks/01_quickstart.ipynb).")


def run_demo(keep_home: str | None = None, executor: str | None = None) -> int:
    """Start the embedded platform, play the quickstart, print the summary; returns the exit code.

    Jobs run in threads unless *executor* (or ``MLCUBE_EXECUTOR``) says otherwise, as in a notebook: the demo's
    batches are small, and starting a process pool would take longer than analysing them.
    """
    started = time.perf_counter()
    session = launch(home=keep_home, temp=keep_home is None, username="demo", company="Demo Co", executor=executor)
    print(f"{session.summary()} (home {session.home}), ready in {time.perf_counter() - started:.1f} s\n")
    try:
        tour = _Tour()
        client = session.client
        task_id, model_id = _set_up(client, tour)
        _reference(client, tour, task_id, model_id)
        batches = _production(client, tour, task_id, model_id)
        _summary(client, task_id, batches, tour)
    finally:
        session.stop()
    return 0
