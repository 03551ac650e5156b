"""Run the platform in a background thread (uvicorn, 127.0.0.1, a free port): notebook, demo and tests."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from mlcube_nb.server.app import create_app
from mlcube_nb.server.settings import Settings


class _ThreadServer(uvicorn.Server):
    """A uvicorn server that installs no signal handlers (it does not own the process)."""

    def install_signal_handlers(self) -> None:  # pragma: no cover - behaviour is "do nothing"
        return None


@dataclass
class ServerHandle:
    """A running in-process server: its URL and a way to stop it."""

    url: str
    settings: Settings
    app: FastAPI
    _server: _ThreadServer
    _thread: threading.Thread

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to shut down and wait for the thread (bounded)."""
        self._server.should_exit = True
        self._thread.join(timeout)

    @property
    def engine(self) -> Engine:
        """The app's database engine (tests and the launcher use it to make the first user)."""
        return self.app.state.engine

    @property
    def running(self) -> bool:
        """Whether the server thread is alive."""
        return self._thread.is_alive()


def serve_in_thread(
    settings: Settings, host: str = "127.0.0.1", port: int = 0, ready_timeout: float = 30.0, *,
    jobs_in_background: bool = False,
) -> ServerHandle:
    """Start the app for *settings* in a daemon thread and return once it answers (or raise); with
    *jobs_in_background* it answers before its job runner has started (see ``create_app``)."""
    app = create_app(settings, jobs_in_background=jobs_in_background)
    # proto=IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets whose proto says TCP (accepted
    # sockets inherit it), and without it Nagle + delayed ACK hold each response body back ~40 ms
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level=settings.log_level, access_log=True, lifespan="on")
    server = _ThreadServer(config)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name="mlcube-platform", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + ready_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("The embedded mlcube_nb platform did not start; see the log above")
        time.sleep(0.01)
    return ServerHandle(url=f"http://{host}:{bound_port}", settings=settings, app=app, _server=server, _thread=thread)
