"""Issue 16's defects that are not one bad input: query strings out of the access log (D9), private SQLite
files and Slack webhooks encrypted at rest (D10), slot expiry as a setting checked at add_* time (D11),
the API key as an OpenAPI security scheme, and inputs that once broke a task for good (D4, D5)."""

from __future__ import annotations

import hashlib
import json
import stat
import tempfile
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select, text, update

from mlcube_nb.server.app import create_app
from mlcube_nb.server.db.engine import make_engine, make_session_factory, transaction
from mlcube_nb.server.db.tables import DetectionEventRuleRow
from mlcube_nb.server.embedded import serve_in_thread
from mlcube_nb.server.settings import Settings
from tests.conftest import LogCapture, Platform
from tests.server.data_helpers import Ctx, make_ctx
from tests.server.integration_helpers import SLACK, rule_body
from tests.wire import Wire, assert_error


@pytest.fixture
def ctx(platform) -> Ctx:
    return make_ctx(platform)


def test_access_log_keeps_paths_but_not_query_strings(ctx: Ctx) -> None:
    secret = "mlc_query_secret_" + hashlib.sha256(ctx.api_key.encode()).hexdigest()[:12]
    requests.get(f"{ctx.platform.url}/sdk/v1/company", params={"api_key": secret},
                 headers={"X-Api-Key": ctx.api_key}, timeout=30)
    logs = ctx.platform.logs.text()
    assert "/sdk/v1/company?..." in logs
    assert secret not in logs


def test_sqlite_files_are_private_even_when_an_older_version_left_them_open(tmp_path: Path) -> None:
    database = tmp_path / "old.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").touch(mode=0o644)
        Path(f"{database}{suffix}").chmod(0o644)
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.commit()
    fresh = tmp_path / "fresh.db"
    fresh_engine = make_engine(f"sqlite:///{fresh}")
    with fresh_engine.connect() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.commit()
        for path in (database, fresh, Path(f"{fresh}-wal"), Path(f"{fresh}-shm"), Path(f"{database}-wal")):
            assert path.exists(), path
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))
    engine.dispose()
    fresh_engine.dispose()


def test_platform_database_is_private(platform) -> None:
    if platform.dialect != "sqlite":
        pytest.skip("file modes concern SQLite")
    database = platform.handle.settings.home / "mlcube.db"
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def _rule_row(ctx: Ctx, rule_id: str) -> dict:
    with make_session_factory(ctx.engine)() as session:
        row = session.get(DetectionEventRuleRow, rule_id)
        assert row is not None
        return {"actions": row.actions}


def test_slack_webhook_is_encrypted_at_rest_and_returned_to_readers(ctx: Ctx) -> None:
    wire = Wire(ctx.platform.url, ctx.api_key)
    rule_id = wire.ok("POST", "/task/detection-event/rule", json=rule_body(ctx.task_id, [SLACK]))
    stored = json.dumps(_rule_row(ctx, rule_id))
    assert "hooks.slack.com" not in stored and "webhook_sealed" in stored
    assert wire.ok("GET", f"/task/detection-event/rule/{rule_id}")["actions"] == [SLACK]
    # an update that keeps the actions keeps them sealed
    wire.ok("PATCH", "/task/detection-event/rule", json={"rule_id": rule_id, "name": "renamed"})
    assert "hooks.slack.com" not in json.dumps(_rule_row(ctx, rule_id))
    assert wire.ok("GET", "/task/detection-event/rules", params={"task_id": ctx.task_id})[-1]["actions"] == [SLACK]


def test_a_rule_stored_in_clear_by_an_older_version_still_reads_and_is_sealed_on_its_next_write(ctx: Ctx) -> None:
    wire = Wire(ctx.platform.url, ctx.api_key)
    rule_id = wire.ok("POST", "/task/detection-event/rule", json=rule_body(ctx.task_id, [SLACK]))
    with transaction(make_session_factory(ctx.engine)) as session:
        session.execute(update(DetectionEventRuleRow).where(DetectionEventRuleRow.id == rule_id)
                        .values(actions=[SLACK]))
    assert wire.ok("GET", f"/task/detection-event/rule/{rule_id}")["actions"] == [SLACK]
    wire.ok("PATCH", "/task/detection-event/rule", json={"rule_id": rule_id, "name": "touched"})
    assert "hooks.slack.com" not in json.dumps(_rule_row(ctx, rule_id))
    assert wire.ok("GET", f"/task/detection-event/rule/{rule_id}")["actions"] == [SLACK]


