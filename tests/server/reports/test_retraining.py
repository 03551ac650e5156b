"""Retraining over HTTP (PLATFORM.md §2 rows 21–24, 40–41, §9.1): report, suggestions, a version from one.

The scene: a regression task where y = 2·x1 - x2 + N(0, 0.5) everywhere; historical data and a first
production batch have x1 ~ N(0, 1), the second production batch has x1 shifted by +2 (covariate drift).
So the forecast rmse of a linear model is the noise level (0.5), the new concept is (part of) the second
batch, and old samples with a large x1 must weigh more than those with a small one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import DataStructure, ModelMetricName, SuggestionType, TaskType
from mlcube_nb.exceptions import GetRetrainingReportException, JobFailureException
from mlcube_nb.models import (
    DataSchema,
    RegressionTaskCostInfo,
    ResampledDatasetSuggestion,
    SampleWeightsSuggestion,
)
from mlcube_nb.server.db.engine import make_session_factory
from mlcube_nb.server.db.tables import JobRow, ModelRow, ReferenceRow, ReportRow, SuggestionRow
from mlcube_nb.server.services.reports import retraining
from tests.conftest import Platform
from tests.server.conftest import Team, make_team
from tests.server.data_helpers import inputs_of, regression_columns, tabular, target_of
from tests.server.task_helpers import new_model, new_task
from tests.wire import Wire, assert_error

N_HIST, N_BATCH, NOISE = 1000, 400, 0.5
EXPECTED_COST = 3 * NOISE / np.sqrt(2 * np.pi)  # mean cost of N(0, σ) errors at over 2, under 1


def _frame(n: int, start: float, prefix: str, seed: int, shift: float = 0.0, labelled: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(shift, 1.0, n)
    x2 = rng.normal(0.0, 1.0, n)
    y = 2 * x1 - x2 + rng.normal(0.0, NOISE, n)
    return pd.DataFrame({"id": [f"{prefix}{i}" for i in range(n)], "ts": start + np.arange(n, dtype=float),
                         "x1": x1, "x2": x2, "color": rng.choice(["a", "b", "c"], n), "y": y if labelled else np.nan})


@dataclass
class Scene:
    """A team's regression task with historical data, a reference and two production batches (one drifted)."""

    platform: Platform
    team: Team
    client: ML3PlatformClient
    task_id: str
    model_id: str
    frames: dict[str, pd.DataFrame]
    cache: dict[str, Any] = field(default_factory=dict)

    def wire(self, who: str = "owner") -> Wire:
        return getattr(self.team, who)

    def db(self) -> Any:
        return make_session_factory(self.platform.handle.engine)()

    def count(self, table: Any, **where: Any) -> int:
        with self.db() as session:
            query = select(func.count()).select_from(table)
            for key, value in where.items():
                query = query.where(getattr(table, key) == value)
            return int(session.scalar(query) or 0)

    def snapshot(self) -> tuple[int, int, int, int]:
        """Reports, suggestions, jobs and model versions of the scene's task: what a refused request must not change."""
        return (self.count(ReportRow, task_id=self.task_id), self.count(SuggestionRow),
                self.count(JobRow, task_id=self.task_id), self.count(ModelRow, task_id=self.task_id))

    def report(self) -> Any:
        """The first computed report (computed once per scene)."""
        if "report" not in self.cache:
            job_id = self.client.compute_retraining_report(self.model_id)
            self.client.wait_job_completion(job_id)
            self.cache["job_id"] = job_id
            self.cache["report"] = self.client.get_retraining_report(self.model_id)
        return self.cache["report"]


def _client(platform: Platform, wire: Wire) -> ML3PlatformClient:
    return ML3PlatformClient(platform.url, wire.api_key, timeout=120)


