"""Parts of a scale-out deployment for tests and benchmarks: moto's S3, a Dask cluster, servers, a proxy.

Every part runs on 127.0.0.1: moto's S3 server (``ThreadedMotoServer``), a Dask ``LocalCluster`` of
worker processes, ``mlcube-nb serve`` processes on one PostgreSQL database and one bucket, and a
round-robin HTTP proxy in front of them (a threaded ``http.server``) so one client reaches them all.
"""

from __future__ import annotations

import http.client
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

BUCKET = "mlcube-scale"
AWS = {"AWS_ACCESS_KEY_ID": "AKIASCALETEST", "AWS_SECRET_ACCESS_KEY": "scale-secret",
       "AWS_DEFAULT_REGION": "us-east-1"}
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "proxy-connection"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_s3() -> Iterator[tuple[str, Any]]:
    """moto's S3 server with an empty bucket: (endpoint URL, boto3 client)."""
    import boto3
    from moto import server as moto_server

    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=AWS["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=AWS["AWS_SECRET_ACCESS_KEY"], region_name=AWS["AWS_DEFAULT_REGION"])
    client.create_bucket(Bucket=BUCKET)
    try:
        yield endpoint, client
    finally:
        server.stop()


def bucket_keys(client: Any, prefix: str = "") -> list[str]:
    """Every object key of the bucket under *prefix*."""
    keys: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


@contextmanager
def dask_cluster(workers: int = 2, threads: int = 2) -> Iterator[Any]:
    """A Dask LocalCluster of worker *processes*, without any AWS variable in their environment."""
    from distributed import LocalCluster

    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("AWS_")}
    try:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True,
                               dashboard_address=None, host="127.0.0.1", silence_logs=40)
    finally:
        os.environ.update(saved)
    try:
        yield cluster
    finally:
        cluster.close()


@dataclass
class Servers:
    """``mlcube-nb serve`` processes started by :func:`servers`."""

    urls: list[str]
    homes: list[Path]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]


def _cli(args: list[str], env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "mlcube_nb.cli", *args], env=dict(env), stdout=out,
                                stderr=subprocess.STDOUT)


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    answer = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server {url} exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            response = requests.get(f"{url}/readyz", timeout=5)
            if response.status_code == 200:
                return
            answer = response.text
        except requests.RequestException as exc:
            answer = str(exc)
        time.sleep(0.2)
    raise RuntimeError(f"server {url} not ready after {timeout_s} s ({answer}):\n{log.read_text()[-3000:]}")


@contextmanager
def servers(count: int, base: Path, env: Mapping[str, str]) -> Iterator[Servers]:
    """Run ``mlcube-nb migrate`` once, then *count* servers (migrations off), each with a home of its own."""
    common = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MLCUBE_"))} | dict(env)
    log = base / "migrate.log"
    migrate = _cli(["migrate"], common | {"MLCUBE_HOME": str(base / "migrate-home")}, log)
    if migrate.wait(timeout=120) != 0:
        raise RuntimeError(f"mlcube-nb migrate failed:\n{log.read_text()[-3000:]}")
    started = Servers(urls=[], homes=[])
    try:
        for index in range(count):
            port = free_port()
            home = base / f"server-{index}"
            home.mkdir(parents=True)
            log = base / f"server-{index}.log"
            process = _cli(["serve", "--host", "127.0.0.1", "--port", str(port)],
                           common | {"MLCUBE_HOME": str(home), "MLCUBE_MIGRATE_ON_START": "false"}, log)
            started.processes.append(process)
            started.urls.append(f"http://127.0.0.1:{port}")
            started.homes.append(home)
            _wait_ready(started.urls[-1], process, log)  # one at a time: the bootstrap key is made once
        yield started
    finally:
        for process in started.processes:
            process.terminate()
        for process in started.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


class _Forward(BaseHTTPRequestHandler):
    """Forward one request to the next backend in turn and relay its answer."""

    server: RoundRobinProxy
    protocol_version = "HTTP/1.0"

    def _forward(self) -> None:
        index = self.server.next_backend(self.command, self.path)
        host, port = self.server.backends[index]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        headers["Host"] = f"{host}:{port}"
        connection = http.client.HTTPConnection(host, port, timeout=600)
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in HOP_HEADERS and key.lower() not in ("date", "server"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return


class RoundRobinProxy(ThreadingHTTPServer):
    """A load balancer for tests: request *n* goes to backend *n mod k*; every request is logged."""

    daemon_threads = True

    def __init__(self, urls: list[str]) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.backends = [(u.split("://", 1)[1].split(":")[0], int(u.rsplit(":", 1)[1])) for u in urls]
        self.log: list[tuple[str, str, int]] = []
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, name="round-robin-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def next_backend(self, method: str, path: str) -> int:
        with self._lock:
            index = next(self._turn) % len(self.backends)
            self.log.append((method, path, index))
            return index

    def __enter__(self) -> RoundRobinProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


def files_in(folder: Path) -> list[Path]:
    """Every file under *folder*."""
    return [Path(root) / name for root, _, names in os.walk(folder) for name in names]
