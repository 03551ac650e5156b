"""The pipeline entry points: summarise_reference, summarise_batch/compare, analyse_batch."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mlcube_nb.monitoring import (
    BatchSummary,
    ReferenceSummary,
    analyse_batch,
    compare,
    summarise_batch,
    summarise_reference,
)

NUMERIC = [f"x{i}" for i in range(6)]
CATEGORICAL = ["colour", "size"]


def frame(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    data = {c: rng.normal(shift if c == "x0" else 0.0, 1.0, n) for c in NUMERIC}
    data["colour"] = rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2])
    data["size"] = rng.choice([1, 2, 3], n)
    data["y"] = (data["x1"] + rng.normal(size=n) > 0).astype(int)
    return pd.DataFrame(data)


@pytest.fixture(scope="module")
def reference() -> ReferenceSummary:
    rng = np.random.default_rng(0)
    targets = {"input": NUMERIC + CATEGORICAL, "concept": NUMERIC + CATEGORICAL + ["y"], "prediction": ["y"]}
    return summarise_reference(frame(rng, 4000), NUMERIC, CATEGORICAL + ["y"], targets=targets)


def test_stationary_batches_keep_the_false_drift_rate_at_alpha(reference: ReferenceSummary) -> None:
    rng = np.random.default_rng(1)
    trials = 60
    levels = [
        analyse_batch(reference, frame(rng, 500), alpha=0.05, seed=i).targets["input"].level
        for i in range(trials)
    ]
    assert levels.count("drift") <= stats.binom.ppf(0.999, trials, 0.05)


def test_a_shift_in_one_column_is_found_and_localised(reference: ReferenceSummary) -> None:
    result = analyse_batch(reference, frame(np.random.default_rng(2), 1000, shift=0.5))
    target = result.targets["input"]
    assert target.level == "drift" and target.column_levels["x0"] == "drift"
    assert sum(level == "drift" for level in target.column_levels.values()) == 1
    assert target.magnitude == pytest.approx(result.features["x0"].psi)
    assert result.targets["prediction"].multivariate is None  # one column: no multivariate test


def test_chunked_batches_merge_to_the_same_analysis(reference: ReferenceSummary) -> None:
    batch = frame(np.random.default_rng(3), 2000)
    whole = summarise_batch(reference, batch)
    parts = summarise_batch(reference, batch.iloc[:700]).merge(summarise_batch(reference, batch.iloc[700:]))
    a, b = compare(reference, whole), compare(reference, parts)
    for column in NUMERIC + CATEGORICAL:
        assert a.features[column].p_value == pytest.approx(b.features[column].p_value, rel=1e-12)
    assert parts.bin_counts["input"].sum() == 2000


def test_summaries_and_analysis_are_json_able(reference: ReferenceSummary) -> None:
    restored = ReferenceSummary.from_dict(json.loads(json.dumps(reference.to_dict(), allow_nan=False)))
    batch = frame(np.random.default_rng(4), 800)
    summary = summarise_batch(restored, batch)
    assert BatchSummary.from_dict(json.loads(json.dumps(summary.to_dict()))).n_rows == 800
    first, second = analyse_batch(reference, batch), analyse_batch(restored, batch)
    assert json.dumps(first.to_dict()) == json.dumps(second.to_dict())


def test_threads_do_not_change_results(reference: ReferenceSummary) -> None:
    batch = frame(np.random.default_rng(5), 3000)
    one, two = analyse_batch(reference, batch, n_jobs=1), analyse_batch(reference, batch, n_jobs=2)
    assert json.dumps(one.to_dict()) == json.dumps(two.to_dict())


def test_bonferroni_is_never_more_liberal_than_holm(reference: ReferenceSummary) -> None:
    batch = frame(np.random.default_rng(6), 1000, shift=0.15)
    holm = analyse_batch(reference, batch, correction="holm").targets["input"]
    bonf = analyse_batch(reference, batch, correction="bonferroni").targets["input"]
    assert all(bonf.adjusted_p_values[c] >= holm.adjusted_p_values[c] - 1e-15 for c in holm.columns)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"numeric": ["nope"], "categorical": []}, "not in the data frame"),
        ({"numeric": ["x0"], "categorical": ["x0"]}, "listed once"),
        ({"numeric": "x0", "categorical": []}, "lists of column names"),
        ({"numeric": ["x0"], "categorical": [], "targets": {"input": ["x1"]}}, "target 'input'"),
    ],
)
def test_bad_column_lists_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        summarise_reference(frame(np.random.default_rng(7), 100), **kwargs)


def test_a_batch_missing_a_column_is_refused(reference: ReferenceSummary) -> None:
    with pytest.raises(ValueError, match="lacks the monitored columns"):
        analyse_batch(reference, frame(np.random.default_rng(8), 100).drop(columns=["x3"]))


def test_alpha_levels_are_validated(reference: ReferenceSummary) -> None:
    with pytest.raises(ValueError, match="alpha_warning"):
        analyse_batch(reference, frame(np.random.default_rng(9), 100), alpha=0.05, alpha_warning=0.01)
