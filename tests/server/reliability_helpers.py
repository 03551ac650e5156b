"""Helpers of the reliability suite: a ``mlcube-nb serve`` subprocess, its process tree, and a company in it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import requests

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import DataStructure, StoragePolicy, TaskType
from mlcube_nb.models import DataSchema
from mlcube_nb.server.embedded import ServerHandle, serve_in_thread
from mlcube_nb.server.settings import Settings
from tests.server.data_helpers import regression_columns


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A ``mlcube-nb serve`` subprocess on a home folder of its own."""

    home: Path
    key: str
    port: int
    executor: str = "process:1"
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> Served:
        env = dict(os.environ, MLCUBE_HOME=str(self.home), MLCUBE_BOOTSTRAP_API_KEY=self.key,
                   MLCUBE_PORT=str(self.port), MLCUBE_LOG_LEVEL="warning", MLCUBE_EXECUTOR=self.executor)
        self.process = subprocess.Popen([sys.executable, "-m", "mlcube_nb.cli", "serve"], env=env,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/health", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("the server did not start")

    def descendants(self) -> list[psutil.Process]:
        """Every process the server started (pool workers, the resource tracker...)."""
        assert self.process is not None
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def kill_9(self) -> None:
        """``kill -9`` of the server process alone: its children get no signal from us."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """Stop the server and anything left of its process group (clean-up of a test, not a check)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """The processes of *processes* still running (a zombie has ended: only its exit status is left)."""
    running = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                running.append(process)
        except psutil.NoSuchProcess:
            continue
    return running


def wait_gone(processes: list[psutil.Process], timeout_s: float) -> list[psutil.Process]:
    """Wait until every process has ended; the ones still running after *timeout_s*."""
    deadline = time.monotonic() + timeout_s
    left = alive(processes)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = alive(left)
    return left


def company_with_task(client: ML3PlatformClient) -> tuple[str, str]:
    """A company, a project and a regression task with its schema: (project_id, task_id)."""
    client.create_company(name="c", address="a", vat="v")
    project_id = client.create_project(name="p", description=None, default_storage_policy=StoragePolicy.MLCUBE)
    task_id = client.create_task(project_id=project_id, name="t", tags=[], task_type=TaskType.REGRESSION,
                                 data_structure=DataStructure.TABULAR, optional_target=True)
    client.add_data_schema(task_id, DataSchema(columns=regression_columns()))
    return project_id, task_id


@dataclass(frozen=True)
class RouteEntry:
    """One method of one route of the app, with its full path (router prefixes included)."""

    method: str
    path: str
    route: Any


def route_table(routes: list[Any], prefix: str = "") -> list[RouteEntry]:
    """Every (method, full path) the app serves, read from its route table (included routers unfolded)."""
    from fastapi.routing import APIRoute

    table: list[RouteEntry] = []
    for route in routes:
        if isinstance(route, APIRoute):
            table += [RouteEntry(m, prefix + route.path, route) for m in sorted(route.methods) if m != "HEAD"]
        elif hasattr(route, "original_router"):  # FastAPI's included router: a prefix over a router's routes
            table += route_table(route.original_router.routes, prefix + route.include_context.prefix)
        elif hasattr(route, "routes"):
            table += route_table(route.routes, prefix + getattr(route, "path", ""))
    return table


@contextmanager
def quiet_platform(home: Path) -> Iterator[ServerHandle]:
    """An embedded platform on its own home (threads for jobs, warnings only in the log), stopped on exit."""
    handle = serve_in_thread(Settings(home=home, executor="thread:2", log_level="warning"))
    try:
        yield handle
    finally:
        handle.stop()
