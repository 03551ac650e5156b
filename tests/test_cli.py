"""The ``mlcube-nb`` command: bootstrap prints a working key; serve honours MLCUBE_BOOTSTRAP_API_KEY."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

CLI = [sys.executable, "-m", "mlcube_nb.cli"]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLCUBE_")}
    env.update(MLCUBE_HOME=str(home), **extra)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(home: Path, port: int, **extra: str) -> subprocess.Popen:
    proc = subprocess.Popen([*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=_env(home, **extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=5).ok:
                return proc
        except requests.RequestException:  # not listening yet, or too busy to answer: try again
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(proc.communicate()[0])


def test_bootstrap_then_serve(tmp_path: Path) -> None:
    out = subprocess.run([*CLI, "bootstrap", "--username", "alice", "--email", "a@example.com"],
                         env=_env(tmp_path), capture_output=True, text=True, check=True)
    key = out.stdout.strip().splitlines()[-1]
    assert key.startswith("mlc_") and len(key) > 50
    again = subprocess.run([*CLI, "bootstrap", "--username", "alice"], env=_env(tmp_path),
                           capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    assert again != key  # same user, a fresh key each time
    port = _free_port()
    proc = _serve(tmp_path, port)
    try:
        for k in (key, again):
            r = requests.get(f"http://127.0.0.1:{port}/sdk/v1/api-key", headers={"X-Api-Key": k}, timeout=5)
            assert r.status_code == 200 and len(r.json()) == 2
    finally:
        proc.terminate()
        log = proc.communicate(timeout=10)[0]
    assert key not in log and again not in log


def test_serve_with_bootstrap_key(tmp_path: Path) -> None:
    fixed = "scripted-" + secrets.token_urlsafe(32)
    port = _free_port()
    proc = _serve(tmp_path, port, MLCUBE_BOOTSTRAP_API_KEY=fixed)
    try:
        r = requests.post(f"http://127.0.0.1:{port}/sdk/v1/company", headers={"X-Api-Key": fixed},
                          json={"name": "Scripted", "address": "a", "vat": "v"}, timeout=5)
        assert r.status_code == 200, r.text
    finally:
        proc.terminate()
        log = proc.communicate(timeout=10)[0]
    assert fixed not in log
    proc = _serve(tmp_path, port, MLCUBE_BOOTSTRAP_API_KEY=fixed)  # a restart reuses the same user
    try:
        r = requests.get(f"http://127.0.0.1:{port}/sdk/v1/company", headers={"X-Api-Key": fixed}, timeout=5)
        assert r.status_code == 200 and r.json()["name"] == "Scripted"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_demo_runs_the_tour(tmp_path: Path) -> None:
    """What `make demo` runs: the quickstart in the terminal, ending with what drifted, the events and timings."""
    out = subprocess.run([*CLI, "demo"], env=_env(tmp_path), capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stdout + out.stderr
    steps = [line for line in out.stdout.splitlines() if line.lstrip().startswith("✓")]
    assert len(steps) == 10 and all(line.rstrip().endswith(" s)") for line in steps)  # every step, timed
    assert "\r" not in out.stdout + out.stderr  # not a terminal: no progress bar piles up on the step lines
    assert "Production batches" in out.stdout and "DRIFT" in out.stdout
    assert "Events raised: " in out.stdout and "drift_on" in out.stdout
    drifted = next(line for line in out.stdout.splitlines() if line.startswith("What drifted: "))
    assert "input" in drifted and "nothing" not in drifted
    assert "steps in" in out.stdout and "Traceback" not in out.stderr
