"""The bad-input catalogue: each input an attacker or a careless user sends gets a 4xx, an error code and a
message a person can act on, and nothing is stored (rows in the database, files in storage and staging).

Two families: request bodies and queries (``REQUESTS``), and uploaded data files (``FILES``), each
uploaded through a real slot and then named by ``POST /data/production``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
import requests
from sqlalchemy import func, select, update

from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.engine import make_session_factory, transaction
from mlcube_nb.server.db.tables import (
    BatchFileRow,
    BatchRow,
    CredentialsRow,
    DetectionEventRuleRow,
    JobRow,
    KpiRow,
    ModelRow,
    ProjectRow,
    TaskRow,
    UploadRow,
)
from tests.server.data_helpers import Ctx, files_under, make_ctx
from tests.wire import Wire

COUNTED = (TaskRow, ModelRow, ProjectRow, CredentialsRow, DetectionEventRuleRow, KpiRow, BatchRow, BatchFileRow,
           JobRow, UploadRow)
_PRINTABLE = re.compile(r"^[\t\n\x20-\x7e\u00a0-\u2027\u2030-\uffff]*$")


@pytest.fixture(scope="module")
def ctx(platform) -> Ctx:
    return make_ctx(platform)


def _stored(ctx: Ctx) -> dict[str, int]:
    """Rows of every table a request could write, and files in storage and upload staging."""
    with make_session_factory(ctx.engine)() as session:
        counts = {row.__tablename__: int(session.scalar(select(func.count()).select_from(row)) or 0)
                  for row in COUNTED}
    staged = files_under(ctx.storage_root / "staging")
    counts["storage files"] = len(files_under(ctx.storage_root)) - len(staged)
    counts["staged files"] = len(staged)
    return counts


def _assert_actionable(response: requests.Response, status: int | tuple[int, ...], code: str,
                       words: tuple[str, ...]) -> dict[str, str]:
    statuses = (status,) if isinstance(status, int) else status
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    body = response.json()
    assert body["errorCode"] == code, body
    message = body["errorMessage"]
    assert 15 < len(message) < 1500, message
    assert _PRINTABLE.match(message), f"the message carries control or binary characters: {message!r}"
    for word in words:
        assert word.lower() in message.lower(), (word, message)
    return body


# --- request bodies and queries ------------------------------------------------------------------------------

@dataclass
class Bad:
    """One bad request: how to send it, and the status, error code and words of the answer."""

    name: str
    send: Callable[[Ctx, Wire], requests.Response]
    status: int | tuple[int, ...]
    code: str
    words: tuple[str, ...] = ()


def _raw(ctx: Ctx, method: str, path: str, text: str) -> requests.Response:
    """A body sent byte for byte (for what ``json.dumps`` would not write, like ``1e309``)."""
    return requests.request(method, f"{ctx.platform.url}/sdk/v1{path}", data=text.encode(),
                            headers={"X-Api-Key": ctx.api_key, "Content-Type": "application/json"}, timeout=60)


def _model(ctx: Ctx, **over: Any) -> dict[str, Any]:
    return {"task_id": ctx.task_id, "name": "bad-model", "version": "v1", "metric_name": "rmse",
            "retraining_cost": 0.0, "preferred_suggestion_type": None, "resampled_dataset_size": None,
            "with_probabilistic_output": False, **over}


def _task(ctx: Ctx, **over: Any) -> dict[str, Any]:
    return {"project_id": ctx.project_id, "name": "bad-task", "tags": [], "task_type": "classification_binary",
            "data_structure": "tabular", "cost_info": None, "optional_target": False, **over}


def _slot_query(ctx: Ctx, **over: Any) -> dict[str, Any]:
    return {"task_id": ctx.task_id, "data_structure": "tabular", "storing_data_type": "production",
            "file_name": "batch.csv", "file_type": "csv", "is_folder": "False", "file_checksum": "0" * 64,
            "data_category": "input", **over}


def _status(ctx: Ctx, **over: Any) -> dict[str, Any]:
    return {"task_id": ctx.task_id, "monitoring_target": "input", **over}


def _nested(depth: int) -> str:
    return '{"task_id": "t", "name": ' + "[" * depth + "]" * depth + "}"


REQUESTS = [
    # D3-D6: numbers outside what the database, the JSON answers or the maths can hold
    Bad("D3 resampled_dataset_size 2**63", lambda c, w: w.call("POST", "/model", json=_model(
        c, preferred_suggestion_type="resampled_dataset", resampled_dataset_size=2**63)),
        422, "INVALID_REQUEST", ("resampled_dataset_size",)),
    Bad("D4 positive_class 2**70", lambda c, w: w.call("POST", "/task", json=_task(c, positive_class=2**70)),
        422, "INVALID_REQUEST", ("positive_class",)),
    Bad("D5 retraining_cost 1e309", lambda c, w: _raw(c, "POST", "/model", json.dumps(_model(c)).replace(
        '"retraining_cost": 0.0', '"retraining_cost": 1e309')), 422, "INVALID_REQUEST", ("retraining_cost", "finite")),
    Bad("D5 retraining_cost Infinity", lambda c, w: _raw(c, "POST", "/model", json.dumps(_model(c)).replace(
        '"retraining_cost": 0.0', '"retraining_cost": Infinity')), 422, "INVALID_REQUEST", ("retraining_cost",)),
    Bad("D6 retraining_cost NaN", lambda c, w: _raw(c, "POST", "/model", json.dumps(_model(c)).replace(
        '"retraining_cost": 0.0', '"retraining_cost": NaN')), 422, "INVALID_REQUEST", ("retraining_cost",)),
    Bad("negative retraining_cost", lambda c, w: w.call("POST", "/model", json=_model(c, retraining_cost=-1)),
        400, "INVALID_PARAMETERS", ("retraining_cost",)),
    Bad("retraining_cost 1e300", lambda c, w: w.call("POST", "/model", json=_model(c, retraining_cost=1e300)),
        422, "INVALID_REQUEST", ("retraining_cost",)),
    Bad("cost_info with infinity", lambda c, w: _raw(c, "POST", "/task", json.dumps(_task(
        c, cost_info={"currency": "euro", "false_positive_cost": 1.0, "false_negative_cost": 2.0})).replace(
        '"false_negative_cost": 2.0', '"false_negative_cost": -Infinity')), 422, "INVALID_REQUEST", ("cost",)),
    Bad("reference interval at infinity", lambda c, w: _raw(c, "POST", "/model/reference", json.dumps(
        {"model_id": c.model_id, "default_reference": {"time_intervals": [[0.0, 1.0]], "segment_id": None},
         "segment_references": None}).replace("[[0.0, 1.0]]", "[[0.0, 1e400]]")),
        422, "INVALID_REQUEST", ("time_intervals",)),
    Bad("wait_s of a billion seconds", lambda c, w: w.call("GET", "/job/" + "0" * 32, params={"wait_s": "1e9"}),
        422, "INVALID_REQUEST", ("wait_s",)),
    # D2 for bodies: nesting measured before parsing
    Bad("body nested 100,000 levels", lambda c, w: _raw(c, "POST", "/model", _nested(100_000)),
        400, "INVALID_REQUEST", ("nested",)),
    # characters that hide or spoof text, and lengths no name needs
    Bad("NUL in a task name", lambda c, w: w.call("POST", "/task", json=_task(c, name="a\x00b")),
        422, "INVALID_REQUEST", ("name", "control")),
    Bad("bidi override in a model name", lambda c, w: w.call("POST", "/model", json=_model(
        c, name="evil\u202egpj.exe")),
        422, "INVALID_REQUEST", ("name", "U+202E")),
    Bad("newline in a project name", lambda c, w: w.call("POST", "/project", json={
        "name": "a\nb", "description": None, "default_storage_policy": "mlcube"}), 422, "INVALID_REQUEST", ("name",)),
    Bad("NUL in a task id", lambda c, w: w.call("POST", "/model", json=_model(c, task_id=c.task_id + "\x00")),
        422, "INVALID_REQUEST", ("task_id",)),
    Bad("10,000 tags", lambda c, w: w.call("POST", "/task", json=_task(c, tags=[f"t{i}" for i in range(10_000)])),
        422, "INVALID_REQUEST", ("tags",)),
    Bad("100k-character file_name", lambda c, w: w.call("GET", "/data/presigned-url", params=_slot_query(
        c, file_name="f" * 100_000 + ".csv")), (414, 422, 431), "INVALID_REQUEST"),
    Bad("10k-character file_name", lambda c, w: w.call("GET", "/data/presigned-url", params=_slot_query(
        c, file_name="f" * 10_000 + ".csv")), 422, "INVALID_REQUEST", ("file_name",)),
    Bad("control character in file_name", lambda c, w: w.call("GET", "/data/presigned-url", params=_slot_query(
        c, file_name="a\x1bb.csv")), 422, "INVALID_REQUEST", ("file_name",)),
    Bad("100k-character secret", lambda c, w: w.call("POST", "/integration/aws-compatible/credentials", json={
        "name": "s3", "default": False, "project_id": c.project_id, "access_key_id": "AKIA",
        "secret_access_key": "s" * 100_000, "endpoint_url": None}), 422, "INVALID_REQUEST", ("secret_access_key",)),
    # the usual suspects: wrong types, missing fields, wrong enum values, unknown ids
    Bad("wrong type: name is a number", lambda c, w: w.call("POST", "/model", json=_model(c, name=12)),
        422, "INVALID_REQUEST", ("name",)),
    Bad("missing field", lambda c, w: w.call("POST", "/task", json={"project_id": c.project_id, "name": "x"}),
        422, "INVALID_REQUEST", ("task_type",)),
    Bad("wrong enum value", lambda c, w: w.call("POST", "/task", json=_task(c, task_type="banana")),
        422, "INVALID_REQUEST", ("task_type",)),
    Bad("not JSON at all", lambda c, w: _raw(c, "POST", "/task", "{not json"), 422, "INVALID_REQUEST"),
    Bad("unknown task id", lambda c, w: w.call("POST", "/model", json=_model(c, task_id="0" * 32)),
        404, "TASK_NOT_FOUND", ("task",)),
    Bad("unknown segment_id", lambda c, w: w.call("GET", "/sdk-monitoring-status", params=_status(
        c, segment_id="nonexistent")), 404, "NOT_FOUND", ("segment_id", "nonexistent")),
    Bad("word_error_rate on a tabular regression", lambda c, w: w.call("GET", "/sdk-monitoring-status", params=_status(
        c, monitoring_target="word_error_rate")), 400, "INVALID_PARAMETERS", ("word_error_rate", "ocr")),
    Bad("word_error_rate history of a tabular regression", lambda c, w: w.call(
        "GET", f"/task/{c.task_id}/monitoring-history", params={"monitoring_target": "word_error_rate"}),
        400, "INVALID_PARAMETERS", ("word_error_rate",)),
    Bad("unknown storing_process_id", lambda c, w: w.call("POST", "/data/production", json={
        "task_id": c.task_id, "inputs": {"data_structure": "tabular", "source": {"storing_process_id": "nope"}}}),
        400, "UPLOAD_EXPIRED", ("storing_process_id", "upload")),
]


@pytest.mark.parametrize("bad", REQUESTS, ids=[b.name for b in REQUESTS])
def test_bad_request_gets_an_actionable_4xx_and_stores_nothing(ctx: Ctx, bad: Bad) -> None:
    before = _stored(ctx)
    _assert_actionable(bad.send(ctx, Wire(ctx.platform.url, ctx.api_key)), bad.status, bad.code, bad.words)
    assert _stored(ctx) == before


# --- uploaded data files ---------------------------------------------------------------------------------------

HEADER = "id,ts,x1,x2,color\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def _deep_json(depth: int) -> bytes:
    return b'[{"id": "a", "ts": 1.0, "x1": ' + b"[" * depth + b"]" * depth + b', "x2": 1.0, "color": "a"}]'


@dataclass
class BadFile:
    """A data file and the words the refusal must hold."""

    name: str
    data: Callable[[], bytes]
    words: tuple[str, ...]
    file_type: str = "csv"
    code: str = "INVALID_DATA"
    prepare: Callable[[Ctx, dict[str, Any]], None] | None = field(default=None)


def _expire(ctx: Ctx, slot: dict[str, Any]) -> None:
    with transaction(make_session_factory(ctx.engine)) as session:
        session.execute(update(UploadRow).where(UploadRow.id == slot["storing_process_id"])
                        .values(expires_at=utcnow() - timedelta(seconds=1)))


FILES = [
    BadFile("D2 JSON nested 100,000 levels", lambda: _deep_json(100_000), ("nested",), file_type="json"),
    BadFile("D2 JSON Lines nested 1,000,000 levels on line 2",
            lambda: b'{"id": "a"}\n{"id": ' + b"[" * 1_000_000 + b"]" * 1_000_000 + b"}\n", ("nested",),
            file_type="json"),
    BadFile("D7 CSV with a header and no rows", lambda: _csv(), ("no data rows",)),
    BadFile("empty file", lambda: b"", ("csv",)),
    BadFile("33 MB field in one line", lambda: HEADER.encode() + b"a,1.0,1.0,1.0," + b"z" * (33 << 20) + b"\n"
            + b"b,2.0,1.0,1.0,a\n", ("longer than", "MiB")),
    BadFile("1 MB bad category value is not echoed whole", lambda: HEADER.encode() + b"a,1.0,1.0,1.0,"
            + b"z" * (1 << 20) + b"\n", ("color", "possible_values")),
    BadFile("binary junk", lambda: np.random.default_rng(0).bytes(2 << 20), ("csv",)),
    BadFile("parquet announced, CSV sent", lambda: _csv("a,1.0,1.0,1.0,a"), ("parquet",), file_type="parquet"),
    BadFile("inf in a numeric input", lambda: _csv("a,1.0,inf,1.0,a", "b,2.0,1.0,1.0,b"), ("x1", "infinite", "row 0")),
    BadFile("timestamp -1e300", lambda: _csv("a,-1e300,1.0,1.0,a"), ("ts", "years 1-9999")),
    BadFile("missing column", lambda: b"id,ts,x1\na,1.0,1.0\n", ("missing column", "color")),
    BadFile("duplicated ids", lambda: _csv("a,1.0,1.0,1.0,a", "a,2.0,1.0,1.0,b"), ("id",)),
    BadFile("unparsable timestamp", lambda: _csv("a,yesterday,1.0,1.0,a"), ("ts", "timestamps")),
    BadFile("wrong type", lambda: _csv("a,1.0,abc,1.0,a"), ("x1", "numbers")),
    BadFile("category outside possible_values", lambda: _csv("a,1.0,1.0,1.0,zebra"), ("color", "possible_values")),
    BadFile("D11 slot expired after the upload", lambda: _csv("a,1.0,1.0,1.0,a"), ("expired",), code="UPLOAD_EXPIRED",
            prepare=_expire),
]


def _upload(ctx: Ctx, data: bytes, file_type: str) -> dict[str, Any]:
    wire = Wire(ctx.platform.url, ctx.api_key)
    slot = wire.ok("GET", "/data/presigned-url", params=_slot_query(
        ctx, file_type=file_type, file_name=f"batch.{file_type}", file_checksum=hashlib.sha256(data).hexdigest()))
    posted = requests.post(slot["presigned_url"]["url"], data=slot["presigned_url"]["fields"],
                           files={"file": (f"batch.{file_type}", data)}, timeout=120)
    assert posted.status_code == 204, posted.text
    return slot


@pytest.mark.parametrize("bad", FILES, ids=[b.name for b in FILES])
def test_bad_file_gets_an_actionable_4xx_and_stores_nothing(ctx: Ctx, bad: BadFile) -> None:
    before = _stored(ctx)
    slot = _upload(ctx, bad.data(), bad.file_type)
    if bad.prepare is not None:
        bad.prepare(ctx, slot)
    body = {"task_id": ctx.task_id, "inputs": {"data_structure": "tabular",
                                               "source": {"storing_process_id": slot["storing_process_id"]}}}
    response = Wire(ctx.platform.url, ctx.api_key).call("POST", "/data/production", json=body)
    _assert_actionable(response, 400, bad.code, bad.words)
    assert _stored(ctx) == before, "a refused batch left rows or files behind"


def test_a_used_storing_process_id_is_named_as_used_not_as_foreign(ctx: Ctx) -> None:
    """A consumed slot used to answer "is not an upload of task <its own task>"."""
    slot = _upload(ctx, _csv("used-1,1.0,1.0,1.0,a"), "csv")
    body = {"task_id": ctx.task_id, "inputs": {"data_structure": "tabular",
                                               "source": {"storing_process_id": slot["storing_process_id"]}}}
    wire = Wire(ctx.platform.url, ctx.api_key)
    wire.ok("POST", "/data/production", json=body)
    again = _assert_actionable(wire.call("POST", "/data/production", json=body), 400, "UPLOAD_EXPIRED",
                               ("already used",))
    assert "is not an upload of" not in again["errorMessage"]