def _labelled_task(client: ML3PlatformClient, project_id: str, frames: dict[str, pd.DataFrame],
                   reference: bool = True) -> tuple[str, str]:
    """A regression task and model with the frames uploaded (hist historical, b* production) and a reference.

    A task whose frames hold no target at all is created with an optional target.
    """
    optional = all(df["y"].isna().all() for df in frames.values())
    task_id = client.create_task(project_id=project_id, name=f"retrain-{secrets.token_hex(3)}", tags=[],
                                 task_type=TaskType.REGRESSION, data_structure=DataStructure.TABULAR,
                                 optional_target=optional)
    client.add_data_schema(task_id, DataSchema(columns=regression_columns()))
    model_id = client.create_model(task_id=task_id, name="m", version="v1", with_probabilistic_output=False,
                                   metric_name=ModelMetricName.RMSE)
    for name, df in frames.items():
        labelled = not df["y"].isna().all()
        parts = {"inputs": tabular(inputs_of(df)), "target": tabular(target_of(df)) if labelled else None}
        if name == "hist":
            job = client.add_historical_data(task_id, **parts)
            client.wait_job_completion(job)
            if reference:
                client.wait_job_completion(client.set_model_reference(model_id, 0, len(df) - 1))
        else:
            client.wait_job_completion(client.add_production_data(task_id, **parts))
    return task_id, model_id


@pytest.fixture(scope="module")
def scene(platform: Platform) -> Scene:
    team = make_team(platform)
    client = _client(platform, team.owner)
    frames = {"hist": _frame(N_HIST, 0, "h", 1), "b1": _frame(N_BATCH, N_HIST, "b1_", 2),
              "b2": _frame(N_BATCH, N_HIST + N_BATCH, "b2_", 3, shift=2.0)}
    task_id, model_id = _labelled_task(client, team.project_id, frames)
    client.update_task(task_id, cost_info=RegressionTaskCostInfo(currency="euro", overestimation_cost=2.0,
                                                                 underestimation_cost=1.0))
    return Scene(platform, team, client, task_id, model_id, frames)


def test_no_report_before_compute_and_nothing_listed(scene: Scene) -> None:
    if "report" in scene.cache:
        pytest.skip("the scene's report was already computed by another test")
    with pytest.raises(GetRetrainingReportException) as info:
        scene.client.get_retraining_report(scene.model_id)
    assert info.value.error_code == "REPORT_NOT_FOUND" and "compute_retraining_report" in info.value.error_message
    assert scene.client.get_suggestions_info(scene.model_id, "v1") == []


def test_report_weighs_the_data_towards_the_drifted_batch(scene: Scene) -> None:
    report = scene.report()
    job = scene.client.get_job(scene.cache["job_id"])
    assert (job.job_group, job.model_id, job.status) == ("compute_retraining_report", scene.model_id, "completed")
    suggestion = report.suggestion
    assert isinstance(suggestion, SampleWeightsSuggestion)
    assert suggestion.suggestion_type is SuggestionType.SAMPLE_WEIGHTS
    n_all = N_HIST + 2 * N_BATCH
    weights = pd.Series(suggestion.sample_weights, index=suggestion.sample_ids)
    assert len(weights) == n_all and set(weights.index) == {i for f in scene.frames.values() for i in f["id"]}
    assert weights.mean() == pytest.approx(1.0) and (weights > 0).all()
    # The drifted batch is the new concept: it weighs most; among old samples, those with a large x1 weigh more.
    hist = scene.frames["hist"].set_index("id")
    assert weights.filter(like="b2_").mean() > 2 * weights.filter(like="h").mean()
    assert np.corrcoef(hist["x1"], weights[hist.index])[0, 1] > 0.5
    assert 1 < report.effective_sample_size < 0.9 * n_all
    # A linear model fits y up to the noise: both forecasts of the rmse sit at the noise level.
    assert report.model_metric_name == "rmse"
    assert report.performance_lower_bound == pytest.approx(NOISE, abs=0.1)
    assert report.performance_upper_bound == pytest.approx(NOISE, abs=0.1)
    assert report.cost_lower_bound == pytest.approx(EXPECTED_COST, rel=0.25)
    assert report.cost_upper_bound == pytest.approx(EXPECTED_COST, rel=0.25)
    with scene.db() as session:
        row = session.get(ReportRow, report.report_id)
        assert row.status == "completed" and row.kind == "retraining" and row.job_id == scene.cache["job_id"]
        assert 0 < row.summary["n_new"] <= N_BATCH and row.summary["new_concept_from"] >= N_HIST + N_BATCH
        assert row.summary["reference_size"] == N_HIST


