"""A real HTTP receiver on 127.0.0.1 for the sender tests: records every request, answers as told."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Received:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        """The body parsed as an URL-encoded form."""
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}


@dataclass
class Answer:
    """How the receiver answers one path."""

    status: int = 200
    body: Any = ""
    delay_s: float = 0.0


@dataclass
class Receiver:
    """The server, what it received, and per-path answers (default 200 with an empty body)."""

    url: str
    received: list[Received] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, status: int = 200, body: Any = "", delay_s: float = 0.0) -> str:
        """Answer *path* this way from now on; returns the full URL of *path*."""
        self.answers[path] = Answer(status, body, delay_s)
        return self.url + path

    def at(self, path: str) -> list[Received]:
        """Requests received on *path*, oldest first."""
        with self.lock:
            return [r for r in self.received if r.path == path]


def make_handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to *receiver*."""

    class Handler(BaseHTTPRequestHandler):
        """Records each POST (and GET), then answers as configured for its path."""

        def do_GET(self) -> None:  # noqa: N802 - the http.server naming
            self.do_POST()

        def do_POST(self) -> None:  # noqa: N802 - the http.server naming
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.received.append(Received(self.command, self.path, dict(self.headers.items()), body))
            answer = receiver.answers.get(self.path, Answer())
            if answer.delay_s:
                time.sleep(answer.delay_s)
            payload = answer.body if isinstance(answer.body, (str, bytes)) else json.dumps(answer.body)
            data = payload.encode() if isinstance(payload, str) else payload
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json" if not isinstance(answer.body, str)
                                 else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the http.server signature
            return

    return Handler


def start_receiver(tls: ssl.SSLContext | None = None) -> tuple[Receiver, ThreadingHTTPServer]:
    """Start a receiver on a free port of 127.0.0.1 in a daemon thread (HTTPS with the server context *tls*)."""
    receiver = Receiver(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(receiver))
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    receiver.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, name="test-receiver", daemon=True).start()
    return receiver, server


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
