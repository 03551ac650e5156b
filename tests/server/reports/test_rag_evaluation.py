"""RAG evaluation over HTTP with our client: compute, list, export; validation errors; RBAC; a failed job."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import DataStructure, JobStatus, TaskType, TextLanguage
from mlcube_nb.exceptions import ComputeRagEvaluationReportException, JobFailureException
from mlcube_nb.server.db.engine import make_session_factory
from mlcube_nb.server.db.tables import BatchFileRow, JobRow, ReportRow
from tests.rag_evaluation.xlsx_reader import read_xlsx, records
from tests.server.conftest import Team
from tests.server.data_helpers import tabular
from tests.server.task_helpers import new_task, regression_schema
from tests.wire import assert_error

QUERY = "How many days do I have to return a product for a refund?"
RETURNS = "Products can be returned within 30 days of delivery. The refund reaches the original payment method."
OPENING = "Our stores open at 9am on weekdays. Parking is free for customers with a loyalty card."
SHIPPING = "Shipping is free above 50 euros. Parcels travel with a tracked courier."
SAMPLES = [  # (sample id, timestamp, user input, retrieved context, response)
    ("copy", 100.0, QUERY, f"{OPENING}||{RETURNS}||{SHIPPING}", RETURNS),
    ("offtopic", 101.0, QUERY, f"{OPENING}||{SHIPPING}", "I don't know."),
    ("nocontext", 102.0, "What is the warranty period?", None, "The warranty period is 2 years."),
    ("wrongnumber", 103.0, "What is the warranty period?", "The warranty period is 2 years for all devices.",
     "The warranty period is 5 years."),
    ("later", 500.0, QUERY, RETURNS, RETURNS),  # outside the evaluated range
]


def _client(wire: Any) -> ML3PlatformClient:
    return ML3PlatformClient(wire.url, wire.api_key, timeout=60)


def _rag_task(client: ML3PlatformClient, project_id: str, samples: list[tuple] = SAMPLES) -> tuple[str, str]:
    """A RAG task (template schema, ``||`` separator), a model, and production data with responses."""
    task_id = client.create_task(project_id=project_id, name=f"rag-{secrets.token_hex(3)}", tags=[],
                                 task_type=TaskType.RAG, data_structure=DataStructure.TEXT,
                                 text_language=TextLanguage.ENGLISH, rag_contexts_separator="||")
    client.add_data_schema(task_id, client.get_data_schema_template(task_id))
    model_id = client.create_model(task_id=task_id, name="bot", version="v1", with_probabilistic_output=False,
                                   metric_name=None)
    frame = pd.DataFrame(samples, columns=["sample_id", "timestamp", "user_input", "retrieved_context", "response"])
    inputs = frame[["sample_id", "timestamp", "user_input", "retrieved_context"]]
    predictions = frame[["sample_id", "timestamp", "response"]].rename(columns={"response": "bot@v1"})
    client.wait_job_completion(client.add_production_data(task_id, inputs=tabular(inputs),
                                                          predictions=[(model_id, tabular(predictions))]))
    return task_id, model_id


def _counts(team: Team) -> dict[str, int]:
    with make_session_factory(team.platform.handle.engine)() as session:
        return {"reports": int(session.scalar(select(func.count()).select_from(ReportRow)) or 0),
                "jobs": int(session.scalar(select(func.count()).select_from(JobRow).where(
                    JobRow.job_group == "compute_rag_evaluation_report")) or 0)}


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)


def test_compute_list_and_export_a_report(team: Team, tmp_path: Path) -> None:
    client = _client(team.owner)
    task_id, _ = _rag_task(client, team.project_id)
    job_id = _client(team.p_user).compute_rag_evaluation_report(task_id, "first week", 100.0, 103.0)
    client.wait_job_completion(job_id)
    reports = client.get_rag_evaluation_reports(task_id)
    assert len(reports) == 1
    report = reports[0]
    assert (report.name, report.status) == ("first week", JobStatus.COMPLETED)
    assert (report.from_datetime, report.to_datetime) == (_utc(100.0), _utc(103.0))
    assert report.judge is not None and (report.judge.kind, report.judge.failed_samples) == ("offline", 0)
    assert "negation" in report.judge.sees and "paraphrase" in report.judge.cannot_see
    assert client.get_job(job_id).job_group == "compute_rag_evaluation_report"

    client.export_rag_evaluation_report(report.id, str(tmp_path / "out"), "weekly")
    path = tmp_path / "out" / "weekly.xlsx"
    sheets = read_xlsx(path.read_bytes())
    assert list(sheets) == ["samples", "summary", "judge"]
    assert {row[0]: row[1] for row in sheets["judge"][1:]}["judge"] == "offline (word overlap and rules)"
    rows = {r["sample_id"]: r for r in records(sheets["samples"])}
    assert set(rows) == {"copy", "offtopic", "nocontext", "wrongnumber"}  # "later" is outside the range
    copy, offtopic, nocontext, wrong = rows["copy"], rows["offtopic"], rows["nocontext"], rows["wrongnumber"]
    assert copy["timestamp"] == 100.0 and copy["user_input"] == QUERY and copy["response"] == RETURNS
    assert copy["attribution"] == "2" and copy["faithfulness"] == 5 and copy["relevance"] >= 4
    assert copy["relevance"] > offtopic["relevance"] and copy["usefulness"] > offtopic["usefulness"]
    assert offtopic["satisfaction"] == 1 and "declines" in offtopic["satisfaction_explanation"]
    for metric in ("relevance", "usefulness", "faithfulness"):
        assert nocontext[metric] == 1 and "retrieved context is missing" in nocontext[f"{metric}_explanation"]
    assert nocontext["utilization"] == 0 and nocontext["attribution"] == ""
    assert nocontext["satisfaction"] >= 4
    assert wrong["faithfulness"] < 5 and "numbers not in the context: 5" in wrong["faithfulness_explanation"]
    summary = {r["metric"]: r for r in records(sheets["summary"])}
    assert summary["faithfulness"]["samples"] == 4
    assert summary["faithfulness"]["mean"] == pytest.approx(sum(r["faithfulness"] for r in rows.values()) / 4)

    client.export_rag_evaluation_report(report.id, str(tmp_path), "named.xlsx")  # suffix not doubled
    assert (tmp_path / "named.xlsx").read_bytes()[:2] == b"PK"
    raw = team.p_view.call("GET", f"/rag-evaluation/{report.id}/export")
    assert raw.status_code == 200 and raw.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert read_xlsx(raw.content)["samples"] == sheets["samples"]


def test_bad_requests_are_refused_and_change_nothing(team: Team) -> None:
    client = _client(team.owner)
    task_id, _ = _rag_task(client, team.project_id, SAMPLES[:2])
    regression = new_task(team.owner, team.project_id)
    team.owner.ok("POST", "/data-schema", json={"task_id": regression, "data_schema": {"columns": regression_schema()}})
    bare_rag = new_task(team.owner, team.project_id, "rag", "text")
    before = _counts(team)

    def body(**over: Any) -> dict:
        return {"task_id": task_id, "report_name": "r", "from_timestamp": 100.0, "to_timestamp": 101.0} | over

    cases = [
        (body(task_id=regression), 400, "INVALID_PARAMETERS", "only available for RAG tasks"),
        (body(from_timestamp=1000.0, to_timestamp=2000.0), 400, "INVALID_PARAMETERS", "No samples"),
        (body(from_timestamp=101.0, to_timestamp=100.0), 400, "INVALID_PARAMETERS", "is after"),
        (body(from_timestamp=1e300), 422, "INVALID_REQUEST", "from_timestamp"),  # past year 9999: the model's bound
        (body(task_id="nope"), 404, "TASK_NOT_FOUND", "not found"),
        (body(task_id=bare_rag), 404, "SCHEMA_NOT_FOUND", "no data schema"),
        (body(report_name="  "), 422, "INVALID_REQUEST", "report_name"),
        ({"task_id": task_id, "report_name": "r"}, 422, "INVALID_REQUEST", "from_timestamp"),
    ]
    for payload, status, code, words in cases:
        error = assert_error(team.owner.call("POST", "/rag-evaluation", json=payload), status, code)
        assert words in error["errorMessage"], (payload, error)
    assert _counts(team) == before
    assert client.get_rag_evaluation_reports(task_id) == []
    assert_error(team.owner.call("GET", "/rag-evaluation/nope/export"), 404, "REPORT_NOT_FOUND")
    assert_error(team.owner.call("GET", "/task/nope/rag-evaluation"), 404, "TASK_NOT_FOUND")
    with pytest.raises(ComputeRagEvaluationReportException) as caught:
        client.compute_rag_evaluation_report(regression, "r", 0.0, 1.0)
    assert caught.value.error_code == "INVALID_PARAMETERS"


def test_roles_and_other_companies(team: Team) -> None:
    task_id, _ = _rag_task(_client(team.owner), team.project_id, SAMPLES[:2])
    body = {"task_id": task_id, "report_name": "r", "from_timestamp": 100.0, "to_timestamp": 101.0}
    before = _counts(team)
    for wire, status in ((team.p_view, 403), (team.member, 403), (team.none, 403), (team.outsider, 404)):
        assert_error(wire.call("POST", "/rag-evaluation", json=body), status)
    assert _counts(team) == before
    job_id = team.p_admin.ok("POST", "/rag-evaluation", json=body)
    _client(team.owner).wait_job_completion(job_id)
    reports = team.p_view.ok("GET", f"/task/{task_id}/rag-evaluation")
    assert [r["status"] for r in reports] == ["completed"]
    report_id = reports[0]["id"]
    for wire in (team.admin, team.p_user, team.p_view):
        assert wire.call("GET", f"/rag-evaluation/{report_id}/export").status_code == 200
    for wire, status, code in ((team.member, 403, "FORBIDDEN"), (team.outsider, 404, "TASK_NOT_FOUND")):
        assert_error(wire.call("GET", f"/task/{task_id}/rag-evaluation"), status, code)
    assert_error(team.member.call("GET", f"/rag-evaluation/{report_id}/export"), 403, "FORBIDDEN")
    assert_error(team.outsider.call("GET", f"/rag-evaluation/{report_id}/export"), 404, "REPORT_NOT_FOUND")


def test_a_failed_computation_leaves_the_report_in_error(team: Team) -> None:
    client = _client(team.owner)
    task_id, model_id = _rag_task(client, team.project_id, SAMPLES[:2])
    with make_session_factory(team.platform.handle.engine)() as session:
        paths = list(session.scalars(select(BatchFileRow.path).where(BatchFileRow.task_id == task_id,
                                                                     BatchFileRow.model_id == model_id)))
    storage_root = Path(team.platform.handle.settings.resolved_storage_url)
    for path in paths:  # the predictions become unreadable: only the job reads them
        (storage_root / path).write_bytes(b"not parquet")
    job_id = client.compute_rag_evaluation_report(task_id, "broken", 100.0, 101.0)
    with pytest.raises(JobFailureException):
        client.wait_job_completion(job_id)
    [report] = client.get_rag_evaluation_reports(task_id)
    assert report.status == JobStatus.ERROR
    error = assert_error(team.owner.call("GET", f"/rag-evaluation/{report.id}/export"), 409, "CONFLICT")
    assert "computation failed" in error["errorMessage"] and "rag_evaluation pipeline failed" in error["errorMessage"]
    with make_session_factory(team.platform.handle.engine)() as session:
        row = session.get(ReportRow, report.id)
        assert row is not None and row.status == "error" and row.error and row.result_path is None


def test_the_public_sdk_computes_lists_and_exports(team: Team, tmp_path: Path) -> None:
    sdk = pytest.importorskip("ml3_platform_sdk.client")
    task_id, _ = _rag_task(_client(team.owner), team.project_id, SAMPLES[:2])
    public = sdk.ML3PlatformClient(url=team.platform.url, api_key=team.owner.api_key, timeout=30)
    job_id = public.compute_rag_evaluation_report(task_id=task_id, report_name="v1", from_timestamp=100.0,
                                                  to_timestamp=101.0)
    _client(team.owner).wait_job_completion(job_id)  # v1 polls once a minute
    [item] = public.get_rag_evaluation_reports(task_id=task_id)
    assert (item.name, item.status.value, item.from_datetime) == ("v1", "completed", _utc(100.0))
    public.export_rag_evaluation_report(report_id=item.id, folder=str(tmp_path), file_name="v1")
    rows = records(read_xlsx((tmp_path / "v1.xlsx").read_bytes())["samples"])
    assert [r["sample_id"] for r in rows] == ["copy", "offtopic"]
