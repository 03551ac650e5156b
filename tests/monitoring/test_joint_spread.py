"""The joint spread member: a change of spread shared by every numeric column of a target (issue 12)."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest

from mlcube_nb.monitoring import analyse_batch, summarise_reference
from mlcube_nb.monitoring.calibration import (
    JOINT_SPREAD_PREFIX,
    Calibration,
    MemberCalibration,
    joint_spread,
)
from mlcube_nb.monitoring.reference import ReferenceSummary
from tests.monitoring.test_calibration import ar_frame

COLUMNS = [f"x{i}" for i in range(8)]


def correlated(n: int, rng: np.random.Generator, scale: float = 1.0, share: float = 0.6) -> pd.DataFrame:
    """Eight columns sharing one factor (pairwise correlation ``share**2``), independent rows."""
    factor = rng.normal(size=n)
    values = scale * (share * factor[:, None] + np.sqrt(1 - share**2) * rng.normal(size=(n, len(COLUMNS))))
    return pd.DataFrame(values, columns=COLUMNS)


def without_joint(summary: ReferenceSummary) -> ReferenceSummary:
    """The same reference as stored before the joint spread member existed."""
    assert summary.calibration is not None
    members = {k: v for k, v in summary.calibration.members.items() if not k.startswith(JOINT_SPREAD_PREFIX)}
    return dataclasses.replace(summary, calibration=dataclasses.replace(summary.calibration,
                                                                         members=MappingProxyType(members)))


def test_lambda_and_shape_follow_how_the_columns_move_together() -> None:
    rng = np.random.default_rng(0)
    chunks, k = 4000, 5
    independent = (rng.normal(size=(k, chunks)) ** 2).sum(axis=0)
    lam, nu = joint_spread(independent, k)
    assert lam == pytest.approx(1.0, abs=0.05) and nu == pytest.approx(k, abs=0.3)
    as_one = k * rng.normal(size=chunks) ** 2  # every column the same z
    lam, nu = joint_spread(as_one, k)
    assert lam == pytest.approx(1.0, abs=0.1) and nu == pytest.approx(1.0, abs=0.1)
    half = rng.normal(size=chunks)  # z_j = (common + own) / sqrt(2): correlation 1/2 -> nu = k / (1 + (k - 1) / 4)
    shared = (((half[None, :] + rng.normal(size=(k, chunks))) / np.sqrt(2)) ** 2).sum(axis=0)
    assert joint_spread(shared, k)[1] == pytest.approx(k / (1 + (k - 1) / 4), rel=0.1)
    wider = 3 * independent  # chunks three times as spread as independent rows would be
    assert joint_spread(wider, k)[0] == pytest.approx(3.0, rel=0.05)
    assert joint_spread(np.array([np.nan, 2.0]), k) == (pytest.approx(1.0), 1.0)  # too few chunks: no shape


def test_the_calibration_measures_every_target_with_two_numeric_columns_and_round_trips() -> None:
    rng = np.random.default_rng(1)
    summary = summarise_reference(correlated(600, rng), COLUMNS, [])
    assert summary.calibration is not None
    member = summary.calibration.member(JOINT_SPREAD_PREFIX + "input")
    assert member is not None and member.kind == "joint_spread" and member.shape is not None
    assert member.shape.shape == member.sizes.shape and ((member.shape >= 1) & (member.shape <= 8)).all()
    tight = summarise_reference(correlated(600, rng, share=0.95), COLUMNS, [])  # columns that nearly move as one
    assert tight.calibration is not None
    close = tight.calibration.member(JOINT_SPREAD_PREFIX + "input")
    assert close is not None and 1.0 <= close.shape_at(30) < 3.0 < member.shape_at(30)
    again = Calibration.from_dict(summary.calibration.to_dict())
    back = again.member(JOINT_SPREAD_PREFIX + "input")
    assert back is not None and back.shape is not None and np.allclose(back.shape, member.shape)
    assert MemberCalibration.from_dict(summary.calibration.members["x0"].to_dict()).shape is None
    one = summarise_reference(correlated(600, rng)[["x0"]], ["x0"], [])
    assert one.calibration is not None and one.calibration.member(JOINT_SPREAD_PREFIX + "input") is None


def test_a_spread_shared_by_every_column_is_drift_where_single_columns_are_not() -> None:
    rng = np.random.default_rng(2)
    summary = summarise_reference(correlated(600, rng), COLUMNS, [])
    batches = [correlated(30, rng, scale=1.3) for _ in range(30)]  # every column 30 % wider
    joint = [analyse_batch(summary, b).targets["input"] for b in batches]
    legacy = [analyse_batch(without_joint(summary), b).targets["input"] for b in batches]
    assert all(t.joint_spread_adjusted_p_value is None for t in legacy)
    with_joint = sum(t.level == "drift" for t in joint)
    alone = sum(t.level == "drift" for t in legacy)
    assert with_joint >= 18 and alone <= 15 and with_joint >= alone + 6
    gained = [t for t, old in zip(joint, legacy, strict=True) if t.level == "drift" and old.level != "drift"]
    assert gained and all(t.calibration and "joint spread test" in t.calibration for t in gained)
    assert all(t.joint_spread_adjusted_p_value is not None and t.joint_spread_adjusted_p_value < 0.01 for t in gained)


def test_stationary_correlated_columns_keep_the_false_drift_rate() -> None:
    rng = np.random.default_rng(3)
    levels = []
    for _ in range(20):
        summary = summarise_reference(correlated(600, rng), COLUMNS, [])
        levels += [analyse_batch(summary, correlated(30, rng)).targets["input"].level for _ in range(10)]
    assert levels.count("drift") <= 4  # 2 % of 200: alpha is 1 %


def test_autocorrelated_columns_widen_the_levels_and_stay_quiet() -> None:
    rng = np.random.default_rng(4)
    stream = ar_frame(15_000, rng)
    summary = summarise_reference(stream.iloc[:10_000], ["a", "b"], ["c"])
    assert summary.calibration is not None
    member = summary.calibration.member(JOINT_SPREAD_PREFIX + "input")
    assert member is not None and member.inflation_at(1000) > 2  # AR(1) 0.95 + a daily cycle: chunks vary
    batches = [analyse_batch(summary, stream.iloc[10_000 + i * 1000:11_000 + i * 1000]) for i in range(5)]
    assert all(b.targets["input"].level != "drift" for b in batches)
    assert all(b.targets["input"].joint_spread_adjusted_p_value is not None for b in batches)


def test_a_short_reference_or_a_missing_column_leaves_the_joint_member_out() -> None:
    rng = np.random.default_rng(5)
    summary = summarise_reference(correlated(600, rng), COLUMNS, [])
    big = analyse_batch(summary, correlated(200, rng)).targets["input"]  # 3 chunks of 200 rows: not calibrated
    assert big.joint_spread_adjusted_p_value is None and big.calibration and "not calibrated" in big.calibration
    gap = correlated(30, rng)
    gap["x3"] = np.nan  # no spread statistic for one column: the joint member is untested, the rest decides
    target = analyse_batch(summary, gap).targets["input"]
    assert target.joint_spread_adjusted_p_value is not None and np.isnan(target.joint_spread_adjusted_p_value)
