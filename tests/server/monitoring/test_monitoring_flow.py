"""Monitoring over HTTP: a reference, then production batches, give statuses, history and detection events."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from mlcube_nb.enums import DetectionEventType, KPIStatus, MonitoringStatus, MonitoringTarget
from mlcube_nb.server.db.engine import make_session_factory
from mlcube_nb.server.db.tables import DetectionEventRow
from tests.server.data_helpers import Ctx, frame, inputs_of, make_ctx, tabular, target_of

N_REF = 2000
N_BATCH = 1000


def _with_prediction(ctx: Ctx, df: pd.DataFrame) -> pd.DataFrame:
    out = df[["id", "ts"]].copy()
    out[ctx.prediction] = df["x1"] * 0.5 + df["y"] * 0.5  # a plausible model: correlated with x1 and y
    return out


def _upload(ctx: Ctx, df: pd.DataFrame, *, historical: bool = False, with_target: bool = True) -> str:
    args = {"inputs": tabular(inputs_of(df)), "predictions": [(ctx.model_id, tabular(_with_prediction(ctx, df)))]}
    if with_target:
        args["target"] = tabular(target_of(df))
    if historical:
        job = ctx.client.add_historical_data(ctx.task_id, **args)
    else:
        job = ctx.client.add_production_data(ctx.task_id, **args)
    ctx.client.wait_job_completion(job)
    return job


@pytest.fixture
def ctx(platform) -> Ctx:
    ctx = make_ctx(platform)
    _upload(ctx, frame(N_REF, seed=1), historical=True)
    ctx.client.wait_job_completion(ctx.client.set_model_reference(ctx.model_id, 0, N_REF - 1))
    return ctx


def _batch(index: int, shift: float = 0.0) -> pd.DataFrame:
    df = frame(N_BATCH, start=N_REF + index * N_BATCH, prefix=f"b{index}_", seed=100 + index)
    df["x1"] += shift
    return df


def _statuses(ctx: Ctx) -> dict[str, MonitoringStatus]:
    task = ctx.client.get_task(ctx.task_id)
    return {(s.monitoring_target.value if s.monitoring_target else "") + (
        f"/{s.monitoring_metric.value}" if s.monitoring_metric else ""): s.status for s in task.monitoring_status}


def test_reference_gives_ok_statuses_for_every_planned_target(ctx: Ctx) -> None:
    statuses = _statuses(ctx)
    expected = {MonitoringTarget.INPUT, MonitoringTarget.CONCEPT, MonitoringTarget.PREDICTION,
                MonitoringTarget.INPUT_PREDICTION, MonitoringTarget.ERROR}
    assert {MonitoringTarget(k) for k in statuses} == expected
    assert set(statuses.values()) == {MonitoringStatus.OK}
    assert ctx.client.get_model(ctx.model_id).status == MonitoringStatus.OK


def test_stationary_batches_raise_no_drift(ctx: Ctx) -> None:
    for index in range(3):
        _upload(ctx, _batch(index))
    assert MonitoringStatus.DRIFT not in _statuses(ctx).values()
    history = ctx.client.get_monitoring_history(ctx.task_id, MonitoringTarget.INPUT)
    assert len(history) == 3
    frame_ = history.df
    assert (frame_["statistic"] < frame_["drift_level"]).all()
    assert {"x1", "x2", "color"} <= {f.feature for f in history[0].features}


def test_a_shifted_batch_drifts_input_then_a_new_reference_resets(ctx: Ctx) -> None:
    _upload(ctx, _batch(0))
    _upload(ctx, _batch(1, shift=1.5))
    statuses = _statuses(ctx)
    assert statuses["input"] == MonitoringStatus.DRIFT
    events = ctx.client.get_detection_events(ctx.task_id)
    drift_on = [e for e in events if e.event_type == DetectionEventType.DRIFT_ON
                and e.monitoring_target == MonitoringTarget.INPUT]
    assert len(drift_on) == 1 and drift_on[0].severity_type is not None
    assert ctx.client.get_model(ctx.model_id).status == MonitoringStatus.DRIFT

    ctx.client.set_detection_event_user_feedback(drift_on[0].event_id, True)
    with make_session_factory(ctx.engine)() as session:
        stored = session.scalars(select(DetectionEventRow).where(
            DetectionEventRow.id == drift_on[0].event_id)).one()
        assert stored.user_feedback is True

    ctx.client.wait_job_completion(ctx.client.set_model_reference(ctx.model_id, N_REF, N_REF + 2 * N_BATCH - 1))
    assert set(_statuses(ctx).values()) == {MonitoringStatus.OK}
    assert len(ctx.client.get_detection_events(ctx.task_id)) == len(events)  # a reset raises no event


def test_late_targets_test_the_newly_labelled_rows(ctx: Ctx) -> None:
    df = _batch(0)
    _upload(ctx, df, with_target=False)
    before = len(ctx.client.get_monitoring_history(ctx.task_id, MonitoringTarget.CONCEPT))
    labelled = target_of(df).copy()
    labelled["y"] = labelled["y"] + 3.0  # the world changed: concept and error drift
    ctx.client.wait_job_completion(ctx.client.add_target_data(ctx.task_id, tabular(labelled)))
    concept = ctx.client.get_monitoring_history(ctx.task_id, MonitoringTarget.CONCEPT)
    assert len(concept) == before + 1 and concept[-1].n_rows == N_BATCH
    assert _statuses(ctx)["concept"] == MonitoringStatus.DRIFT
    error = ctx.client.get_monitoring_history(ctx.task_id, MonitoringTarget.ERROR)
    assert error and error[-1].statistic >= error[-1].warning_level


def test_kpi_collects_a_reference_then_a_level_shift_changes_its_status(ctx: Ctx) -> None:
    kpi_id = ctx.client.create_kpi(project_id=ctx.project_id, name="revenue")
    rng = np.random.default_rng(3)

    def send(values: np.ndarray, start: int) -> None:
        data = pd.DataFrame({"sample_id": [f"k{start + i}" for i in range(len(values))],
                             "timestamp": start + np.arange(len(values), dtype=float), "value": values})
        ctx.client.wait_job_completion(ctx.client.add_kpi_data(ctx.project_id, kpi_id, tabular(data)))

    send(rng.normal(size=150), 0)
    assert ctx.client.get_kpi(kpi_id).status == KPIStatus.NOT_INITIALIZED  # still collecting the reference
    send(rng.normal(size=200), 150)
    assert ctx.client.get_kpi(kpi_id).status == KPIStatus.OK
    send(rng.normal(size=200), 350)
    assert ctx.client.get_kpi(kpi_id).status == KPIStatus.OK
    send(rng.normal(loc=2.0, size=200), 550)
    kpi = ctx.client.get_kpi(kpi_id)
    assert kpi.status == KPIStatus.DRIFT and kpi.status_kpi_start_timestamp is not None
