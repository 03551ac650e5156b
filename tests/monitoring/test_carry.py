"""Evidence carried over two consecutive batches (issue 12): the pair p-value's maths and the decision."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mlcube_nb.monitoring import NumericSummary, analyse_batch, summarise_reference
from mlcube_nb.monitoring.carry import ks_direction, pair_p_value, record
from mlcube_nb.monitoring.plan import plan_for
from mlcube_nb.monitoring.task_analysis import analyse_production, build_reference
from tests.monitoring.test_calibrated_task_analysis import _stream
from tests.monitoring.test_calibration import ar_frame
from tests.monitoring.test_task_analysis import MODEL, SCHEMA, TASK


def _pair_rejections(rng: np.random.Generator, chunks: int, rho: float, ratio: float, level: float,
                     draws: int = 100_000) -> float:
    """Share of null pairs whose pair p-value is at most ``level``.

    The model behind the calibrated test: a batch's deviation is ``N(0, lambda)``, ``lambda`` is estimated
    from ``chunks`` reference chunks (``lambda * chi2(K) / K``, shared by both batches), consecutive
    batches' deviations have correlation ``rho``. The i.i.d. p-values are tiny (a large sample), so the
    calibrated part decides.
    """
    lam_hat = rng.chisquare(chunks, draws) / chunks
    first = rng.normal(size=draws)
    second = rho * first + np.sqrt(1 - rho**2) * rng.normal(size=draws)
    p_first, p_second = (stats.f.sf(d**2 / lam_hat, 1, chunks) for d in (first, second))
    hits = 0
    for d1, d2, p1, p2 in zip(first, second, p_first, p_second, strict=True):
        a = record(int(np.sign(d1)), float(p1), 1e-12, chunks, 1000)
        b = record(int(np.sign(d2)), float(p2), 1e-12, chunks, 1000)
        assert a is not None and b is not None
        p = pair_p_value(a, b, ratio)
        hits += p is not None and p <= level
    return hits / draws


def test_pair_p_value_is_calibrated_under_the_chunk_model() -> None:
    rng = np.random.default_rng(0)
    rate = _pair_rejections(rng, 10, 0.0, 1.0, 0.05, draws=20_000)
    # at most the level (pairs in opposite directions are never combined, so a little below it), not far below
    assert 0.75 * 0.05 < rate < 0.05 + 4 * np.sqrt(0.05 * 0.95 / 20_000)


def test_correlated_consecutive_batches_are_kept_at_level_by_the_ratio() -> None:
    rng = np.random.default_rng(1)
    ignored = _pair_rejections(rng, 10, 0.6, 1.0, 0.05, draws=10_000)
    measured = _pair_rejections(rng, 10, 0.6, 1.6, 0.05, draws=10_000)  # r = 1 + rho
    assert ignored > 0.08  # treating correlated batches as independent inflates false alarms
    assert 0.75 * 0.05 < measured < 0.05 + 4 * np.sqrt(0.05 * 0.95 / 10_000)


def test_pair_combines_evidence_and_needs_one_direction() -> None:
    single = 1e-3
    a, b = record(1, single, 1e-9, 10.0, 1000), record(1, single, 1e-9, 10.0, 1000)
    assert a is not None and b is not None
    p = pair_p_value(a, b, 1.0)
    assert p is not None and p < single / 10
    # like a single batch's, the pair p-value is the larger of its i.i.d. and calibrated halves
    weak_iid = record(1, 1e-6, 0.02, 10.0, 1000)
    assert weak_iid is not None
    expected = 2 * stats.norm.sf(2 * stats.norm.isf(0.01) / np.sqrt(2))
    assert pair_p_value(weak_iid, weak_iid, 1.0) == pytest.approx(expected)
    weak = record(1, 0.02, 0.02, 10.0, 1000)
    assert weak is not None
    assert pair_p_value(weak, weak, 1.0) == pytest.approx(2 * stats.t.sf(2 * stats.t.isf(0.01, 10) / np.sqrt(2), 10))
    opposite = record(-1, single, 1e-9, 10.0, 1000)
    assert opposite is not None and pair_p_value(a, opposite, 1.0) is None
    assert record(0, single, 1e-9, 10.0, 1000) is None
    assert record(1, single, 1e-9, float("inf"), 1000) is None  # no reference chunks of its size
    rng = np.random.default_rng(2)
    reference = NumericSummary.from_reference(rng.normal(size=2000))
    assert ks_direction(reference, reference.summarise(rng.exponential(size=500) + 1)) == 1


def _two_batches(shift: float, second_shift: float | None = None) -> tuple[object, list[pd.DataFrame]]:
    rng = np.random.default_rng(4)
    stream = ar_frame(12_000, rng)
    reference = stream.iloc[:10_000]
    sd = reference["a"].std()
    batches = [stream.iloc[10_000 + i * 1000:11_000 + i * 1000].copy() for i in (0, 1)]
    batches[0]["a"] += shift * sd
    batches[1]["a"] += (shift if second_shift is None else second_shift) * sd
    return summarise_reference(reference, ["a", "b"], ["c"]), batches


def test_two_consecutive_warnings_in_one_direction_are_drift() -> None:
    # 0.8 sd: each batch alone is WARNING (at 0.9 sd the spread test makes the first one DRIFT already)
    summary, (first, second) = _two_batches(0.8)
    one = analyse_batch(summary, first)  # type: ignore[arg-type]
    assert one.targets["input"].level == "warning" and set(one.carry["input"]) == {"a"}
    alone = analyse_batch(summary, second)  # type: ignore[arg-type]
    assert alone.targets["input"].level == "warning"
    both = analyse_batch(summary, second, carry=one.carry)  # type: ignore[arg-type]
    target = both.targets["input"]
    assert target.level == "drift" and target.column_levels["a"] == "drift"
    assert target.calibration is not None and "a: decided over this batch and the previous one" in target.calibration
    assert target.statistic >= target.drift_level == 2.0  # the levels of the pair p-value
    assert target.adjusted_p_values["a"] < alone.targets["input"].adjusted_p_values["a"]
    assert both.features["a"].p_value == alone.features["a"].p_value  # per-feature tests are the batch's own


def test_a_reversal_or_a_short_reference_gets_no_pair() -> None:
    summary, (first, second) = _two_batches(0.9, -0.9)
    one = analyse_batch(summary, first)  # type: ignore[arg-type]
    two = analyse_batch(summary, second, carry=one.carry)  # type: ignore[arg-type]
    assert "previous one" not in (two.targets["input"].calibration or "")
    assert two.targets["input"].level == analyse_batch(summary, second).targets["input"].level  # type: ignore[arg-type]
    # 7,000 rows hold 4 chunks of 1,750 rows, not of two 1,000-row batches: no pair
    rng = np.random.default_rng(4)
    stream = ar_frame(9_000, rng)
    short = summarise_reference(stream.iloc[:7_000], ["a", "b"], ["c"])
    sd = stream["a"].iloc[:7_000].std()
    batches = [stream.iloc[7_000 + i * 1000:8_000 + i * 1000].copy() for i in (0, 1)]
    for batch in batches:
        batch["a"] += 1.2 * sd
    first_result = analyse_batch(short, batches[0])
    assert first_result.carry["input"]
    plain = summarise_reference(stream.iloc[:7_000], ["a", "b"], ["c"], calibrate=False)
    assert not analyse_batch(plain, batches[0]).carry["input"]  # nothing to pair with: no record
    second_result = analyse_batch(short, batches[1], carry=first_result.carry)
    assert "previous one" not in (second_result.targets["input"].calibration or "")


def test_the_state_carries_a_small_plain_record_per_warning_column() -> None:
    rng = np.random.default_rng(11)
    stream = _stream(8000 + 3 * 1000, rng)
    plan = plan_for(TASK, SCHEMA, MODEL)
    state = build_reference(plan, stream.iloc[:8000])
    assert state["carry"] == {}
    shifted = stream.iloc[8000:9000].copy()
    shifted["x1"] += 3.0
    analyse_production(plan, state, shifted)
    assert "x1" in state["carry"]["input"]
    assert set(state["carry"]["input"]["x1"]) == {"sign", "t", "z", "chunks", "rows"}
    assert json.loads(json.dumps(state["carry"], allow_nan=False)) == state["carry"]  # strict JSON (PostgreSQL)
    assert len(json.dumps(state["carry"])) < 2000
    analyse_production(plan, state, stream.iloc[9000:10_000])  # back to normal: the record goes
    assert "x1" not in state["carry"].get("input", {})