def test_suggestions_are_listed_and_shown(scene: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    report = scene.report()
    infos = scene.client.get_suggestions_info(scene.model_id, "v1")
    assert [(s.id, s.executed) for s in infos] == [(report.suggestion.suggestion_id, False)]
    scene.client.show_suggestions(scene.model_id, "v1")
    assert report.suggestion.suggestion_id in capsys.readouterr().out
    assert_error(scene.wire().call("GET", f"/suggestions/{scene.model_id}/v404"), 404, "MODEL_NOT_FOUND")


def test_a_new_version_from_the_suggestion_gets_its_samples_as_reference(scene: Scene) -> None:
    report = scene.report()
    suggestion_id = report.suggestion.suggestion_id
    wire = scene.wire()
    body = {"model_id": scene.model_id, "new_model_version": "v1", "suggestion_id": suggestion_id}
    before = scene.snapshot()
    assert_error(wire.call("PATCH", "/model-version-suggestion-id", json=body), 409, "ALREADY_EXISTS")
    assert_error(wire.call("PATCH", "/model-version-suggestion-id", json=body | {"suggestion_id": "nope"}),
                 404, "NOT_FOUND")
    assert_error(wire.call("PATCH", "/model-version-suggestion-id", json=body | {"model_id": "nope"}),
                 404, "MODEL_NOT_FOUND")
    assert scene.snapshot() == before

    job_id = scene.client.update_model_version_by_suggestion_id(scene.model_id, "v2", suggestion_id)
    scene.client.wait_job_completion(job_id)
    new = scene.client.get_model_by_name_and_version(scene.task_id, "m", "v2")
    job = scene.client.get_job(job_id)
    assert (job.job_group, job.model_id) == ("update_model_version_by_suggestion_id", new.model_id)
    with scene.db() as session:
        reference = session.get(ReferenceRow, new.model_id)
        kept = session.get(SuggestionRow, suggestion_id)
        samples = scene.platform.handle.app.state.storage.read([kept.data_path], ["sample_id", "in_reference"])
        expected = samples.filter(samples["in_reference"])
        assert reference is not None and reference.n_rows == len(expected) >= 300
        # The reference follows the new concept: the drifted batch is over-represented in it.
        ids = set(expected["sample_id"].to_pylist())
        assert sum(i.startswith("b2_") for i in ids) / N_BATCH > sum(i.startswith("h") for i in ids) / N_HIST
    assert [s.executed for s in scene.client.get_suggestions_info(scene.model_id, "v1")] == [True]
    assert scene.client.get_suggestions_info(new.model_id, "v2") == []
    before = scene.snapshot()
    assert_error(wire.call("PATCH", "/model-version-suggestion-id", json=body | {"new_model_version": "v3"}),
                 409, "CONFLICT")
    assert scene.snapshot() == before


def test_resampled_dataset_suggestion_follows_the_model_setting(scene: Scene) -> None:
    scene.report()  # the first report exists; a second one with another suggestion type replaces it as latest
    scene.client.set_model_suggestion_type(scene.model_id, SuggestionType.RESAMPLED_DATASET, 700)
    try:
        scene.client.wait_job_completion(scene.client.compute_retraining_report(scene.model_id))
        report = scene.client.get_retraining_report(scene.model_id)
    finally:
        scene.client.set_model_suggestion_type(scene.model_id, SuggestionType.SAMPLE_WEIGHTS)
    suggestion = report.suggestion
    assert isinstance(suggestion, ResampledDatasetSuggestion)
    assert sum(suggestion.sample_counts) == 700 and min(suggestion.sample_counts) >= 1
    assert len(set(suggestion.sample_ids)) == len(suggestion.sample_ids)
    drawn = pd.Series(suggestion.sample_counts, index=suggestion.sample_ids)
    assert drawn.filter(like="b2_").sum() / N_BATCH > drawn.filter(like="h").sum() / N_HIST
    assert report.report_id != scene.cache["report"].report_id
    assert len(scene.client.get_suggestions_info(scene.model_id, "v1")) == 2


def test_compute_refuses_models_that_cannot_have_a_report(scene: Scene) -> None:
    wire, project = scene.wire(), scene.team.project_id
    before = scene.snapshot()
    assert_error(wire.call("POST", "/retraining-report", json={"model_id": "nope"}), 404, "MODEL_NOT_FOUND")
    assert_error(wire.call("POST", "/retraining-report", json={}), 422)
    assert_error(wire.call("GET", "/retraining-report"), 422)
    assert scene.snapshot() == before
    # RAG: the module is not available.
    rag_task = new_task(wire, project, "rag", "text")
    body = assert_error(wire.call("POST", "/retraining-report", json={"model_id": new_model(wire, rag_task)}), 400,
                        "INVALID_PARAMETERS")
    assert "RAG" in body["errorMessage"]
    # No reference yet; then a reference but no production data; then no target at all.
    hist = _frame(N_HIST, 0, "h", 1)
    for frames, reference, words in (({"hist": hist}, False, "no reference"),
                                      ({"hist": hist}, True, "no production data"),
                                      ({"hist": hist.assign(y=np.nan)}, True, "no stored targets")):
        task_id, model_id = _labelled_task(scene.client, project, frames, reference=reference)
        body = assert_error(wire.call("POST", "/retraining-report", json={"model_id": model_id}), 400,
                            "INVALID_PARAMETERS")
        assert words in body["errorMessage"], body
        with scene.db() as session:
            assert session.scalar(select(func.count()).select_from(ReportRow).where(ReportRow.task_id == task_id)) == 0
            assert session.scalar(select(func.count()).select_from(JobRow).where(
                JobRow.job_group == "compute_retraining_report", JobRow.task_id == task_id)) == 0


def test_a_failed_job_leaves_the_report_in_error_with_the_reason(scene: Scene) -> None:
    frames = {"hist": _frame(N_HIST, 0, "h", 1), "b1": _frame(N_BATCH, N_HIST, "u_", 5, labelled=False)}
    _, model_id = _labelled_task(scene.client, scene.team.project_id, frames)
    job_id = scene.client.compute_retraining_report(model_id)
    with pytest.raises(JobFailureException):
        scene.client.wait_job_completion(job_id)
    job = scene.client.get_job(job_id)
    assert job.status == "error" and "labelled samples after the drift" in job.error
    with pytest.raises(GetRetrainingReportException) as info:
        scene.client.get_retraining_report(model_id)
    assert info.value.error_code == "REPORT_NOT_FOUND"
    assert "labelled samples after the drift" in info.value.error_message
    with scene.db() as session:  # the row mirrors its job when read (the status is derived from the JobRow)
        [row] = retraining.reports_of(session, model_id)
        assert row.status == "error" and "labelled samples after the drift" in row.error
        assert session.scalar(select(func.count()).select_from(SuggestionRow).where(
            SuggestionRow.model_id == model_id)) == 0


def test_rbac_viewers_read_workers_compute_outsiders_see_nothing(scene: Scene) -> None:
    report = scene.report()
    model, suggestion = scene.model_id, report.suggestion.suggestion_id
    change = {"model_id": model, "new_model_version": f"r-{secrets.token_hex(2)}", "suggestion_id": suggestion}
    view = scene.wire("p_view")
    assert view.ok("GET", "/retraining-report", params={"model_id": model})["report_id"]
    assert [s["id"] for s in view.ok("GET", f"/suggestions/{model}/v1")]
    before = scene.snapshot()
    assert_error(view.call("POST", "/retraining-report", json={"model_id": model}), 403, "FORBIDDEN")
    assert_error(view.call("PATCH", "/model-version-suggestion-id", json=change), 403, "FORBIDDEN")
    for who in ("member", "none"):
        assert_error(scene.wire(who).call("GET", "/retraining-report", params={"model_id": model}), 403)
    for call in (("GET", "/retraining-report", {"params": {"model_id": model}}),
                 ("GET", f"/suggestions/{model}/v1", {}),
                 ("POST", "/retraining-report", {"json": {"model_id": model}}),
                 ("PATCH", "/model-version-suggestion-id", {"json": change})):
        assert_error(scene.wire("outsider").call(call[0], call[1], **call[2]), 404, "MODEL_NOT_FOUND")
    assert scene.snapshot() == before
    job_id = scene.wire("p_user").ok("POST", "/retraining-report", json={"model_id": model})
    scene.client.wait_job_completion(job_id)
