"""The client's transport over real HTTP: retries with backoff, error mapping, timeouts, no leaked key.

The server here is a tiny stdlib ``http.server`` on 127.0.0.1 standing in for a third-party platform
(a proxy answering 503, a slow backend, an HTML error page), not our own server.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.client._transport import Transport, default_retry
from mlcube_nb.enums import StoragePolicy
from mlcube_nb.exceptions import (
    CreateProjectException,
    ForbiddenException,
    JobNotFoundException,
    NotFoundException,
    SDKClientException,
    SDKConnectionException,
    SDKTimeoutException,
    UnauthorizedException,
)

API_KEY = "sk-test-5ecret-Value-0123456789"


def _error(code: str, message: str) -> bytes:
    return json.dumps({"errorCode": code, "errorMessage": message}).encode()


class _Handler(BaseHTTPRequestHandler):
    """Answers by path; every request is recorded (path, time, headers, query, body) on the server."""

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        return

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        server: Any = self.server
        hits = server.record(parts.path, self.headers, parse_qs(parts.query), raw)
        name = parts.path.removeprefix("/sdk/v1/").split("/")[0]
        if name == "flaky" and hits <= 2:
            return self._reply(503, _error("BUSY", "try again"))
        if name == "busy" and hits == 1:
            return self._reply(429, _error("SLOW_DOWN", "too many"), {"Retry-After": "1"})
        if name == "unauthorized":
            return self._reply(401, _error("UNAUTHORIZED", "Unknown API key"))
        if name == "forbidden":
            return self._reply(403, _error("FORBIDDEN", "Role lacks the permission"))
        if name == "missing":
            return self._reply(404, _error("PROJECT_NOT_FOUND", "No project p1"))
        if name == "job":
            return self._reply(404, _error("JOB_NOT_FOUND", "No job j1"))
        if name == "broken":
            return self._reply(500, b"<html><body>" + b"Internal Server Error " * 50 + b"</body></html>")
        if name == "slow":
            time.sleep(1.0)
        self._reply(200, json.dumps("ok").encode())

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.requests: list[dict[str, Any]] = []

    def record(self, path: str, headers: Any, query: dict[str, list[str]], body: bytes) -> int:
        with self.lock:
            self.times[path].append(time.monotonic())
            self.requests.append({"path": path, "headers": dict(headers), "query": query, "body": body})
            return len(self.times[path])


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def transport(server: _Server) -> Transport:
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    return Transport(url, API_KEY, timeout=5, retry=default_retry(backoff_factor=0.1, backoff_jitter=0.05))


def _assert_no_key(*texts: str) -> None:
    for text in texts:
        assert API_KEY not in text


def test_503_is_retried_with_growing_backoff(server: _Server, transport: Transport) -> None:
    assert transport.request("GET", "/flaky/a") == "ok"
    times = server.times["/sdk/v1/flaky/a"]
    assert len(times) == 3  # two 503s, then the 200
    assert times[2] - times[1] >= 0.2  # second retry waits backoff_factor * 2


def test_retry_after_is_honoured(server: _Server, transport: Transport) -> None:
    assert transport.request("GET", "/busy/a") == "ok"
    times = server.times["/sdk/v1/busy/a"]
    assert len(times) == 2 and times[1] - times[0] >= 0.95


def test_post_is_never_repeated(server: _Server, transport: Transport) -> None:
    """The server cannot tell a repeated POST from a new one, so a 503 on a POST is the caller's answer."""
    with pytest.raises(SDKClientException) as info:
        transport.request("POST", "/flaky/post", json={"x": 1})
    assert info.value.error_code == "BUSY" and len(server.times["/sdk/v1/flaky/post"]) == 1


def test_status_mapping(transport: Transport) -> None:
    with pytest.raises(UnauthorizedException) as unauthorized:
        transport.request("GET", "/unauthorized", exc=CreateProjectException)
    assert unauthorized.value.error_message == "Unknown API key"
    with pytest.raises(ForbiddenException):
        transport.request("GET", "/forbidden")
    with pytest.raises(CreateProjectException) as own:
        transport.request("GET", "/forbidden", exc=CreateProjectException)
    assert own.value.error_code == "FORBIDDEN"
    with pytest.raises(NotFoundException) as missing:
        transport.request("GET", "/missing")
    assert (missing.value.error_code, missing.value.error_message) == ("PROJECT_NOT_FOUND", "No project p1")
    with pytest.raises(JobNotFoundException):
        transport.request("GET", "/job")


def test_non_json_error_body_keeps_status_and_truncated_text(transport: Transport) -> None:
    with pytest.raises(CreateProjectException) as info:
        transport.request("GET", "/broken", exc=CreateProjectException)
    assert info.value.error_code == "HTTP_500"
    assert info.value.error_message.startswith("<html><body>Internal Server Error")
    assert len(info.value.error_message) <= 501


def test_slow_answer_raises_timeout(server: _Server) -> None:
    slow = Transport(f"http://127.0.0.1:{server.server_address[1]}", API_KEY, timeout=0.3)
    with pytest.raises(SDKTimeoutException) as info:
        slow.request("GET", "/slow")
    assert isinstance(info.value, SDKConnectionException) and info.value.error_code == "TIMEOUT"
    assert len(server.times["/sdk/v1/slow"]) == 1  # a read timeout is never retried
    _assert_no_key(str(info.value), repr(info.value))


def test_refused_connection_raises_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    refused = Transport(f"http://127.0.0.1:{port}", API_KEY, retry=default_retry(backoff_factor=0.01))
    started = time.monotonic()
    with pytest.raises(SDKConnectionException) as info:
        refused.request("GET", f"/api-key/{API_KEY}")
    assert not isinstance(info.value, SDKTimeoutException)
    assert info.value.error_code == "CONNECTION_ERROR" and time.monotonic() - started < 5
    assert isinstance(info.value.__cause__, Exception)
    _assert_no_key(str(info.value), repr(info.value))


def test_key_header_query_and_body_encoding(server: _Server, transport: Transport) -> None:
    params = {"a": None, "flag": True, "off": False, "policy": StoragePolicy.CUSTOMER, "n": 1.5}
    transport.request("PATCH", "/echo", params=params, json={"policy": StoragePolicy.MLCUBE, "x": None})
    sent = server.requests[-1]
    assert sent["headers"]["X-Api-Key"] == API_KEY
    assert sent["query"] == {"flag": ["True"], "off": ["False"], "policy": ["customer"], "n": ["1.5"]}
    assert json.loads(sent["body"]) == {"policy": "mlcube", "x": None}


def test_client_sends_request_models_and_never_shows_the_key(server: _Server) -> None:
    client = ML3PlatformClient(f"http://127.0.0.1:{server.server_address[1]}", API_KEY, timeout=5)
    assert client.create_project("demo", None, StoragePolicy.MLCUBE) == "ok"
    sent = server.requests[-1]
    assert sent["path"] == "/sdk/v1/project"
    assert json.loads(sent["body"]) == {
        "name": "demo",
        "description": None,
        "default_storage_policy": "mlcube",
    }
    with pytest.raises(CreateProjectException) as info:
        client.create_project("", None, StoragePolicy.MLCUBE)  # rejected locally, nothing sent
    assert info.value.error_code == "INVALID_PARAMETERS" and server.requests[-1] is sent
    _assert_no_key(repr(client), str(client), repr(client._transport), str(info.value))
