"""Over HTTP: autocorrelated, seasonal but stationary data raises no DRIFT once levels are calibrated (issue 12)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlcube_nb.enums import MonitoringStatus, MonitoringTarget
from tests.monitoring.test_calibration import ar_cycle
from tests.server.data_helpers import CATEGORIES, inputs_of, make_ctx, tabular, target_of

N_REF, N_BATCH, N_BATCHES = 8000, 1000, 2


def _stream(n: int) -> pd.DataFrame:
    """One long hourly-like stream: every numeric column AR(1) + daily cycle, the category sticky in time."""
    rng = np.random.default_rng(12)
    sticky = np.repeat(rng.integers(0, 3, n // 50 + 1), 50)[:n]
    return pd.DataFrame({
        "id": [f"r{i}" for i in range(n)], "ts": np.arange(n, dtype=float),
        "x1": ar_cycle(n, rng), "x2": ar_cycle(n, rng), "color": np.asarray(CATEGORIES)[sticky],
        "y": ar_cycle(n, rng),
    })


def test_autocorrelated_stationary_stream_raises_no_drift_and_history_shows_the_calibrated_levels(platform) -> None:
    ctx = make_ctx(platform)
    stream = _stream(N_REF + N_BATCHES * N_BATCH)
    stream[ctx.prediction] = 0.5 * stream["x1"] + 0.5 * stream["y"]

    def upload(rows: pd.DataFrame, historical: bool) -> None:
        args = {"inputs": tabular(inputs_of(rows)), "target": tabular(target_of(rows)),
                "predictions": [(ctx.model_id, tabular(rows[["id", "ts", ctx.prediction]]))]}
        send = ctx.client.add_historical_data if historical else ctx.client.add_production_data
        ctx.client.wait_job_completion(send(ctx.task_id, **args))

    upload(stream.iloc[:N_REF], historical=True)
    ctx.client.wait_job_completion(ctx.client.set_model_reference(ctx.model_id, 0, N_REF - 1))
    for i in range(N_BATCHES):
        upload(stream.iloc[N_REF + i * N_BATCH:N_REF + (i + 1) * N_BATCH], historical=False)

    statuses = {s.monitoring_target: s.status for s in ctx.client.get_task(ctx.task_id).monitoring_status}
    assert MonitoringStatus.DRIFT not in statuses.values(), statuses
    assert {MonitoringTarget.INPUT, MonitoringTarget.ERROR, MonitoringTarget.CONCEPT} <= set(statuses)
    history = ctx.client.get_monitoring_history(ctx.task_id, MonitoringTarget.INPUT)
    assert len(history) == N_BATCHES
    for point in history:
        assert point.calibration == "calibrated on 8 reference chunks of ~1,000 rows"
        assert point.test == "holm(ks+klotz, chi_square, quanttree, joint_klotz)"  # x1 and x2's spreads, jointly
        assert point.drift_level > 2.0 and point.statistic < point.drift_level  # the bar rose above the i.i.d. one
        x1 = next(f for f in point.features if f.feature == "x1")
        assert x1.reference_quantile is not None and 0.0 <= x1.reference_quantile <= 1.0
        assert x1.statistic is not None and x1.drift_level is not None and x1.statistic < x1.drift_level


def test_a_shift_warning_in_two_consecutive_batches_is_drift_through_the_carried_state(platform) -> None:
    """Each shifted batch alone is WARNING (tests/monitoring/test_carry.py); the state the server stores back
    between the two jobs carries the first one's evidence, so the second is DRIFT."""
    ctx = make_ctx(platform)
    stream = _stream(N_REF + 2 * N_BATCH)
    stream[ctx.prediction] = 0.5 * stream["x1"] + 0.5 * stream["y"]
    sd = float(stream["x1"].iloc[:N_REF].std())
    stream.loc[N_REF:, "x1"] += 0.55 * sd

    def upload(rows: pd.DataFrame, historical: bool) -> None:
        args = {"inputs": tabular(inputs_of(rows)),
                "predictions": [(ctx.model_id, tabular(rows[["id", "ts", ctx.prediction]]))]}
        if historical:
            args["target"] = tabular(target_of(rows))
        send = ctx.client.add_historical_data if historical else ctx.client.add_production_data
        ctx.client.wait_job_completion(send(ctx.task_id, **args))

    upload(stream.iloc[:N_REF], historical=True)
    ctx.client.wait_job_completion(ctx.client.set_model_reference(ctx.model_id, 0, N_REF - 1))
    for i in range(2):
        upload(stream.iloc[N_REF + i * N_BATCH:N_REF + (i + 1) * N_BATCH], historical=False)
    first, second = ctx.client.get_monitoring_history(ctx.task_id, MonitoringTarget.INPUT)
    assert first.decision == MonitoringStatus.WARNING and "previous one" not in (first.calibration or "")
    assert second.decision == MonitoringStatus.DRIFT
    assert second.calibration is not None and "x1: decided over this batch and the previous one" in second.calibration
    x1 = next(f for f in second.features if f.feature == "x1")
    assert x1.decision == MonitoringStatus.DRIFT
    assert x1.statistic is not None and x1.drift_level is not None and x1.statistic < x1.drift_level  # not alone
    statuses = {s.monitoring_target: s.status for s in ctx.client.get_task(ctx.task_id).monitoring_status}
    assert statuses[MonitoringTarget.INPUT] == MonitoringStatus.DRIFT
