"""Decision levels calibrated on the reference's own time-contiguous variation (issue 12)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mlcube_nb.monitoring import BernoulliCusum, NumericSummary, analyse_batch, summarise_reference
from mlcube_nb.monitoring.calibrated_tests import MemberTest
from mlcube_nb.monitoring.calibration import (
    KS_NULL_CV,
    KS_NULL_MEAN,
    Calibration,
    MemberCalibration,
    inflation,
    stream_inflation,
)
from mlcube_nb.monitoring.calibration_chunks import _ks_values, _member, _numeric_cells, _prefix, _windows
from mlcube_nb.monitoring.reference import ReferenceSummary


def ar_cycle(n: int, rng: np.random.Generator, phi: float = 0.95, period: int = 24) -> np.ndarray:
    """Stationary AR(1) with unit marginal variance plus a daily cycle (period rows; 0: no cycle)."""
    noise = rng.normal(size=n) * np.sqrt(1 - phi**2)
    x = np.empty(n)
    x[0] = rng.normal()
    for i in range(1, n):
        x[i] = phi * x[i - 1] + noise[i]
    return x + (np.sin(2 * np.pi * np.arange(n) / period) if period else 0.0)


def ar_frame(n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame({"a": ar_cycle(n, rng), "b": ar_cycle(n, rng), "c": rng.choice(["u", "v", "w"], n)})


def test_chunk_ks_statistic_equals_scipy_for_every_window() -> None:
    rng = np.random.default_rng(1)
    values = rng.integers(0, 40, 400).astype(float)  # exact summary, with ties
    summary = NumericSummary.from_reference(values)
    cells, finite = _numeric_cells(summary.edges, values)
    prefix = _prefix(np.arange(400) // 10, cells[finite], 2 * summary.edges.size + 1, 40)
    window, rest = _windows(prefix, 8)  # windows of 80 rows, half-overlapping
    normalised, cv = _ks_values(window, rest)
    assert cv == KS_NULL_CV and normalised.size == 9
    for i, start in enumerate(range(0, 33, 4)):
        inside = np.zeros(400, dtype=bool)
        inside[start * 10:(start + 8) * 10] = True
        d = stats.ks_2samp(values[inside], values[~inside]).statistic
        assert normalised[i] == pytest.approx(80 * 320 / 400 * d**2 / KS_NULL_MEAN)


def test_small_sample_rule_keeps_iid_variation_at_one_and_measures_real_excess() -> None:
    assert inflation(np.array([0.7, 1.4, 1.2, 0.9]), 4, KS_NULL_CV) == 1.0
    assert inflation(np.array([5.0, 7.0, 6.0, 6.0]), 4, KS_NULL_CV) == 6.0
    rng = np.random.default_rng(2)
    assert stream_inflation(rng.normal(size=4000)) == 1.0
    assert stream_inflation(ar_cycle(4000, rng)) > 5.0


def test_iid_reference_calibrates_to_the_iid_test() -> None:
    rng = np.random.default_rng(3)
    reference = pd.DataFrame({f"x{i}": rng.normal(size=8000) for i in range(6)})
    summary = summarise_reference(reference, list(reference.columns), [])
    assert summary.calibration is not None
    lambdas = [m.inflation_at(1000) for m in summary.calibration.members.values()]
    assert np.median(lambdas) == 1.0
    plain = summarise_reference(reference, list(reference.columns), [], calibrate=False)
    batch = pd.DataFrame({f"x{i}": rng.normal(0.25 if i == 0 else 0.0, 1.0, 1000) for i in range(6)})
    calibrated, iid = analyse_batch(summary, batch), analyse_batch(plain, batch)
    assert calibrated.features["x0"].p_value == iid.features["x0"].p_value
    assert calibrated.targets["input"].calibration == "calibrated on 8 reference chunks of ~1,000 rows"
    assert iid.targets["input"].calibration is None and iid.targets["input"].drift_level == pytest.approx(2.0)


def test_autocorrelated_stationary_batches_stay_calm_and_a_level_shift_drifts() -> None:
    rng = np.random.default_rng(4)
    stream = ar_frame(10_000 + 6 * 1000, rng)
    reference, batches = stream.iloc[:10_000], [stream.iloc[10_000 + i * 1000:11_000 + i * 1000] for i in range(6)]
    summary = summarise_reference(reference, ["a", "b"], ["c"])
    plain = summarise_reference(reference, ["a", "b"], ["c"], calibrate=False)
    levels = [analyse_batch(summary, b).targets["input"].level for b in batches]
    assert "drift" not in levels
    assert [analyse_batch(plain, b).targets["input"].level for b in batches].count("drift") >= 4
    shifted = batches[0].copy()
    shifted["a"] += 1.5 * shifted["a"].std()
    result = analyse_batch(summary, shifted)
    target = result.targets["input"]
    assert target.level == "drift" and target.column_levels["a"] == "drift"
    assert target.statistic >= target.drift_level > 2.0  # the bar was raised, and the shift still clears it
    assert result.features["a"].reference_quantile == 1.0
    assert result.features["a"].inflation > 2.0
    assert result.features["a"].statistic >= target.column_drift_levels["a"]


def test_short_reference_falls_back_to_the_iid_test_and_says_so() -> None:
    rng = np.random.default_rng(5)
    reference = ar_frame(300, rng)
    summary = summarise_reference(reference, ["a", "b"], ["c"])
    plain = summarise_reference(reference, ["a", "b"], ["c"], calibrate=False)
    batch = ar_frame(100, rng)
    result, iid = analyse_batch(summary, batch).targets["input"], analyse_batch(plain, batch).targets["input"]
    assert result.calibration == "not calibrated: the reference holds 3 chunks of 100 rows, 4 needed; i.i.d. test only"
    assert (result.level, result.p_value, result.statistic) == (iid.level, iid.p_value, iid.statistic)
    assert (result.warning_level, result.drift_level) == pytest.approx((-np.log10(0.05), 2.0))


def test_calibration_survives_json_and_interpolates_log_log() -> None:
    member = MemberCalibration("ks", np.array([100, 400]), np.array([2.0, 8.0]),
                               (np.array([1.0, 2.0, 3.0]), np.array([4.0, 8.0, 12.0])))
    assert member.inflation_at(200) == pytest.approx(4.0)
    assert member.inflation_at(50) == pytest.approx(2.0) and member.inflation_at(1000) == pytest.approx(8.0)
    assert member.quantile(2.5, 100) == pytest.approx(2 / 3)
    rng = np.random.default_rng(6)
    summary = summarise_reference(ar_frame(2000, rng), ["a", "b"], ["c"])
    again = ReferenceSummary.from_dict(summary.to_dict())
    assert again.calibration is not None and summary.calibration is not None
    assert again.calibration.to_dict() == Calibration.from_dict(summary.calibration.to_dict()).to_dict()
    batch = ar_frame(400, rng)
    assert analyse_batch(again, batch).to_dict()["targets"] == analyse_batch(summary, batch).to_dict()["targets"]


@pytest.mark.parametrize("kind,parameter", [("ks", 800.0), ("chi_square", 3.0)])
def test_bars_invert_the_calibrated_p_value(kind: str, parameter: float) -> None:
    probe = MemberTest(kind, 0.1, 0.5, 6.0, parameter, chunks=10)
    bar = probe.bar(0.001)
    at_bar = MemberTest(kind, bar, probe.raw_p_at(0.001), 6.0, parameter, chunks=10)
    assert at_bar.calibrated_p_value == pytest.approx(0.001, rel=1e-3)
    assert at_bar.p_value < 0.001
    assert at_bar.normalised / 6.0 == pytest.approx(stats.f.isf(0.001, 1, 10))


def test_bursty_but_stationary_errors_do_not_alarm_a_calibrated_cusum() -> None:
    rng = np.random.default_rng(7)
    latent = ar_cycle(30_000, rng, phi=0.9, period=1)
    errors = (latent > np.quantile(latent, 0.9)).astype(float)  # 10 % errors, in bursts
    reference, production = errors[:10_000], errors[10_000:]
    p0 = float(reference.mean())
    assert BernoulliCusum(p0=p0).update(production).drift_indices  # the i.i.d. bound cries wolf
    calibrated = BernoulliCusum(p0=p0, inflation=stream_inflation(reference))
    assert calibrated.update(production).drift_indices == ()
    assert calibrated.update(rng.random(4000) < 0.3).level == "drift"


def test_history_says_when_drift_is_out_of_reach_for_a_strongly_autocorrelated_short_reference() -> None:
    rng = np.random.default_rng(3)
    values = ar_cycle(300 + 24, rng, phi=0.98)
    summary = summarise_reference(pd.DataFrame({"kpi": values[:300]}), ["kpi"], [], multivariate=False)
    target = analyse_batch(summary, pd.DataFrame({"kpi": values[300:]})).targets["input"]
    assert target.calibration is not None and target.calibration.startswith("calibrated on 12 reference chunks")
    assert "DRIFT is out of reach at this batch size" in target.calibration
    assert target.column_drift_levels["kpi"] > 1.0  # a KS distance cannot exceed 1


def test_dependence_found_at_one_size_holds_at_every_smaller_size() -> None:
    """A size whose chunks vary too little to pass the pretest is still calibrated when a larger size passed it."""
    rng = np.random.default_rng(7)
    measured = {size: (rng.normal(mean, 0.05, 40), KS_NULL_CV) for size, mean in ((10, 1.02), (20, 1.03), (40, 3.0),
                                                                                  (80, 1.02))}
    member = _member("ks", measured, 4000, KS_NULL_CV)
    # 10 and 20 rows alone stay at 1 (means within the pretest's margin); 80 rows is above 40: untouched
    assert all(inflation(measured[size][0], 4000 / size, KS_NULL_CV) == 1.0 for size in (10, 20))
    assert (member.inflation[:3] > 1.0).all() and member.inflation[3] == 1.0
    assert member.inflation[0] == pytest.approx(measured[10][0].mean())
    quiet = _member("ks", {10: (rng.normal(1.0, 0.05, 40), KS_NULL_CV), 20: (rng.normal(1.0, 0.05, 40), KS_NULL_CV)},
                    4000, KS_NULL_CV)
    assert (quiet.inflation == 1.0).all()
    for seed in range(4):  # returns-like columns whose volatility clusters: sizes below a dependent one calibrated
        rng = np.random.default_rng(seed)
        h = 0.35 * ar_cycle(460, rng, phi=0.97, period=0)  # stationary AR(1) log-volatility, marginal sd 0.35
        frame = pd.DataFrame({c: np.exp(h) * rng.standard_t(5, 460) for c in ("r", "s")})
        calibration = summarise_reference(frame, ["r", "s"], []).calibration
        assert calibration is not None
        for name in ("r", "s", "spread:r", "spread:s"):
            found = calibration.members[name]
            dependent = found.sizes[found.inflation > 1.0]
            assert not dependent.size or (found.inflation[found.sizes <= dependent.max()] > 1.0).all(), name