def test_upload_ttl_is_a_setting_and_expiry_is_checked_when_the_upload_is_used(tmp_path: Path) -> None:
    handle = serve_in_thread(Settings(home=tmp_path, executor="inline", upload_ttl_s=1.5, log_level="warning"))
    try:
        ctx = make_ctx(Platform(handle=handle, dialect="sqlite", logs=LogCapture()))
        data = b"id,ts,x1,x2,color\na,1.0,1.0,1.0,a\n"
        wire = Wire(handle.url, ctx.api_key)
        slot = wire.ok("GET", "/data/presigned-url", params={
            "task_id": ctx.task_id, "data_structure": "tabular", "storing_data_type": "production",
            "file_name": "b.csv", "file_type": "csv", "is_folder": "False",
            "file_checksum": hashlib.sha256(data).hexdigest(), "data_category": "input"})
        posted = requests.post(slot["presigned_url"]["url"], data=slot["presigned_url"]["fields"],
                               files={"file": ("b.csv", data)}, timeout=30)
        assert posted.status_code == 204
        time.sleep(1.6)
        body = {"task_id": ctx.task_id, "inputs": {"data_structure": "tabular",
                                                   "source": {"storing_process_id": slot["storing_process_id"]}}}
        error = assert_error(wire.call("POST", "/data/production", json=body), 400, "UPLOAD_EXPIRED")
        assert "expired" in error["errorMessage"]
    finally:
        handle.stop()


def test_upload_ttl_reads_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLCUBE_UPLOAD_TTL_S", "120")
    assert Settings().upload_ttl_s == 120
    monkeypatch.delenv("MLCUBE_UPLOAD_TTL_S")
    assert Settings().upload_ttl_s == 3600


def test_openapi_declares_the_api_key_as_a_header_security_scheme() -> None:
    with tempfile.TemporaryDirectory() as home:
        document = create_app(Settings(home=Path(home), executor="inline")).openapi()
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {"type": "apiKey", "in": "header", "name": "X-Api-Key",
                                 "description": schemes["ApiKey"]["description"]}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            names = [p["name"].lower() for p in operation.get("parameters", [])]
            assert "x-api-key" not in names, (method, path)
            if path.startswith("/sdk/v1") and path != "/sdk/v1/session":
                assert operation.get("security") == [{"ApiKey": []}], (method, path)


def test_a_task_with_a_huge_positive_class_cannot_be_created_so_listings_keep_working(ctx: Ctx) -> None:
    """D4: 2**70 was stored, then GET /task and GET /tasks answered 500 for ever."""
    wire = Wire(ctx.platform.url, ctx.api_key)
    assert_error(wire.call("POST", "/task", json={
        "project_id": ctx.project_id, "name": "huge", "tags": [], "task_type": "classification_binary",
        "data_structure": "tabular", "positive_class": 2**70}), 422, "INVALID_REQUEST")
    assert wire.ok("GET", f"/tasks/{ctx.project_id}")
    with make_session_factory(ctx.engine)() as session:
        assert not session.execute(select(text("1")).select_from(text("tasks")).where(text("name = 'huge'"))).all()


def test_models_of_a_task_stay_readable_after_an_infinite_cost_is_refused(ctx: Ctx) -> None:
    """D5: retraining_cost = 1e309 was stored as infinity and get_models then failed for the whole task."""
    body = json.dumps({"task_id": ctx.task_id, "name": "inf", "version": "v1", "retraining_cost": 0.5})
    response = requests.post(f"{ctx.platform.url}/sdk/v1/model", data=body.replace("0.5", "1e309"),
                             headers={"X-Api-Key": ctx.api_key, "Content-Type": "application/json"}, timeout=30)
    assert_error(response, 422, "INVALID_REQUEST")
    assert [m.name for m in ctx.client.get_models(ctx.task_id)] == ["m"]


def test_engine_of_a_sqlite_file_in_a_missing_folder_is_not_created_here(tmp_path: Path) -> None:
    """The permission fix must not create folders nor hide SQLite's own error."""
    engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    assert not (tmp_path / "missing").exists()
    engine.dispose()
