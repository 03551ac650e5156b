"""The embedded platform in a real kernel, interrupted as Jupyter does it (SIGINT to the kernel's process
group): a ``%mlcube_jobs --watch`` stops quietly, the next batch completes, and shutting the kernel down prints
nothing. The notebook's default executor runs jobs in threads, which never receive the signal; the opt-in
process pool (``%config MlcubeMagics.executor = "process"``) ignores it in its workers (``server/jobs``): pass
``executor="process:2"`` to :func:`run_the_interrupt_scenario` to check that by hand (it adds ~30 s)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

SETUP = """
%load_ext mlcube_nb
{config}
%mlcube_login --temp
%config MlcubeMagics.watch_interval = 0.3
from mlcube_nb.enums import DataStructure, ModelMetricName, StoragePolicy, TaskType
from mlcube_nb.notebook.sample_data import churn_batch, churn_schema
project_id = mlcube.create_project("churn", None, StoragePolicy.MLCUBE)
task_id = mlcube.create_task(project_id, "churn", [], TaskType.CLASSIFICATION_BINARY, DataStructure.TABULAR,
                             positive_class=1)
mlcube.add_data_schema(task_id, churn_schema())
model_id = mlcube.create_model(task_id, "churn-model", "v1", True, ModelMetricName.ACCURACY)
reference = churn_batch(800, seed=1)

def send(rows, start, drift=0.0):
    batch = churn_batch(rows, start_index=start, seed=start, drift=drift)
    return mlcube.add_production_data(task_id, inputs=batch.inputs, target=batch.target,
                                      predictions=[(model_id, batch.predictions)])
"""
FIRST_JOB = """
import time
started = time.perf_counter()
mlcube.wait_job_completion(mlcube.add_historical_data(task_id, inputs=reference.inputs, target=reference.target,
                                                      predictions=[(model_id, reference.predictions)]))
print(f"first job after login: {time.perf_counter() - started:.2f} s")
mlcube.wait_job_completion(mlcube.set_model_reference(model_id, reference.from_timestamp, reference.to_timestamp))
big = send(30_000, 1_000)  # a job long enough to be interrupted while the watch follows it
"""
AFTER = """
mlcube.wait_job_completion(big)
mlcube.wait_job_completion(send(400, 60_000, drift=1.0))
print("after the interrupt:", mlcube.get_job(big).status, [j.status for j in mlcube.get_jobs(task_id=task_id)][-1])
"""


class Kernel:
    """A kernel started as Jupyter starts it, its own output captured in a file; runs cells, collects output."""

    def __init__(self, manager: KernelManager, client: BlockingKernelClient, log: Path) -> None:
        self.manager, self.client, self.log = manager, client, log

    def run(self, code: str, *, interrupt_when: str | None = None, timeout: float = 120.0) -> str:
        """Run a cell; with *interrupt_when*, interrupt the kernel once that text shows in the output."""
        msg_id = self.client.execute(code)
        shown: list[str] = []
        interrupted = False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.client.get_iopub_msg(timeout=1)
            except Exception:  # noqa: BLE001 - queue.Empty: nothing yet
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            content, kind = msg["content"], msg["msg_type"]
            if kind == "stream":
                shown.append(content["text"])
            elif kind in ("display_data", "update_display_data", "execute_result"):
                shown.append(str(content["data"].get("text/plain", "")))
            elif kind == "error":
                shown.append("ERROR " + "\n".join(content["traceback"]))
            elif kind == "status" and content["execution_state"] == "idle":
                return "\n".join(shown)
            if interrupt_when and not interrupted and interrupt_when in "".join(shown):
                self.manager.interrupt_kernel()
                interrupted = True
        raise AssertionError(f"the cell did not finish within {timeout} s: {''.join(shown)[-2000:]}")


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[Kernel]:
    log = tmp_path / "kernel.log"
    env = {k: v for k, v in os.environ.items() if k != "MLCUBE_EXECUTOR"}  # the notebook's own default
    env["MLCUBE_HOME"] = str(tmp_path / "home")
    manager = KernelManager(kernel_name="python3")
    with open(log, "w") as out:
        manager.start_kernel(env=env, stdout=out, stderr=out, cwd=str(tmp_path))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        yield Kernel(manager, client, log)
    finally:
        client.stop_channels()
        if manager.is_alive():
            manager.shutdown_kernel(now=True)


@pytest.mark.timeout(240)
def test_an_interrupted_watch_leaves_the_platform_working_and_shutdown_is_silent(kernel: Kernel) -> None:
    run_the_interrupt_scenario(kernel)


def run_the_interrupt_scenario(shell: Kernel, executor: str = "") -> None:
    """Log in, interrupt a watch over a long job, send a batch, shut down; assert each step is clean."""
    config = f'%config MlcubeMagics.executor = "{executor}"' if executor else ""
    assert "ERROR" not in shell.run(SETUP.format(config=config))
    first = shell.run(FIRST_JOB)
    assert "first job after login" in first and "ERROR" not in first, first
    print(executor, first.strip())  # the issue asks ≤ 1.5 s with the default executor (see the issue-13 note)
    watch = shell.run("%mlcube_jobs --task $task_id --watch", interrupt_when="1 running")
    assert "watch stopped" in watch and "ERROR" not in watch and "Traceback" not in watch, watch
    after = shell.run(AFTER)
    assert "after the interrupt: completed" in after and "ERROR" not in after, after
    assert "Traceback" not in after and "died" not in after
    started_log = shell.log.read_text()
    shell.manager.shutdown_kernel(now=False)  # as Jupyter does: a shutdown request, then the process ends
    shell.client.stop_channels()
    printed = shell.log.read_text()[len(started_log):]
    assert "Traceback" not in shell.log.read_text() and "KeyboardInterrupt" not in shell.log.read_text(), printed
    if not executor:  # the notebook's default prints nothing at all when the kernel shuts down
        assert printed == "", printed
