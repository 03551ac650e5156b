"""Golden values against scipy: exact where the summary is exact, a stated tolerance otherwise."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from mlcube_nb.monitoring import CategoricalSummary, NumericSummary, chi_square_test, ks_test
from mlcube_nb.monitoring.ks import ks_p_value
from mlcube_nb.monitoring.magnitudes import coarse_proportions, jensen_shannon, psi, wasserstein


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240501)


def test_ks_is_exact_on_discrete_data_with_ties(rng: np.random.Generator) -> None:
    ref, new = rng.poisson(4.0, 3000), rng.poisson(4.3, 2000)
    summary = NumericSummary.from_reference(ref)
    result = ks_test(summary, summary.summarise(new))
    expected = stats.ks_2samp(ref, new, method="asymp")
    assert summary.exact
    assert result.statistic == pytest.approx(expected.statistic, abs=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)


def test_ks_is_exact_for_continuous_batches_when_the_reference_is_exact(rng: np.random.Generator) -> None:
    ref, new = rng.normal(size=1500), rng.normal(0.1, 1.2, size=900)
    summary = NumericSummary.from_reference(ref)
    result = ks_test(summary, summary.summarise(new))
    expected = stats.ks_2samp(ref, new, method="asymp")
    assert result.statistic == pytest.approx(expected.statistic, abs=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)


def test_ks_on_a_sketch_is_a_lower_bound_within_one_open_cell(rng: np.random.Generator) -> None:
    ref, new = rng.normal(size=50_000), rng.normal(0.05, 1.0, size=20_000)
    summary = NumericSummary.from_reference(ref, max_edges=512)
    result = ks_test(summary, summary.summarise(new))
    expected = stats.ks_2samp(ref, new, method="asymp").statistic
    tolerance = summary.between.max() / summary.count  # the largest reference open-cell mass
    assert not summary.exact and tolerance < 2.5 / 512
    assert expected - tolerance <= result.statistic <= expected + 1e-12


def test_chi_square_matches_contingency_and_chisquare(rng: np.random.Generator) -> None:
    cats = np.array(["a", "b", "c", "d"])
    ref = CategoricalSummary.from_values(rng.choice(cats, 4000, p=[0.4, 0.3, 0.2, 0.1]))
    new = CategoricalSummary.from_values(rng.choice(cats, 1500, p=[0.35, 0.3, 0.25, 0.1]))
    result = chi_square_test(ref, new)
    _, r, b = ref.aligned(new)
    table = np.vstack((r, b))
    contingency = stats.chi2_contingency(table, correction=False)
    expected = contingency.expected_freq
    flat = stats.chisquare(table.ravel(), expected.ravel(), ddof=table.shape[1])
    assert result.statistic == pytest.approx(contingency.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(contingency.pvalue, rel=1e-9)
    assert result.statistic == pytest.approx(flat.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(flat.pvalue, rel=1e-9)


def test_wasserstein_is_exact_on_discrete_data(rng: np.random.Generator) -> None:
    ref, new = rng.integers(0, 20, 5000), rng.integers(2, 20, 3000)  # every batch value is an edge
    summary = NumericSummary.from_reference(ref)
    batch = summary.summarise(new)
    assert wasserstein(summary, batch) == pytest.approx(stats.wasserstein_distance(ref, new), rel=1e-12)


def test_wasserstein_on_continuous_data_within_one_percent(rng: np.random.Generator) -> None:
    # Batch values inside open cells are spread uniformly over their cell: a 1 % tolerance.
    ref, new = rng.normal(size=20_000), rng.normal(0.3, 1.1, size=10_000)
    summary = NumericSummary.from_reference(ref, max_edges=1024)
    result = wasserstein(summary, summary.summarise(new))
    assert result == pytest.approx(stats.wasserstein_distance(ref, new), rel=0.01)


def test_jensen_shannon_and_psi_match_scipy(rng: np.random.Generator) -> None:
    p, q = rng.dirichlet(np.ones(10)), rng.dirichlet(np.ones(10))
    assert jensen_shannon(p, q) == pytest.approx(jensenshannon(p, q, base=2), rel=1e-12)
    jeffreys = stats.entropy(p, q) + stats.entropy(q, p)
    assert psi(p, q) == pytest.approx(jeffreys, rel=1e-12)


def test_psi_bins_are_reference_deciles(rng: np.random.Generator) -> None:
    ref, new = rng.normal(size=1000), rng.normal(0.5, 1.0, size=800)
    summary = NumericSummary.from_reference(ref)
    ref_p, new_p = coarse_proportions(summary, summary.summarise(new), bins=10)
    cuts = np.sort(ref)[np.arange(100, 1000, 100) - 1]  # the 10 %, 20 %, ... order statistics
    expected = np.bincount(np.searchsorted(cuts, new, side="left"), minlength=10) / new.size
    np.testing.assert_allclose(ref_p, np.full(10, 0.1))
    np.testing.assert_allclose(new_p, expected)


@pytest.mark.parametrize("effective_n", [10_001, 50_000, 500_000])
def test_large_sample_ks_p_value_agrees_with_scipy_asymp(effective_n: int) -> None:
    # Above 10,000 effective observations Stephens' corrected limit replaces kstwo (2 % tolerance).
    for target in (0.5, 0.05, 1e-3, 1e-5):
        statistic = stats.kstwo.isf(target, effective_n)
        assert ks_p_value(statistic, effective_n) == pytest.approx(target, rel=0.02)
