"""Topic-modeling reports over HTTP: planted topics come back per sample; validation, failures and RBAC."""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import DataStructure, JobStatus, StoragePolicy, TaskType, TextLanguage
from mlcube_nb.exceptions import (
    ComputeTopicModelingReportException,
    GetTopicModelingReportException,
    SDKClientException,
)
from mlcube_nb.server.db.engine import make_session_factory, transaction
from mlcube_nb.server.db.tables import JobRow, ReportRow
from tests.server.data_helpers import regression_columns, tabular
from tests.server.task_helpers import unique
from tests.wire import Wire, assert_error

GROUPS = {
    "billing": "refund invoice charge payment card billing money credit".split(),
    "delivery": "delivery package courier shipping tracking parcel arrived address".split(),
    "account": "password login account email reset username locked profile".split(),
}
NOISE = "today customer service question team".split()


def planted(n: int, start: float, seed: int, groups: list[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """*n* texts at timestamps start, start+1, ..., each from one word group (in turn); returns frame and groups."""
    rng = np.random.default_rng(seed)
    names = groups or list(GROUPS)
    texts, truth = [], []
    for i in range(n):
        group = names[i % len(names)]
        words = [*rng.choice(GROUPS[group], size=int(rng.integers(3, 7))),
                 *rng.choice(NOISE, size=int(rng.integers(0, 3)))]
        texts.append("Hello, the " + " ".join(words) + " is for my request.")
        truth.append(group)
    frame = pd.DataFrame({"sample_id": [f"s{seed}_{i}" for i in range(n)],
                          "timestamp": start + np.arange(n, dtype=float), "text": texts})
    return frame, truth


def company_client(platform) -> tuple[ML3PlatformClient, Wire, str]:
    """A new company's owner, as our client and as raw HTTP, and a project of it."""
    _, key = platform.new_user("topics")
    client = ML3PlatformClient(platform.url, key, timeout=60)
    client.create_company(name="Topics Co", address="1 Road", vat="IT1")
    project_id = client.create_project(name=unique("p"), description=None, default_storage_policy=StoragePolicy.MLCUBE)
    return client, Wire(platform.url, key), project_id


def text_task(client: ML3PlatformClient, project_id: str, task_type: TaskType = TaskType.CLUSTERING) -> str:
    """A text task with the platform's template schema."""
    task_id = client.create_task(project_id=project_id, name=unique(), tags=[], task_type=task_type,
                                 data_structure=DataStructure.TEXT, text_language=TextLanguage.ENGLISH)
    client.add_data_schema(task_id, client.get_data_schema_template(task_id))
    return task_id


def reports_of(platform, task_id: str) -> list[ReportRow]:
    with make_session_factory(platform.handle.engine)() as session:
        return list(session.scalars(select(ReportRow).where(ReportRow.task_id == task_id)))


def jobs_of(platform, task_id: str) -> int:
    with make_session_factory(platform.handle.engine)() as session:
        return int(session.scalar(select(func.count()).select_from(JobRow).where(JobRow.task_id == task_id)) or 0)


def test_planted_topics_of_production_texts_in_the_range(platform) -> None:
    client, _, project_id = company_client(platform)
    task_id = text_task(client, project_id)
    inside, truth = planted(90, 0.0, seed=1)
    outside, _ = planted(30, 1000.0, seed=2, groups=["billing"])
    client.wait_job_completion(client.add_production_data(task_id, inputs=tabular(inside)))
    client.wait_job_completion(client.add_production_data(task_id, inputs=tabular(outside)))

    job_id = client.compute_topic_modeling_report(task_id, "first look", 0.0, 89.0)
    client.wait_job_completion(job_id)

    [item] = client.get_topic_modeling_reports(task_id)
    assert (item.name, item.status) == ("first look", JobStatus.COMPLETED)
    assert item.from_date == datetime.fromtimestamp(0.0, tz=timezone.utc)
    assert item.to_date == datetime.fromtimestamp(89.0, tz=timezone.utc)
    details = client.get_topic_modeling_report(item.id)
    assert details.id == item.id and details.status == JobStatus.COMPLETED
    assert details.sample_ids == inside["sample_id"].tolist()  # only the range, in time order
    pairs = Counter(zip(truth, details.topics, strict=True))
    assert len(pairs) == 3 and set(pairs.values()) == {30}  # each planted group is exactly one topic
    for group, label in pairs:
        assert set(label.split(" · ")) <= set(GROUPS[group]), label

    [row] = reports_of(platform, task_id)
    assert row.job_id == job_id and row.kind == "topic_modeling" and row.status == "completed"
    summary = row.summary
    assert summary["n_topics"] == 3 and summary["n_documents"] == 90 and summary["text_columns"] == ["text"]
    assert {t["label"] for t in summary["topics"]} == set(details.topics)
    assert all(t["share"] == pytest.approx(1 / 3, abs=1e-6) and len(t["words"]) == len(t["weights"])
               for t in summary["topics"])


def test_rag_task_models_only_the_user_input(platform) -> None:
    client, _, project_id = company_client(platform)
    task_id = text_task(client, project_id, TaskType.RAG)
    frame, truth = planted(60, 0.0, seed=3)
    contexts, _ = planted(60, 0.0, seed=4, groups=["account", "billing", "delivery"])  # shifted groups
    inputs = pd.DataFrame({"sample_id": frame["sample_id"], "timestamp": frame["timestamp"],
                           "user_input": frame["text"], "retrieved_context": contexts["text"]})
    client.wait_job_completion(client.add_production_data(task_id, inputs=tabular(inputs)))
    client.wait_job_completion(client.compute_topic_modeling_report(task_id, "rag", 0.0, 59.0))
    [item] = client.get_topic_modeling_reports(task_id)
    details = client.get_topic_modeling_report(item.id)
    pairs = Counter(zip(truth, details.topics, strict=True))
    assert len(pairs) == 3 and set(pairs.values()) == {20}
    assert reports_of(platform, task_id)[0].summary["text_columns"] == ["user_input"]


def test_bad_requests_are_refused_and_change_nothing(platform) -> None:
    client, wire, project_id = company_client(platform)
    task_id = text_task(client, project_id)
    frame, _ = planted(30, 0.0, seed=5)
    client.wait_job_completion(client.add_production_data(task_id, inputs=tabular(frame)))
    tabular_task = client.create_task(project_id=project_id, name=unique(), tags=[], task_type=TaskType.REGRESSION,
                                      data_structure=DataStructure.TABULAR)
    from mlcube_nb.models import DataSchema

    client.add_data_schema(tabular_task, DataSchema(columns=regression_columns()))
    no_schema = client.create_task(project_id=project_id, name=unique(), tags=[], task_type=TaskType.CLUSTERING,
                                   data_structure=DataStructure.TEXT, text_language=TextLanguage.ENGLISH)
    jobs_before = jobs_of(platform, task_id)

    def body(**over: object) -> dict:
        return {"task_id": task_id, "report_name": "r", "from_timestamp": 0.0, "to_timestamp": 29.0, **over}

    cases = [
        (body(task_id=tabular_task), 400, "INVALID_PARAMETERS", "text"),
        (body(from_timestamp=500.0, to_timestamp=600.0), 400, "INVALID_PARAMETERS", "no samples"),
        (body(from_timestamp=10.0, to_timestamp=5.0), 400, "INVALID_PARAMETERS", "is after to_timestamp"),
        (body(report_name="   "), 422, "INVALID_REQUEST", None),
        (body(task_id="nope"), 404, "TASK_NOT_FOUND", None),
        (body(task_id=no_schema), 404, "SCHEMA_NOT_FOUND", None),
    ]
    for request, status, code, words in cases:
        error = assert_error(wire.call("POST", "/topic-modeling", json=request), status, code)
        assert words is None or words in error["errorMessage"], error
    for task in (task_id, tabular_task, no_schema):
        assert reports_of(platform, task) == []
    assert jobs_of(platform, task_id) == jobs_before and jobs_of(platform, tabular_task) == 0
    with pytest.raises(ComputeTopicModelingReportException) as err:
        client.compute_topic_modeling_report(tabular_task, "r", 0.0, 1.0)
    assert err.value.error_code == "INVALID_PARAMETERS"
    assert_error(wire.call("GET", "/topic-modeling/unknown"), 404, "REPORT_NOT_FOUND")
    assert_error(wire.call("GET", "/task/unknown/topic-modeling"), 404, "TASK_NOT_FOUND")
    with pytest.raises(SDKClientException) as err:
        client.get_topic_modeling_report("unknown")
    assert err.value.error_code == "REPORT_NOT_FOUND"


def _report_with_job(platform, task_id: str, project_id: str, **job: object) -> str:
    """A report row whose job is in the given state (as a running or failed job leaves it)."""
    with transaction(make_session_factory(platform.handle.engine)) as session:
        row = JobRow(job_group="compute_topic_modeling_report", pipeline="topic_modeling", project_id=project_id,
                     task_id=task_id, queue_key=f"test:{secrets.token_hex(4)}", seq=1, payload={}, **job)
        session.add(row)
        session.flush()
        report = ReportRow(kind="topic_modeling", task_id=task_id, name="pending", status="idle",
                           from_timestamp=0.0, to_timestamp=1.0, job_id=row.id, summary={})
        session.add(report)
        session.flush()
        return report.id


def test_running_and_failed_reports_are_not_readable_yet(platform) -> None:
    client, wire, project_id = company_client(platform)
    task_id = text_task(client, project_id)
    now = datetime.now(timezone.utc)
    running = _report_with_job(platform, task_id, project_id, status="starting", claimed_by="elsewhere:1:x",
                               heartbeat_at=now + timedelta(hours=1))
    failed = _report_with_job(platform, task_id, project_id, status="error", error="topic_modeling pipeline "
                              "failed in step model_topics: OSError: disk full", finished_at=now)
    statuses = {r.id: r.status for r in client.get_topic_modeling_reports(task_id)}
    assert statuses == {running: JobStatus.STARTING, failed: JobStatus.ERROR}
    assert "still starting" in assert_error(wire.call("GET", f"/topic-modeling/{running}"), 409, "CONFLICT")[
        "errorMessage"]
    assert "disk full" in assert_error(wire.call("GET", f"/topic-modeling/{failed}"), 409, "CONFLICT")["errorMessage"]
    with pytest.raises(GetTopicModelingReportException):
        client.get_topic_modeling_report(failed)
    rows = {r.id: r for r in reports_of(platform, task_id)}
    assert rows[failed].status == "error" and "disk full" in rows[failed].error


def test_viewers_read_workers_compute_other_companies_see_nothing(platform, team) -> None:
    owner = ML3PlatformClient(platform.url, team.owner.api_key, timeout=60)
    task_id = text_task(owner, team.project_id)
    frame, _ = planted(30, 0.0, seed=6)
    owner.wait_job_completion(owner.add_production_data(task_id, inputs=tabular(frame)))
    body = {"task_id": task_id, "report_name": "r", "from_timestamp": 0.0, "to_timestamp": 29.0}

    assert_error(team.p_view.call("POST", "/topic-modeling", json=body), 403)
    assert_error(team.member.call("POST", "/topic-modeling", json=body), 403)
    assert_error(team.outsider.call("POST", "/topic-modeling", json=body), 404, "TASK_NOT_FOUND")
    assert reports_of(platform, task_id) == []
    job_id = team.p_user.ok("POST", "/topic-modeling", json=body)
    owner.wait_job_completion(job_id)
    [report] = reports_of(platform, task_id)

    listed = team.p_view.ok("GET", f"/task/{task_id}/topic-modeling")
    assert [r["id"] for r in listed] == [report.id] and listed[0]["status"] == "completed"
    assert set(listed[0]) == {"id", "creation_datetime", "name", "status", "from_date", "to_date"}
    details = team.p_view.ok("GET", f"/topic-modeling/{report.id}")
    assert details["sample_ids"] == frame["sample_id"].tolist() and len(details["topics"]) == 30
    assert_error(team.outsider.call("GET", f"/task/{task_id}/topic-modeling"), 404, "TASK_NOT_FOUND")
    assert_error(team.outsider.call("GET", f"/topic-modeling/{report.id}"), 404, "REPORT_NOT_FOUND")
    assert_error(team.none.call("GET", f"/topic-modeling/{report.id}"), 403)
    assert_error(team.member.call("GET", f"/task/{task_id}/topic-modeling"), 403)
