"""The notebook's embedded platform answers before its job runner has started (issue 14): the runner starts
in a thread, a job posted meanwhile waits in its queue and runs, and a platform stopped during that start
stops at once and never starts the runner."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import requests

from mlcube_nb.server import app as app_module
from mlcube_nb.server.embedded import serve_in_thread
from mlcube_nb.server.settings import Settings


def _slow_runner(monkeypatch: pytest.MonkeyPatch, seconds: float) -> threading.Event:
    """Make building the job runner take *seconds* (as importing the pipelines does on a cold kernel)."""
    built = threading.Event()
    real = app_module._job_runner

    def slow(app: object, settings: Settings) -> object:
        time.sleep(seconds)
        runner = real(app, settings)  # type: ignore[arg-type]
        built.set()
        return runner

    monkeypatch.setattr(app_module, "_job_runner", slow)
    return built


def test_the_platform_answers_while_its_runner_starts_then_is_ready(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    built = _slow_runner(monkeypatch, 1.0)
    handle = serve_in_thread(Settings(home=tmp_path, executor="thread:1"), jobs_in_background=True)
    try:
        assert not built.is_set() and requests.get(f"{handle.url}/health", timeout=10).ok  # answers already
        early = requests.get(f"{handle.url}/readyz", timeout=10).json()
        assert early["checks"]["executor"] == {"ok": False, "error": "RuntimeError: the job runner is not running",
                                               "ms": early["checks"]["executor"]["ms"]}
        deadline = time.monotonic() + 60
        while requests.get(f"{handle.url}/readyz", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "the runner never started"
            time.sleep(0.05)
        assert handle.app.state.job_runner.alive
    finally:
        handle.stop()
    assert not handle.app.state.job_runner.alive


def test_a_platform_stopped_while_its_runner_starts_never_starts_it(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    built = _slow_runner(monkeypatch, 1.5)
    handle = serve_in_thread(Settings(home=tmp_path, executor="thread:1"), jobs_in_background=True)
    started = time.perf_counter()
    handle.stop()
    assert time.perf_counter() - started < 1.0 and not handle.running  # it did not wait for the runner's start
    assert built.wait(30)
    time.sleep(0.2)
    assert getattr(handle.app.state, "job_runner", None) is None  # built after the stop, never started
