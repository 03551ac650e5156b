"""Importance weights, effective sample size and resampling on data whose answer is known in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from mlcube_nb.retraining import (
    clip_and_normalise,
    effective_sample_size,
    fit_domain_classifier,
    pooled_weights,
    resample_counts,
)


def _shifted(shift: float, n: int = 4000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Old samples from N(0, 1), new ones from N(shift, 1): a 1-D design matrix and the new-concept mask."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(0.0, 1.0, n), rng.normal(shift, 1.0, n)])[:, None]
    return x, np.repeat([False, True], n)


def test_domain_classifier_recovers_the_gaussian_density_ratio() -> None:
    # N(1,1) / N(0,1) = exp(x - 1/2): log-linear in x, so logistic regression is the right model class.
    x, is_new = _shifted(1.0, n=10000)
    classifier = fit_domain_classifier(x, is_new, l2=1e-3)
    grid = np.linspace(-1.0, 2.0, 13)[:, None]
    true_ratio = np.exp(grid[:, 0] - 0.5)
    estimate = classifier.density_ratio(grid)
    assert np.max(np.abs(estimate / true_ratio - 1)) < 0.15


def test_pooled_weights_are_p_new_over_p_pool() -> None:
    x, is_new = _shifted(1.0, n=10000)
    weights = pooled_weights(x, is_new, l2=1e-3)
    assert weights.mean() == pytest.approx(1.0)
    # p_pool = (p_new + p_old) / 2, so w = p_new / p_pool = 2 r / (r + 1) with r = exp(x - 1/2).
    for point in (-1.0, 0.0, 0.5, 1.5):
        nearest = np.argmin(np.abs(x[:, 0] - point))
        r = np.exp(x[nearest, 0] - 0.5)
        assert weights[nearest] == pytest.approx(2 * r / (r + 1), rel=0.1)
    assert weights[is_new].mean() > weights[~is_new].mean()


def test_effective_sample_size_falls_as_the_shift_grows() -> None:
    sizes = [effective_sample_size(pooled_weights(*_shifted(shift))) for shift in (0.0, 0.5, 1.5, 3.0)]
    assert sizes[0] > 0.95 * 8000  # no shift: nearly equal weights, nearly all samples count
    assert all(a > b for a, b in zip(sizes, sizes[1:], strict=False))
    assert sizes[-1] < 0.6 * 8000


def test_effective_sample_size_formula() -> None:
    assert effective_sample_size(np.ones(10)) == pytest.approx(10)
    assert effective_sample_size(np.array([1.0, 0.0, 0.0])) == pytest.approx(1)
    assert effective_sample_size(np.array([2.0, 1.0, 1.0])) == pytest.approx(16 / 6)


def test_clipping_bounds_the_weights_and_keeps_mean_one() -> None:
    w = clip_and_normalise(np.array([1e-9, 1.0, 1.0, 1000.0]), low=0.01, high=2.5)
    assert w.mean() == pytest.approx(1.0)
    assert w.max() / w.min() <= 2.5 / 0.01 + 1e-9
    with pytest.raises(ValueError, match="finite"):
        clip_and_normalise(np.array([0.0, 0.0]))


@pytest.mark.parametrize("size", [0, 1, 500, 12345])
def test_resampling_counts_sum_to_the_size_and_follow_the_weights(size: int) -> None:
    weights = np.array([1.0, 3.0, 0.0, 6.0])
    counts = resample_counts(weights, size, seed=7)
    assert counts.sum() == size and counts[2] == 0
    assert np.array_equal(counts, resample_counts(weights, size, seed=7))  # seeded
    if size > 10000:
        assert np.allclose(counts / size, weights / weights.sum(), atol=0.02)


def test_resampling_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="negative"):
        resample_counts(np.ones(3), -1)
    with pytest.raises(ValueError, match="weights"):
        resample_counts(np.array([-1.0, 2.0]), 3)


def test_domain_classifier_needs_both_groups() -> None:
    with pytest.raises(ValueError, match="before and after"):
        fit_domain_classifier(np.zeros((5, 1)), np.zeros(5, dtype=bool))
