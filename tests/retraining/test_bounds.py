"""Forecast bounds and the whole report on synthetic data whose best achievable metric is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlcube_nb.retraining import ReportSpec, compute_report
from mlcube_nb.retraining.metrics import accuracy, cost_function, rmse, rsquare


def _regression(n_old: int = 1500, n_new: int = 400, noise: float = 0.5, seed: int = 0) -> tuple[pd.DataFrame,
                                                                                                   np.ndarray]:
    """y = 2·x1 - x2 + noise for all samples; the new concept has x1 shifted by 2 (covariate shift)."""
    rng = np.random.default_rng(seed)
    x1 = np.concatenate([rng.normal(0, 1, n_old), rng.normal(2, 1, n_new)])
    x2 = rng.normal(0, 1, n_old + n_new)
    color = rng.choice(["a", "b"], n_old + n_new)
    y = 2 * x1 - x2 + rng.normal(0, noise, n_old + n_new)
    return pd.DataFrame({"x1": x1, "x2": x2, "color": color, "y": y}), np.repeat([False, True], [n_old, n_new])


def test_regression_bounds_reach_the_noise_level() -> None:
    frame, is_new = _regression()
    spec = ReportSpec(numeric=["x1", "x2"], categorical=["color"], target="y", kind="regression", metric="rmse",
                      cost_info={"currency": "euro", "overestimation_cost": 2.0, "underestimation_cost": 1.0})
    result = compute_report(frame, is_new, spec)
    # A linear model is exact up to the noise: both estimates of the rmse are close to its sd (0.5).
    assert result.bounds.performance_lower_bound == pytest.approx(0.5, abs=0.08)
    assert result.bounds.performance_upper_bound == pytest.approx(0.5, abs=0.08)
    # Mean cost of symmetric N(0, σ) errors: (2 + 1) · σ / √(2π).
    expected_cost = 3 * 0.5 / np.sqrt(2 * np.pi)
    assert result.bounds.cost_lower_bound == pytest.approx(expected_cost, rel=0.2)
    assert result.bounds.cost_upper_bound == pytest.approx(expected_cost, rel=0.2)
    assert result.weights.mean() == pytest.approx(1.0)
    # Old samples like the new concept (large x1) weigh more than those far from it.
    old = ~is_new
    assert np.corrcoef(frame["x1"][old], result.weights[old])[0, 1] > 0.5
    assert 0 < result.effective_sample_size < len(frame)
    assert result.counts.sum() == 0 and 0 < result.in_reference.sum() < len(frame)


def test_concept_drift_makes_the_empirical_bound_worse_than_the_optimistic_one() -> None:
    frame, is_new = _regression()
    frame.loc[is_new, "y"] = -3 * frame.loc[is_new, "x1"] + np.random.default_rng(1).normal(0, 0.5, is_new.sum())
    spec = ReportSpec(numeric=["x1", "x2"], categorical=[], target="y", kind="regression", metric="rsquare")
    bounds = compute_report(frame, is_new, spec).bounds
    assert bounds.performance_upper_bound > 0.8 > bounds.performance_lower_bound
    assert bounds.cost_lower_bound is None and bounds.cost_upper_bound is None


def test_classification_report_with_resampled_dataset_and_costs() -> None:
    rng = np.random.default_rng(3)
    n_old, n_new = 1200, 300
    x = np.concatenate([rng.normal(-1, 1, n_old), rng.normal(1, 1, n_new)])
    label = np.where(x + rng.normal(0, 0.3, len(x)) > 0, "yes", "no")
    frame = pd.DataFrame({"x": x, "label": label})
    frame.loc[:50, "label"] = None  # unlabelled samples still get weights
    is_new = np.repeat([False, True], [n_old, n_new])
    spec = ReportSpec(numeric=["x"], categorical=[], target="label", kind="classification", metric="accuracy",
                      suggestion_type="resampled_dataset", resampled_dataset_size=700, classes=["no", "yes"],
                      positive_class="yes",
                      cost_info={"currency": "euro", "false_positive_cost": 1.0, "false_negative_cost": 4.0})
    result = compute_report(frame, is_new, spec)
    assert result.counts.sum() == 700 and np.array_equal(result.in_reference, result.counts > 0)
    assert result.bounds.performance_lower_bound > 0.85 and result.bounds.performance_upper_bound > 0.85
    assert 0 <= result.bounds.cost_lower_bound < 0.5
    assert result.bounds.n_old_labelled == n_old - 51 and result.bounds.n_new_labelled == n_new


def test_too_few_labelled_new_samples_is_a_readable_error() -> None:
    frame, is_new = _regression(n_new=30)
    frame.loc[np.flatnonzero(is_new)[5:], "y"] = np.nan
    spec = ReportSpec(numeric=["x1"], categorical=[], target="y", kind="regression", metric="rmse")
    with pytest.raises(ValueError, match="only 5 labelled samples after the drift"):
        compute_report(frame, is_new, spec)


def test_metrics_and_costs() -> None:
    assert rmse(np.array([0.0, 0.0]), np.array([3.0, 4.0])) == pytest.approx(np.sqrt(12.5))
    assert rsquare(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])) == 1.0
    assert accuracy(np.array([1, 0, 1]), np.array([1, 1, 1])) == pytest.approx(2 / 3)
    multi = cost_function("classification", {"currency": "euro", "misclassification_cost": {"a": 1, "b": 10}},
                          ("a", "b", "c"))
    assert multi is not None and multi(np.array([0, 1, 2]), np.array([1, 0, 2])) == pytest.approx(11 / 3)
    assert cost_function("regression", None) is None
    assert cost_function("classification", {"false_positive_cost": 1, "false_negative_cost": 1}, ("a",), "z") is None


@pytest.mark.parametrize("metric", ["accuracy", "rmse"])
def test_bounds_are_never_inverted_even_when_reweighting_beats_cross_validation(metric: str) -> None:
    """Few new-concept samples under covariate shift: the empirical estimate often beats the cross-validated one."""
    from mlcube_nb.retraining.bounds import Problem, forecast_bounds

    kind = "classification" if metric == "accuracy" else "regression"
    for seed in range(12):
        rng = np.random.default_rng(seed)
        n_old, n_new = 600, 40
        x = np.concatenate([rng.normal(0, 1, n_old), rng.normal(1, 1, n_new)])
        noisy = x + rng.normal(0, 0.8, len(x))
        y = (noisy > 0.5).astype(float) if kind == "classification" else noisy
        is_new = np.repeat([False, True], [n_old, n_new])
        cost = cost_function(kind, {"currency": "euro", "false_positive_cost": 1.0, "false_negative_cost": 3.0,
                                    "overestimation_cost": 1.0, "underestimation_cost": 3.0}, ("0", "1"), "1")
        problem = Problem(kind, metric, ("0", "1") if kind == "classification" else (), cost)
        bounds = forecast_bounds(problem, np.column_stack([x, np.ones_like(x)]), y, is_new,
                                 np.ones(len(x), dtype=bool), np.ones(len(x)), seed=seed)
        better = (bounds.performance_upper_bound <= bounds.performance_lower_bound if metric == "rmse"
                  else bounds.performance_upper_bound >= bounds.performance_lower_bound)
        assert better, (seed, bounds)
        assert bounds.cost_lower_bound is not None and bounds.cost_upper_bound is not None
        assert bounds.cost_lower_bound <= bounds.cost_upper_bound, (seed, bounds)
