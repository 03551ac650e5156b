"""Summaries: JSON round trips, exact and approximate merges, missing values."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlcube_nb.monitoring import CategoricalSummary, NumericSummary


def test_numeric_summary_round_trips_through_json() -> None:
    rng = np.random.default_rng(1)
    values = np.r_[rng.normal(size=5000), [np.nan, np.inf]]
    summary = NumericSummary.from_reference(values, max_edges=256)
    restored = NumericSummary.from_dict(json.loads(json.dumps(summary.to_dict(), allow_nan=False)))
    assert restored.to_dict() == summary.to_dict()
    assert summary.n_missing == 2 and summary.count == 5000 and not summary.exact


def test_batch_summaries_merge_exactly_on_the_same_edges() -> None:
    rng = np.random.default_rng(2)
    ref = NumericSummary.from_reference(rng.normal(size=3000), max_edges=128)
    a, b = rng.normal(0.2, 1.0, 1000), rng.normal(0.2, 1.0, 700)
    merged = ref.summarise(a).merge(ref.summarise(b))
    whole = ref.summarise(np.r_[a, b])
    np.testing.assert_array_equal(merged.at_edge, whole.at_edge)
    np.testing.assert_array_equal(merged.between, whole.between)
    assert merged.mean == pytest.approx(whole.mean) and merged.std == pytest.approx(whole.std)


def test_merging_different_grids_keeps_counts_and_approximates_the_cdf() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=4000), rng.normal(1.0, 2.0, size=3000)
    merged = NumericSummary.from_reference(a, max_edges=200).merge(
        NumericSummary.from_reference(b, max_edges=300), max_edges=256
    )
    assert merged.count == 7000 and merged.edges.size <= 256
    pooled = np.sort(np.r_[a, b])
    points = np.quantile(pooled, [0.1, 0.5, 0.9])
    _, right = merged.cdf_limits(points)
    np.testing.assert_allclose(right, np.searchsorted(pooled, points, side="right") / 7000, atol=0.01)


def test_empty_reference_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one finite value"):
        NumericSummary.from_reference([np.nan, np.nan])


def test_categorical_summary_treats_labels_as_strings_and_merges() -> None:
    a = CategoricalSummary.from_values([1, 2, 2, None])
    b = CategoricalSummary.from_values(["2", "3"])
    merged = a.merge(b)
    assert dict(zip(merged.categories, merged.counts.tolist(), strict=True)) == {"2": 3, "1": 1, "3": 1}
    assert merged.n_missing == 1
    restored = CategoricalSummary.from_dict(json.loads(json.dumps(merged.to_dict())))
    assert restored.to_dict() == merged.to_dict()


def test_categorical_summary_refuses_inconsistent_fields() -> None:
    with pytest.raises(ValueError, match="same length"):
        CategoricalSummary(("a",), np.array([1, 2]), 0)
