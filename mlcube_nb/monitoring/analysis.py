"""The entry point the server pipeline calls: compare a batch with the reference, per target.

For each monitored column the batch summary is tested against the reference summary (KS for
numeric, chi-square for categorical) and its drift magnitudes are measured (PSI,
Jensen–Shannon, Wasserstein-1). For each target the family of its column p-values, plus its
multivariate QuantTree p-value, is adjusted with Holm (or Bonferroni), so the probability that
a stationary batch raises a false DRIFT on that target is at most ``alpha``; WARNING uses
``alpha_warning`` the same way. The target's magnitude is the largest PSI among its columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._checks import check_levels, check_positive_int
from .batch import BatchSummary, summarise_batch
from .chi_square import chi_square_test
from .ks import ks_test
from .magnitudes import categorical_magnitudes, numeric_magnitudes
from .multiple_testing import Correction, adjust
from .quanttree import quanttree_test
from .reference import ReferenceSummary
from .results import Level, TestResult, level_from_p_value


@dataclass(frozen=True)
class FeatureResult:
    """Test and magnitudes of one column (raw p-value; see TargetResult for adjusted ones)."""

    column: str
    data_type: Literal["numeric", "categorical"]
    test: str
    statistic: float
    p_value: float
    psi: float
    jensen_shannon: float
    wasserstein: float | None
    n_batch: int
    n_missing: int


@dataclass(frozen=True)
class TargetResult:
    """Decision for one monitoring target, with the per-column decisions inside it."""

    target: str
    level: Level
    magnitude: float
    p_value: float
    columns: tuple[str, ...]
    adjusted_p_values: Mapping[str, float]
    column_levels: Mapping[str, Level]
    multivariate: TestResult | None
    multivariate_adjusted_p_value: float | None


@dataclass(frozen=True)
class BatchAnalysis:
    """Everything :func:`analyse_batch` found; ``to_dict`` gives plain JSON-able data."""

    features: Mapping[str, FeatureResult]
    targets: Mapping[str, TargetResult]
    n_rows: int
    alpha: float
    alpha_warning: float
    correction: str

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the analysis (NaN kept as float NaN; mappings as dicts)."""
        def target(t: TargetResult) -> dict[str, Any]:
            mv = None if t.multivariate is None else vars(t.multivariate).copy()
            return {**vars(t), "adjusted_p_values": dict(t.adjusted_p_values),
                    "column_levels": dict(t.column_levels), "columns": list(t.columns), "multivariate": mv}

        return {
            "features": {k: vars(f).copy() for k, f in self.features.items()},
            "targets": {k: target(t) for k, t in self.targets.items()},
            "n_rows": self.n_rows, "alpha": self.alpha, "alpha_warning": self.alpha_warning,
            "correction": self.correction,
        }


def compare(
    reference: ReferenceSummary, batch: BatchSummary, *, alpha: float = 0.01, alpha_warning: float = 0.05,
    correction: Correction = "holm", n_simulations: int = 4999, magnitude_bins: int = 10, seed: int = 0,
) -> BatchAnalysis:
    """Test a batch summary against the reference summary and decide per target."""
    alpha, alpha_warning = check_levels(alpha, alpha_warning)
    check_positive_int("n_simulations", n_simulations, minimum=99)
    features: dict[str, FeatureResult] = {}
    for name, ref in reference.numeric.items():
        new = batch.numeric[name]
        mags = numeric_magnitudes(ref, new, bins=magnitude_bins)
        features[name] = _feature(name, "numeric", ks_test(ref, new), mags, new.n_missing)
    for name, cref in reference.categorical.items():
        cnew = batch.categorical[name]
        mags = categorical_magnitudes(cref, cnew)
        features[name] = _feature(name, "categorical", chi_square_test(cref, cnew), mags, cnew.n_missing)
    rng = np.random.default_rng(seed)
    targets = {}
    for name, columns in reference.targets.items():
        partition = reference.partitions.get(name)
        multivariate = None
        if partition is not None:
            counts = batch.bin_counts[name]
            multivariate = quanttree_test(partition, counts, n_simulations=n_simulations, rng=rng)
        targets[name] = _decide(name, columns, features, multivariate, alpha, alpha_warning, correction)
    return BatchAnalysis(
        MappingProxyType(features), MappingProxyType(targets), batch.n_rows, alpha, alpha_warning, correction
    )


def analyse_batch(
    reference: ReferenceSummary, batch: pd.DataFrame, *, alpha: float = 0.01, alpha_warning: float = 0.05,
    correction: Correction = "holm", max_tree_rows: int = 50_000, n_simulations: int = 4999,
    seed: int = 0, n_jobs: int = 1,
) -> BatchAnalysis:
    """Summarise a production batch and compare it with the reference, per column and per target.

    Examples
    --------
    >>> from mlcube_nb.monitoring.reference import summarise_reference
    >>> rng = np.random.default_rng(0)
    >>> def frame(shift):
    ...     return pd.DataFrame({"x": rng.normal(shift, 1.0, 2000), "c": rng.choice(["a", "b"], 2000)})
    >>> ref = summarise_reference(frame(0.0), ["x"], ["c"])
    >>> analyse_batch(ref, frame(0.0)).targets["input"].level
    'ok'
    >>> result = analyse_batch(ref, frame(1.0))
    >>> result.targets["input"].level, result.targets["input"].column_levels["x"]
    ('drift', 'drift')
    """
    summary = summarise_batch(reference, batch, max_tree_rows=max_tree_rows, seed=seed, n_jobs=n_jobs)
    return compare(
        reference, summary, alpha=alpha, alpha_warning=alpha_warning, correction=correction,
        n_simulations=n_simulations, seed=seed,
    )


def _feature(
    name: str, data_type: Literal["numeric", "categorical"], test: TestResult, mags: Any, n_missing: int
) -> FeatureResult:
    return FeatureResult(
        name, data_type, test.test, test.statistic, test.p_value, mags.psi, mags.jensen_shannon,
        mags.wasserstein, test.n_batch, n_missing,
    )


def _decide(
    name: str, columns: tuple[str, ...], features: Mapping[str, FeatureResult],
    multivariate: TestResult | None, alpha: float, alpha_warning: float, correction: Correction,
) -> TargetResult:
    """Adjust the target's family of p-values and map them to levels."""
    raw = [features[c].p_value for c in columns] + ([multivariate.p_value] if multivariate else [])
    adjusted = adjust(raw, correction)
    levels = [level_from_p_value(float(p), alpha, alpha_warning) for p in adjusted]
    level: Level = "drift" if "drift" in levels else ("warning" if "warning" in levels else "ok")
    psis = [features[c].psi for c in columns if np.isfinite(features[c].psi)]
    return TargetResult(
        name, level, float(max(psis)) if psis else float("nan"),
        float(np.nanmin(adjusted)) if np.isfinite(adjusted).any() else float("nan"), columns,
        MappingProxyType({c: float(p) for c, p in zip(columns, adjusted, strict=False)}),
        MappingProxyType(dict(zip(columns, levels, strict=False))),
        multivariate, float(adjusted[-1]) if multivariate else None,
    )
