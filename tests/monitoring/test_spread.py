"""The normal-scores (Klotz) spread test: calibrated on heavy tails, folded with KS per column."""

from __future__ import annotations

import dataclasses
import math
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest

from mlcube_nb.monitoring import analyse_batch, summarise_reference
from mlcube_nb.monitoring.calibrated_tests import SPREAD_WEIGHT, ColumnTests, MemberTest
from mlcube_nb.monitoring.calibration import SPREAD_PREFIX
from mlcube_nb.monitoring.numeric_summary import NumericSummary
from mlcube_nb.monitoring.spread import cell_scores, cells, score_sum_test, spread_test
from tests.monitoring.test_calibration import ar_frame


def test_p_value_is_at_least_the_permutation_distributions() -> None:
    rng = np.random.default_rng(0)
    summary = NumericSummary.from_reference(rng.standard_t(3, 460))
    pooled = cells(summary) + cells(summary.summarise(rng.standard_t(3, 21)))
    scores = cell_scores(pooled)
    units = np.repeat(np.arange(pooled.size), pooled.astype(np.int64))
    sums = np.array([scores[rng.choice(units, 21, replace=False)].sum() for _ in range(40_000)])
    for q in (0.01, 0.002):  # each tail of the exact permutation distribution holds q / 2
        at = np.quantile(sums, [q / 2, 1 - q / 2])
        _, p = score_sum_test(at, np.full(2, 21.0), pooled, scores)
        assert np.all(p >= 0.8 * q) and np.all(p <= 4 * q)  # honest (not smaller), and not far off


def test_end_cells_score_most_and_the_test_is_signed() -> None:
    scores = cell_scores(np.array([1.0, 2.0, 1.0]))
    assert scores[0] == scores[2] > scores[1] > 0
    rng = np.random.default_rng(6)
    summary = NumericSummary.from_reference(rng.normal(size=2000))
    assert spread_test(summary, summary.summarise(3 * rng.normal(size=50))).statistic > 3
    assert spread_test(summary, summary.summarise(0.3 * rng.normal(size=50))).statistic < -3
    extreme = spread_test(summary, summary.summarise(50 * rng.normal(size=2000)))  # p far below 1e-16
    assert 10 < extreme.statistic < float("inf")


@pytest.mark.parametrize("draw", [lambda rng, k: rng.standard_t(3, k), lambda rng, k: rng.lognormal(0.0, 1.0, k),
                                  lambda rng, k: rng.standard_cauchy(k)], ids=["t3", "lognormal", "cauchy"])
def test_holds_its_rate_on_heavy_tailed_iid_data(draw: object) -> None:
    rng = np.random.default_rng(1)
    p = []
    for _ in range(600):
        summary = NumericSummary.from_reference(draw(rng, 500))  # type: ignore[operator]
        p.append(spread_test(summary, summary.summarise(draw(rng, 25))).p_value)  # type: ignore[operator]
    rejected = np.mean(np.array(p) < 0.05)
    # 600 draws at 5 %: 30 expected, sd 5.3; a normal-theory test rejects several times as often
    assert 0.025 < rejected < 0.08


def test_a_twice_wider_batch_is_drift() -> None:
    rng = np.random.default_rng(2)
    reference = pd.DataFrame({"x": rng.standard_t(3, 4000), "y": rng.normal(size=4000)})
    summary = summarise_reference(reference, ["x", "y"], [])
    batch = pd.DataFrame({"x": 2 * rng.standard_t(3, 200), "y": rng.normal(size=200)})
    result = analyse_batch(summary, batch)
    x = result.features["x"]
    assert result.targets["input"].column_levels["x"] == "drift"
    assert x.spread_statistic > 0 and x.spread_calibrated_p_value < 1e-4
    by_spread = x.spread_calibrated_p_value / SPREAD_WEIGHT < x.calibrated_p_value / (1 - SPREAD_WEIGHT)
    assert x.decided_by == ("spread" if by_spread else "location")
    assert x.spread_reference_quantile == 1.0  # wider than every reference chunk of its size
    assert result.features["y"].decided_by == "location" or result.features["y"].spread_p_value > 0.01
    same = analyse_batch(summary, pd.DataFrame({"x": rng.standard_t(3, 200), "y": rng.normal(size=200)}))
    assert same.targets["input"].level == "ok"


def test_short_reference_falls_back_to_the_iid_spread_test() -> None:
    rng = np.random.default_rng(3)
    summary = summarise_reference(pd.DataFrame({"x": rng.normal(size=300)}), ["x"], [])
    result = analyse_batch(summary, pd.DataFrame({"x": 3 * rng.normal(size=100)}))
    x = result.features["x"]
    assert "not calibrated" in (result.targets["input"].calibration or "")
    assert x.spread_calibrated_p_value == x.spread_p_value  # i.i.d. test only
    assert x.spread_reference_quantile is None
    assert result.targets["input"].level == "drift" and x.decided_by == "spread"


def test_calibration_measures_the_spread_tests_inflation_on_autocorrelated_data() -> None:
    rng = np.random.default_rng(4)
    stream = ar_frame(10_000, rng)
    calibration = summarise_reference(stream, ["a", "b"], ["c"]).calibration
    assert calibration is not None
    member = calibration.member(SPREAD_PREFIX + "a")
    assert member is not None and member.kind == "spread" and member.inflation_at(1000) > 2
    iid = summarise_reference(pd.DataFrame({"a": rng.normal(size=10_000)}), ["a"], []).calibration
    assert iid is not None and iid.member(SPREAD_PREFIX + "a").inflation_at(1000) < 1.5  # type: ignore[union-attr]


def test_a_calibration_stored_without_spread_members_leaves_the_spread_test_out() -> None:
    rng = np.random.default_rng(5)
    stream = ar_frame(10_000, rng)
    summary = summarise_reference(stream, ["a", "b"], ["c"])
    assert summary.calibration is not None
    legacy = dataclasses.replace(summary.calibration, members=MappingProxyType(
        {k: v for k, v in summary.calibration.members.items() if not k.startswith(SPREAD_PREFIX)}))
    batch = ar_frame(1000, rng)
    batch["a"] = 3 * batch["a"]
    result = analyse_batch(dataclasses.replace(summary, calibration=legacy), batch)
    a = result.features["a"]
    assert math.isnan(a.spread_p_value) and a.decided_by == "location"


def test_a_column_is_one_family_member_with_a_weighted_bonferroni_p_value() -> None:
    location = MemberTest("ks", 0.1, 0.004, 1.0, 500.0)
    spread = MemberTest("chi_square", 9.0, 0.0027, 1.0, 1.0)
    folded = ColumnTests(location, spread)
    assert folded.p_value == pytest.approx(min(0.004 / (1 - SPREAD_WEIGHT), 0.0027 / SPREAD_WEIGHT))
    assert folded.decided_by == "location"
    assert ColumnTests(location, dataclasses.replace(spread, p_value=1e-6)).decided_by == "spread"
    assert ColumnTests(location).p_value == 0.004  # no spread test: the location test alone, unweighted
    # the bar a batch's location test must reach is its level at the location's share
    assert folded.bar(0.01) == pytest.approx(location.bar(0.01 * (1 - SPREAD_WEIGHT)))
