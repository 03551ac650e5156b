"""No process outlives a ``kill -9`` of the server: pool workers and the resource tracker die with it (D8)."""

from __future__ import annotations

import os
import secrets
import signal
import sys
import time
from pathlib import Path

import psutil
import pytest

from mlcube_nb import ML3PlatformClient
from mlcube_nb.server.jobs.executors import make_executor
from tests.server.data_helpers import frame, inputs_of, tabular
from tests.server.reliability_helpers import Served, company_with_task, free_port, wait_gone

pytestmark = [pytest.mark.reliability,
              pytest.mark.skipif(sys.platform == "win32", reason="kill -9 and process trees")]


def test_kill_9_of_the_server_leaves_no_worker_nor_resource_tracker(tmp_path: Path) -> None:
    served = Served(tmp_path / "home", secrets.token_urlsafe(16), free_port(), executor="process:2").start()
    try:
        client = ML3PlatformClient(served.url, served.key)
        _, task_id = company_with_task(client)
        job_id = client.add_production_data(task_id, inputs=tabular(inputs_of(frame(100))))
        client.wait_job_completion(job_id, max_wait_timeout=120)
        children = served.descendants()
        names = " ".join(" ".join(p.cmdline()) for p in children)
        assert len(children) >= 2 and "resource_tracker" in names, names  # the pool exists
        served.kill_9()
        left = wait_gone(children, timeout_s=5.0)
        assert not left, f"orphans after kill -9: {[(p.pid, ' '.join(p.cmdline())[:80]) for p in left]}"
    finally:
        served.stop()


def test_pool_workers_ignore_sigint() -> None:
    """A kernel interrupt (SIGINT to the whole process group) must not kill pool workers."""
    handle = make_executor("process:1")
    try:
        worker_pid = handle.executor.submit(os.getpid).result(timeout=60)
        worker = psutil.Process(worker_pid)
        os.kill(worker_pid, signal.SIGINT)
        time.sleep(0.3)
        assert handle.executor.submit(os.getpid).result(timeout=30) == worker_pid
    finally:
        handle.close()
    assert not wait_gone([worker], timeout_s=5.0)
