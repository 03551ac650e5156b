"""The pipeline side of issue 12: time order, calibrated error streams, evaluation windows, KPIs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import signal

from mlcube_nb.monitoring.kpi import update_kpi
from mlcube_nb.monitoring.plan import plan_for
from mlcube_nb.monitoring.task_analysis import _bootstrap_rows, analyse_production, build_reference
from tests.monitoring.test_task_analysis import MODEL, SCHEMA, TASK


def _ar(n: int, rng: np.random.Generator, phi: float = 0.95) -> np.ndarray:
    noise = rng.normal(size=n) * np.sqrt(1 - phi**2)
    noise[0] = rng.normal()
    return signal.lfilter([1.0], [1.0, -phi], noise) + np.sin(2 * np.pi * np.arange(n) / 24)


def _stream(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """A binary classifier on autocorrelated inputs whose mistakes come in bursts (stationary)."""
    x1, x2 = _ar(n, rng), _ar(n, rng)
    y = (x1 + x2 > 0).astype(int)
    pred = np.where(_ar(n, rng, 0.9) > 1.28, 1 - y, y)  # ~10 % errors, in runs
    p = 1 / (1 + np.exp(-(x1 + x2) * 2))
    return pd.DataFrame({"sample_id": [f"s{i}" for i in range(n)], "timestamp": np.arange(n, dtype=float),
                         "x1": x1, "x2": x2, "colour": np.where(_ar(n, rng) > 0, "red", "green"), "y": y,
                         "m@v1": pred, "m_probability@v1": p})


def test_shuffled_reference_is_calibrated_in_time_order_and_bursty_errors_do_not_drift() -> None:
    rng = np.random.default_rng(11)
    stream = _stream(8000 + 3 * 1000, rng)
    plan = plan_for(TASK, SCHEMA, MODEL)
    state = build_reference(plan, stream.iloc[:8000].sample(frac=1.0, random_state=0))  # arrives shuffled
    assert state["error"]["detector"]["inflation"] > 2.0
    inflation = state["unlabelled"]["calibration"]["members"]["x1"]["inflation"]
    assert max(inflation) > 2.0  # measured on time-contiguous chunks, not on the shuffled order
    for i in range(3):
        outcomes = analyse_production(plan, state, stream.iloc[8000 + i * 1000:9000 + i * 1000])
        levels = {o["key"]: o["level"] for o in outcomes}
        assert "drift" not in levels.values(), levels


def test_evaluation_replicates_are_reference_windows_when_the_reference_holds_enough_batches() -> None:
    rng = np.random.default_rng(0)
    window = _bootstrap_rows(5000, 1000, rng)
    assert np.array_equal(np.diff(window) % 5000, np.ones(999))  # contiguous (circular)
    scattered = _bootstrap_rows(3000, 1000, rng)
    assert not np.array_equal(np.diff(scattered) % 3000, np.ones(999))


def test_autocorrelated_stationary_kpi_stays_ok() -> None:
    rng = np.random.default_rng(5)
    values = _ar(300 + 30 * 24, rng)
    state, first = update_kpi({}, values[:300])
    assert first is not None and first["initialised"]
    levels = [update_kpi(state, values[300 + 24 * i:324 + 24 * i])[1]["level"] for i in range(30)]
    assert "drift" not in levels
