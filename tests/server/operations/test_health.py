"""/healthz and /readyz for load balancers, and the separate migration step of a rollout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from mlcube_nb.server.db.engine import make_engine
from mlcube_nb.server.db.migrate import SchemaOutOfDate, current_revision, head_revision
from mlcube_nb.server.embedded import serve_in_thread
from mlcube_nb.server.settings import Settings


def test_healthz_and_readyz_answer_without_a_key(platform) -> None:
    assert requests.get(f"{platform.url}/healthz", timeout=10).json() == {"status": "ok"}
    ready = requests.get(f"{platform.url}/readyz", timeout=10)
    body = ready.json()
    assert ready.status_code == 200 and body["status"] == "ready"
    assert set(body["checks"]) == {"database", "storage", "executor"}
    assert all(check["ok"] and check["ms"] >= 0 for check in body["checks"].values())


def test_readyz_is_503_naming_the_failed_check_when_storage_is_gone(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, storage_url=str(tmp_path / "bucket"), executor="thread:1")
    handle = serve_in_thread(settings)
    try:
        shutil.rmtree(tmp_path / "bucket")
        ready = requests.get(f"{handle.url}/readyz", timeout=10)
        body = ready.json()
        assert ready.status_code == 503 and body["status"] == "not ready"
        assert not body["checks"]["storage"]["ok"] and "FileNotFoundError" in body["checks"]["storage"]["error"]
        assert body["checks"]["database"]["ok"] and body["checks"]["executor"]["ok"]
        assert requests.get(f"{handle.url}/healthz", timeout=10).status_code == 200
    finally:
        handle.stop()


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLCUBE_")}
    return env | {"MLCUBE_HOME": str(home)}


def test_migrate_once_then_servers_that_do_not_migrate(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, migrate_on_start=False, executor="thread:1")
    with pytest.raises(SchemaOutOfDate, match="mlcube-nb migrate"):
        serve_in_thread(settings)
    cli = [sys.executable, "-m", "mlcube_nb.cli", "migrate"]
    first = subprocess.run(cli, env=_env(tmp_path), capture_output=True, text=True, check=True).stdout
    again = subprocess.run(cli, env=_env(tmp_path), capture_output=True, text=True, check=True).stdout
    head = head_revision()
    assert f"empty -> {head}" in first and f"already at {head}" in again
    engine = make_engine(settings.resolved_database_url)
    try:
        assert current_revision(engine) == head
    finally:
        engine.dispose()
    handle = serve_in_thread(settings)
    try:
        assert requests.get(f"{handle.url}/readyz", timeout=10).status_code == 200
    finally:
        handle.stop()
