"""The monitoring plan and analysis on synthetic batches: stationary data stays OK, shifts are caught."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from mlcube_nb.monitoring.plan import plan_for
from mlcube_nb.monitoring.reference_state import CARRIED_KEYS, carried_part
from mlcube_nb.monitoring.task_analysis import analyse_labelled, analyse_production, build_reference

SCHEMA = [
    {"name": "sample_id", "role": "id", "data_type": "string", "is_nullable": False},
    {"name": "timestamp", "role": "time_id", "data_type": "float", "is_nullable": False},
    {"name": "x1", "role": "input", "data_type": "float", "is_nullable": False},
    {"name": "x2", "role": "input", "data_type": "float", "is_nullable": False},
    {"name": "colour", "role": "input", "data_type": "categorical", "is_nullable": False,
     "possible_values": ["red", "green"]},
    {"name": "y", "role": "target", "data_type": "categorical", "is_nullable": False, "possible_values": [0, 1]},
    {"name": "m@v1", "role": "prediction", "data_type": "categorical", "is_nullable": False,
     "possible_values": [0, 1], "model_id": "m"},
    {"name": "m_probability@v1", "role": "prediction", "data_type": "float", "is_nullable": False,
     "model_id": "m"},
]
TASK = {"type": "classification_binary", "data_structure": "tabular", "positive_class": 1}
MODEL = {"name": "m", "version": "v1"}


def frame(rng: np.random.Generator, n: int, shift: float = 0.0, start: int = 0, flip: float = 0.1) -> pd.DataFrame:
    x1, x2 = rng.normal(shift, 1, n), rng.normal(0, 1, n)
    y = (x1 + x2 + rng.normal(0, 0.5, n) > 0).astype(int)
    p = 1 / (1 + np.exp(-(x1 + x2) * 2))
    pred = (p > 0.5).astype(int)
    wrong = rng.random(n) < flip
    pred = np.where(wrong, 1 - pred, pred)
    return pd.DataFrame({
        "sample_id": [f"s{start + i}" for i in range(n)], "timestamp": np.arange(start, start + n, dtype=float),
        "x1": x1, "x2": x2, "colour": rng.choice(["red", "green"], n), "y": y, "m@v1": pred,
        "m_probability@v1": p,
    })


def test_plan_lists_the_targets_of_a_binary_classifier() -> None:
    plan = plan_for(TASK, SCHEMA, MODEL)
    keys = {q.key for q in plan.quantities}
    assert {"input", "concept", "prediction", "input_prediction", "prediction/model_entropy",
            "error/log_likelihood"} <= keys
    assert plan.error_stream == "binary" and plan.prediction_column == "m@v1"


def test_stationary_batches_stay_ok_and_a_shift_drifts() -> None:
    rng = np.random.default_rng(1)
    plan = plan_for(TASK, SCHEMA, MODEL)
    state = build_reference(plan, frame(rng, 3000))
    assert state["error"] is not None and state["evaluation"]["values"]["accuracy"] > 0.7
    calm = analyse_production(plan, state, frame(rng, 1000, start=5000))
    levels = {o["key"]: o["level"] for o in calm}
    assert levels["input"] == "ok" and "error" in levels and "evaluation/accuracy" in levels
    shifted = analyse_production(plan, state, frame(rng, 1000, shift=1.5, start=9000).drop(columns=["y"]))
    levels = {o["key"]: o["level"] for o in shifted}
    assert levels["input"] == "drift" and "concept" not in levels
    drifted = next(o for o in shifted if o["key"] == "input")
    x1 = next(f for f in drifted["features"] if f["feature"] == "x1")
    assert x1["decision"] == "drift" and x1["psi"] > 0.1
    # the numeric columns' member is KS and the spread test folded together, and the test's name says so
    assert drifted["test"] == "holm(ks+klotz, chi_square, quanttree)" and x1["decided_by"] in ("location", "spread")


def test_batches_change_only_the_carried_part_of_a_reference_state() -> None:
    """Servers keep a summary parsed and shared between jobs: an analysis may advance only CARRIED_KEYS."""
    rng = np.random.default_rng(3)
    plan = plan_for(TASK, SCHEMA, MODEL)
    state = build_reference(plan, frame(rng, 3000))
    before = copy.deepcopy(state)
    analyse_production(plan, state, frame(rng, 1000, start=5000, flip=0.4))
    analyse_labelled(plan, state, frame(rng, 1000, start=7000, flip=0.4))
    assert {k: v for k, v in state.items() if k not in CARRIED_KEYS} == \
        {k: v for k, v in before.items() if k not in CARRIED_KEYS}
    assert carried_part(state)["error"] != before["error"]  # the error stream's detector moved


def test_late_labels_with_many_errors_raise_error_drift() -> None:
    rng = np.random.default_rng(2)
    plan = plan_for(TASK, SCHEMA, MODEL)
    state = build_reference(plan, frame(rng, 3000))
    bad = analyse_labelled(plan, state, frame(rng, 2000, start=7000, flip=0.45))
    levels = {o["key"]: o["level"] for o in bad}
    assert levels["error"] == "drift" and levels["evaluation/accuracy"] == "drift"


@pytest.mark.parametrize("language", ["english", "italian"])
def test_text_tasks_monitor_length_and_sentiment(language: str) -> None:
    schema = [SCHEMA[0], SCHEMA[1], {"name": "text", "role": "input", "data_type": "string", "is_nullable": False}]
    plan = plan_for({"type": "classification_multiclass", "data_structure": "text", "text_language": language},
                    schema, None)
    assert {q.key for q in plan.quantities} == {"input", "input/text_length", "input/text_sentiment"}
    rng = np.random.default_rng(3)
    words = ["good", "great", "bad", "the", "box", "blue", "buono", "pessimo"]

    def texts(n: int, length: int, start: int) -> pd.DataFrame:
        body = [" ".join(rng.choice(words, rng.integers(1, length))) for _ in range(n)]
        return pd.DataFrame({"sample_id": [f"t{start + i}" for i in range(n)],
                             "timestamp": np.arange(start, start + n, dtype=float), "text": body})

    state = build_reference(plan, texts(1000, 8, 0))
    assert {o["key"]: o["level"] for o in analyse_production(plan, state, texts(500, 8, 2000))}["input"] == "ok"
    long = {o["key"]: o["level"] for o in analyse_production(plan, state, texts(500, 40, 3000))}
    assert long["input/text_length"] == "drift"


def test_kpi_collects_a_reference_then_tests_batches() -> None:
    from mlcube_nb.monitoring.kpi import update_kpi

    rng = np.random.default_rng(4)
    state, outcome = update_kpi({}, rng.normal(10, 1, 200))
    assert outcome is None and len(state["reference_values"]) == 200
    state, outcome = update_kpi(state, rng.normal(10, 1, 200))
    assert outcome is not None and outcome["initialised"] and state["reference"] is not None
    _, calm = update_kpi(state, rng.normal(10, 1, 200))
    _, shifted = update_kpi(state, rng.normal(12, 1, 200))
    assert calm is not None and calm["level"] == "ok"
    assert shifted is not None and shifted["level"] == "drift"


def test_a_small_batch_is_tested_down_to_the_calibrations_smallest_chunk() -> None:
    """Monthly batches of daily rows hold about 21 rows: they are tested; a batch under 10 rows is not."""
    from mlcube_nb.monitoring.task_analysis import MIN_DRIFT_ROWS

    rng = np.random.default_rng(8)
    plan = plan_for(TASK, SCHEMA, MODEL)
    state = build_reference(plan, frame(rng, 3000))
    small = analyse_production(plan, copy.deepcopy(state), frame(rng, 21, start=5000).drop(columns=["y"]))
    keys = {o["key"] for o in small}
    assert {"input", "prediction"} <= keys and all(o["n_rows"] == 21 for o in small)
    wide = analyse_production(plan, copy.deepcopy(state), frame(rng, 21, shift=3.0, start=6000).drop(columns=["y"]))
    assert next(o for o in wide if o["key"] == "input")["level"] == "drift"
    tiny = frame(rng, MIN_DRIFT_ROWS - 1, start=7000).drop(columns=["y"])
    assert not [o for o in analyse_production(plan, copy.deepcopy(state), tiny) if o["key"] == "input"]
