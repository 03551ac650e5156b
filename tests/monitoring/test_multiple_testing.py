"""Holm and Bonferroni adjustments."""

from __future__ import annotations

import numpy as np
import pytest

from mlcube_nb.monitoring import adjust, bonferroni, holm


def test_holm_step_down_by_hand() -> None:
    # sorted 0.01, 0.02, 0.03, 0.2 -> x4, x3, x2, x1 -> 0.04, 0.06, 0.06, 0.2
    np.testing.assert_allclose(holm([0.03, 0.01, 0.2, 0.02]), [0.06, 0.04, 0.2, 0.06])


def test_nan_is_not_a_test_and_stays_nan() -> None:
    out = holm([0.01, np.nan, 0.02])
    assert np.isnan(out[1]) and out[0] == pytest.approx(0.02) and out[2] == pytest.approx(0.02)
    assert np.all(np.isnan(holm([np.nan, np.nan])))


def test_holm_never_exceeds_bonferroni_and_both_stay_in_unit_interval() -> None:
    p = np.random.default_rng(0).random(50) ** 3
    h, b = holm(p), bonferroni(p)
    assert np.all(h <= b + 1e-15) and np.all((h >= p) & (b <= 1.0))


def test_family_wise_error_is_controlled_under_the_global_null() -> None:
    rng = np.random.default_rng(1)
    p = rng.random((4000, 25))
    false_drift = np.mean([np.any(holm(row) <= 0.01) for row in p])
    assert false_drift <= 0.01 + 3 * np.sqrt(0.01 * 0.99 / 4000)


def test_unknown_correction_is_refused() -> None:
    with pytest.raises(ValueError, match="correction must be one of"):
        adjust([0.1], "fdr")  # type: ignore[arg-type]
