"""The entry point the server pipeline calls: compare a batch with the reference, per target.

For each monitored column the batch summary is tested against the reference summary (KS for
numeric, chi-square for categorical) and its drift magnitudes are measured (PSI,
Jensen–Shannon, Wasserstein-1). For each target the family of its column p-values, plus its
multivariate QuantTree p-value, is adjusted with Holm (or Bonferroni), so the probability that
a stationary batch raises a false DRIFT on that target is at most ``alpha``; WARNING uses
``alpha_warning`` the same way. The target's magnitude is the largest PSI among its columns.

When the reference carries a :class:`~mlcube_nb.monitoring.calibration.Calibration` covering the
batch's size, every p-value is also computed on the statistic deflated by the reference's own
chunk-to-chunk variation and Holm runs on those: a batch is WARNING / DRIFT only when it is
unusual both for the i.i.d. test and against that natural variation.

A target with two numeric columns or more also has a joint spread member when calibrated: the sum
of its columns' spread ``z**2`` against the same sum over the reference's chunks, for a change of
spread that every column shows a little (:mod:`~mlcube_nb.monitoring.calibration`).

Given ``carry`` (the records the previous batch left, :attr:`BatchAnalysis.carry`), a numeric column
that is WARNING in this batch and was WARNING in the previous one, in the same direction, is also
tested on the two batches' combined evidence (:mod:`~mlcube_nb.monitoring.carry`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ._checks import check_levels, check_positive_int
from .batch import BatchSummary, summarise_batch
from .calibrated_tests import ColumnTests, MemberTest
from .calibration import JOINT_SPREAD_PREFIX, KS_NULL_MEAN, SPREAD_PREFIX, Calibration, describe
from .carry import CarryRecord, ks_direction, pair_p_value, record
from .chi_square import chi_square_test, pool_sparse
from .ks import ks_test
from .magnitudes import categorical_magnitudes, numeric_magnitudes
from .multiple_testing import Correction, adjust
from .numeric_summary import NumericSummary
from .quanttree import monte_carlo_p_value, null_mean, pearson_statistic, seeded_nulls
from .reference import ReferenceSummary
from .results import Level, TestResult, level_from_p_value
from .spread import spread_test

Member = MemberTest | ColumnTests


@dataclass(frozen=True)
class FeatureResult:
    """Test and magnitudes of one column (raw p-value; see TargetResult for adjusted ones).

    ``test``, ``statistic``, ``p_value`` and ``calibrated_p_value`` are the location test's (KS or
    chi-square). A numeric column also has a spread test (Klotz's normal scores, :mod:`.spread`): its signed
    ``z`` (positive: the batch is more spread out), i.i.d. and calibrated p-values and reference
    quantile; ``decided_by`` says which of the two gives the column's p-value in the family
    (``"location"`` or ``"spread"``, :class:`~mlcube_nb.monitoring.calibrated_tests.ColumnTests`).
    """

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
    calibrated_p_value: float = float("nan")
    inflation: float = 1.0
    reference_quantile: float | None = None
    null_parameter: float = float("nan")
    spread_statistic: float = float("nan")
    spread_p_value: float = float("nan")
    spread_calibrated_p_value: float = float("nan")
    spread_reference_quantile: float | None = None
    decided_by: Literal["location", "spread"] = "location"


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
    statistic: float = 0.0
    warning_level: float = float("nan")
    drift_level: float = float("nan")
    column_warning_levels: Mapping[str, float] = field(default_factory=dict)
    column_drift_levels: Mapping[str, float] = field(default_factory=dict)
    calibration: str | None = None
    joint_spread_adjusted_p_value: float | None = None
    """The joint spread member's adjusted calibrated p-value (None: the target has none, see :func:`compare`)."""


@dataclass(frozen=True)
class BatchAnalysis:
    """Everything :func:`analyse_batch` found; ``to_dict`` gives plain JSON-able data."""

    features: Mapping[str, FeatureResult]
    targets: Mapping[str, TargetResult]
    n_rows: int
    alpha: float
    alpha_warning: float
    correction: str
    carry: Mapping[str, Mapping[str, CarryRecord]] = field(default_factory=dict)
    """Per target, the numeric columns at least WARNING in this batch and their evidence, for the next batch."""

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the analysis (NaN kept as float NaN; mappings as dicts)."""
        def target(t: TargetResult) -> dict[str, Any]:
            mv = None if t.multivariate is None else vars(t.multivariate).copy()
            return {**vars(t), "adjusted_p_values": dict(t.adjusted_p_values),
                    "column_levels": dict(t.column_levels), "columns": list(t.columns), "multivariate": mv,
                    "column_warning_levels": dict(t.column_warning_levels),
                    "column_drift_levels": dict(t.column_drift_levels)}

        return {
            "features": {k: vars(f).copy() for k, f in self.features.items()},
            "targets": {k: target(t) for k, t in self.targets.items()},
            "n_rows": self.n_rows, "alpha": self.alpha, "alpha_warning": self.alpha_warning,
            "correction": self.correction, "carry": {k: dict(v) for k, v in self.carry.items()},
        }


def compare(
    reference: ReferenceSummary, batch: BatchSummary, *, alpha: float = 0.01, alpha_warning: float = 0.05,
    correction: Correction = "holm", n_simulations: int = 4999, magnitude_bins: int = 10, seed: int = 0,
    carry: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
) -> BatchAnalysis:
    """Test a batch summary against the reference summary and decide per target.

    ``carry`` is the previous batch's :attr:`BatchAnalysis.carry` (None: no previous batch).
    """
    alpha, alpha_warning = check_levels(alpha, alpha_warning)
    check_positive_int("n_simulations", n_simulations, minimum=99)
    calibration = reference.calibration
    calibrated = calibration is not None and calibration.covers(batch.n_rows)
    note = None if calibration is None else describe(calibration.n_rows, batch.n_rows, calibrated=calibrated)
    rows = batch.n_rows
    features: dict[str, FeatureResult] = {}
    members: dict[str, Member] = {}
    used = calibration if calibrated else None
    for name, ref in reference.numeric.items():
        new = batch.numeric[name]
        mags = numeric_magnitudes(ref, new, bins=magnitude_bins)
        test = ks_test(ref, new)
        en = ref.count * new.count / (ref.count + new.count) if new.count else float("nan")
        normalised = en * test.statistic**2 / KS_NULL_MEAN
        location = _member("ks", test, en, used, name, rows)
        z, spread, spread_quantile = _spread(ref, new, used, name, rows)
        folded = ColumnTests(location, spread)
        members[name] = folded
        features[name] = replace(
            _feature(name, "numeric", test, mags, new.n_missing, location, _quantile(used, name, normalised, rows)),
            spread_statistic=z, spread_p_value=spread.p_value if spread else float("nan"),
            spread_calibrated_p_value=spread.calibrated_p_value if spread else float("nan"),
            spread_reference_quantile=spread_quantile, decided_by=folded.decided_by,
        )
    for name, cref in reference.categorical.items():
        cnew = batch.categorical[name]
        mags = categorical_magnitudes(cref, cnew)
        test = chi_square_test(cref, cnew)
        df = _chi_square_df(cref, cnew)
        members[name] = categorical = _member("chi_square", test, df, used, name, rows)
        features[name] = _feature(name, "categorical", test, mags, cnew.n_missing, categorical,
                                  _quantile(used, name, test.statistic / df, rows))
    counted = {name: np.asarray(batch.bin_counts[name], dtype=np.int64)
               for name in reference.targets if name in reference.partitions}
    # drawn in the targets' order from one generator, as drawing them one by one would
    drawn = [(name, reference.partitions[name], int(c.sum())) for name, c in counted.items() if c.sum() > 0]
    nulls = dict(zip((name for name, _, _ in drawn),
                     seeded_nulls([(p, nu) for _, p, nu in drawn], seed=seed, n_simulations=n_simulations),
                     strict=True))
    targets = {}
    carried: dict[str, dict[str, CarryRecord]] = {}
    pairing = _Pairing(reference, batch, calibration, rows)
    for name, columns in reference.targets.items():
        partition = reference.partitions.get(name)
        multivariate, joint = None, None
        if partition is not None:
            counts = counted[name]
            nu = int(counts.sum())
            if nu == 0:
                multivariate = TestResult("quanttree", float("nan"), float("nan"), partition.n_reference, 0)
                joint = MemberTest("quanttree", float("nan"), float("nan"), 1.0)
            else:
                observed = pearson_statistic(partition, counts)
                null = nulls[name]
                multivariate = TestResult("quanttree", observed, monte_carlo_p_value(null, observed),
                                          partition.n_reference, nu)
                member = calibration.member(f"quanttree:{name}") if calibrated and calibration else None
                joint = MemberTest("quanttree", observed, multivariate.p_value,
                                   member.inflation_at(rows) if member else 1.0, null_mean(partition, nu), null,
                                   _chunks(calibration, rows))
        shared_spread = _joint_spread(used, name, columns, features, rows)
        targets[name], carried[name] = _decide(
            name, columns, features, members, multivariate, joint, shared_spread, alpha, alpha_warning, correction,
            note, pairing, (carry or {}).get(name) or {})
    return BatchAnalysis(
        MappingProxyType(features), MappingProxyType(targets), batch.n_rows, alpha, alpha_warning, correction,
        MappingProxyType(carried),
    )


def analyse_batch(
    reference: ReferenceSummary, batch: pd.DataFrame, *, alpha: float = 0.01, alpha_warning: float = 0.05,
    correction: Correction = "holm", max_tree_rows: int = 50_000, n_simulations: int = 4999,
    seed: int = 0, n_jobs: int = 1, memo: dict[tuple[Any, ...], Any] | None = None,
    carry: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
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
    summary = summarise_batch(reference, batch, max_tree_rows=max_tree_rows, seed=seed, n_jobs=n_jobs, memo=memo)
    return compare(
        reference, summary, alpha=alpha, alpha_warning=alpha_warning, correction=correction,
        n_simulations=n_simulations, seed=seed, carry=carry,
    )


def _member(kind: str, test: TestResult, parameter: float, calibration: Calibration | None, name: str,
            rows: int) -> MemberTest:
    """The column's test as a family member, deflated by its reference inflation when calibrated."""
    member = calibration.member(name) if calibration is not None else None
    return MemberTest(kind, test.statistic, test.p_value, member.inflation_at(rows) if member else 1.0, parameter,
                      chunks=_chunks(calibration, rows))


def _spread(reference: NumericSummary, batch: NumericSummary, calibration: Calibration | None, name: str,
            rows: int) -> tuple[float, MemberTest | None, float | None]:
    """A numeric column's spread test: its signed ``z``, its family member (``z**2`` as a chi-square(1)) and quantile.

    ``calibration`` is the reference's when it covers this batch size (None: the i.i.d. test alone). The member
    is None when that calibration holds no spread measurement (stored before the spread test existed): an
    uncalibrated spread test would alarm on autocorrelated data, so the column is decided by its location test.
    """
    test = spread_test(reference, batch)
    member = None if calibration is None else calibration.member(SPREAD_PREFIX + name)
    if calibration is not None and member is None:
        return test.statistic, None, None
    z2 = test.statistic**2
    tested = MemberTest("chi_square", z2, test.p_value, member.inflation_at(rows) if member else 1.0, 1.0,
                        chunks=_chunks(calibration, rows))
    return test.statistic, tested, member.quantile(z2, rows) if member else None


def _joint_spread(calibration: Calibration | None, target: str, columns: tuple[str, ...],
                  features: Mapping[str, FeatureResult], rows: int) -> MemberTest | None:
    """The target's joint spread member: ``S = sum z_j**2`` over its numeric columns, or None.

    None unless the batch is calibrated and the reference measured this target's joint spread (two
    numeric columns or more; references stored before it existed have none). The i.i.d. p-value
    is ``chi2(k)`` of ``S`` (independent columns); the calibrated one ``F(nu, nu K)`` of ``S / k``
    over the chunks' ``lambda``. A column without a spread statistic in this batch leaves it untested.
    """
    member = None if calibration is None else calibration.member(JOINT_SPREAD_PREFIX + target)
    if member is None or calibration is None:
        return None
    numeric = [c for c in columns if calibration.member(SPREAD_PREFIX + c) is not None]
    if len(numeric) < 2:
        return None
    z = np.array([features[c].spread_statistic for c in numeric], dtype=np.float64)
    if not np.isfinite(z).all():
        return MemberTest("chi_square", float("nan"), float("nan"), 1.0, float(len(numeric)))
    total = float(np.sum(z**2))
    k = float(len(numeric))
    return MemberTest("chi_square", total, float(stats.chi2.sf(total, k)), member.inflation_at(rows), k,
                      chunks=_chunks(calibration, rows), shape=member.shape_at(rows))


def _chunks(calibration: Calibration | None, rows: int) -> float:
    """Reference chunks of the batch's size (the F(1, K) degrees of freedom)."""
    return float("inf") if calibration is None else calibration.n_rows / max(rows, 1)


def _quantile(calibration: Calibration | None, name: str, normalised: float, rows: int) -> float | None:
    member = calibration.member(name) if calibration is not None else None
    return None if member is None else member.quantile(normalised, rows)


def _chi_square_df(reference: Any, batch: Any) -> float:
    """Degrees of freedom of the chi-square test as :func:`chi_square_test` pools the table."""
    if reference.count == 0 or batch.count == 0:
        return float("nan")
    _, ref, new = reference.aligned(batch)
    table = pool_sparse(np.vstack((ref, new)).astype(np.float64), 5.0)
    return float(table.shape[1] - 1) if table.shape[1] >= 2 else float("nan")


def _feature(
    name: str, data_type: Literal["numeric", "categorical"], test: TestResult, mags: Any, n_missing: int,
    member: MemberTest, quantile: float | None,
) -> FeatureResult:
    return FeatureResult(
        name, data_type, test.test, test.statistic, test.p_value, mags.psi, mags.jensen_shannon,
        mags.wasserstein, test.n_batch, n_missing, member.calibrated_p_value, member.inflation, quantile,
        member.parameter,
    )


_RANK: dict[str, int] = {"ok": 0, "warning": 1, "drift": 2}


@dataclass(frozen=True)
class _Pairing:
    """What the two-batch rule needs from the batch: directions, chunk counts and inflation ratios."""

    reference: ReferenceSummary
    batch: BatchSummary
    calibration: Calibration | None
    rows: int

    def record(self, column: str, member: Member) -> CarryRecord | None:
        """This batch's evidence for a numeric column (None for categorical columns and uncalibrated batches)."""
        member = member.location
        if member.kind != "ks" or column not in self.reference.numeric or self.calibration is None \
                or not self.calibration.covers(self.rows):
            return None
        direction = ks_direction(self.reference.numeric[column], self.batch.numeric[column])
        return record(direction, member.calibrated_p_value, member.p_value, member.chunks, self.rows)

    def ratio(self, column: str, previous_rows: int) -> float | None:
        """``lambda(n1 + n2) / lambda(n2)`` of a column, or None when two batches' rows are not calibrated."""
        pair_rows = previous_rows + self.rows
        if self.calibration is None or not self.calibration.covers(pair_rows) or not self.calibration.covers(self.rows):
            return None
        member = self.calibration.member(column)
        if member is None:
            return 1.0
        return member.inflation_at(pair_rows) / member.inflation_at(self.rows)


def _levels(raw: np.ndarray, calibrated: np.ndarray, alpha: float, alpha_warning: float) -> list[Level]:
    return [
        min(level_from_p_value(float(a), alpha, alpha_warning), level_from_p_value(float(b), alpha, alpha_warning),
            key=_RANK.__getitem__)
        for a, b in zip(raw, calibrated, strict=True)
    ]


def _decide(
    name: str, columns: tuple[str, ...], features: Mapping[str, FeatureResult], members: Mapping[str, Member],
    multivariate: TestResult | None, joint: MemberTest | None, shared_spread: MemberTest | None, alpha: float,
    alpha_warning: float, correction: Correction, note: str | None, pairing: _Pairing,
    previous: Mapping[str, Mapping[str, Any]],
) -> tuple[TargetResult, dict[str, CarryRecord]]:
    """Adjust the target's family of i.i.d. and calibrated p-values; a level needs both.

    The reported statistic is ``-log10`` of the Holm-adjusted i.i.d. p-value of the member most
    unusual against the reference's variation; the levels are what it must reach (Holm's first step).
    When that member was decided over two batches (``previous`` holds its record), the statistic is
    ``-log10`` of its adjusted pair p-value and the levels are ``-log10`` of the alphas.
    Also returns this batch's records for the next batch (numeric columns at least WARNING).
    """
    family: list[Member] = [members[c] for c in columns] + [m for m in (joint, shared_spread) if m is not None]
    raw_p = np.array([m.p_value for m in family], dtype=np.float64)
    calibrated_p = np.array([m.calibrated_p_value for m in family], dtype=np.float64)
    raw = adjust(raw_p, correction)
    calibrated = adjust(calibrated_p, correction)
    levels = _levels(raw, calibrated, alpha, alpha_warning)
    records = {c: r for c, level in zip(columns, levels, strict=False) if level != "ok"
               for r in [pairing.record(c, members[c])] if r is not None}
    paired: dict[int, float] = {}
    for i, column in enumerate(columns):
        before, now = previous.get(column), records.get(column)
        if before is None or now is None:
            continue
        ratio = pairing.ratio(column, int(before["rows"]))
        p = None if ratio is None else pair_p_value(before, now, ratio)
        if p is not None:
            p = members[column].location_p(p)
        if p is not None and p < calibrated_p[i]:
            paired[i] = p
    if paired:
        for i, p in paired.items():
            raw_p[i], calibrated_p[i] = min(raw_p[i], p), min(calibrated_p[i], p)
        raw = adjust(raw_p, correction)
        calibrated = adjust(calibrated_p, correction)
        levels = _levels(raw, calibrated, alpha, alpha_warning)
        names = ", ".join(columns[i] for i in sorted(paired))
        note = (note + "; " if note else "") + f"{names}: decided over this batch and the previous one (same direction)"
    level: Level = "drift" if "drift" in levels else ("warning" if "warning" in levels else "ok")
    tested = int(np.isfinite([m.p_value for m in family]).sum())
    factor = 1 if correction == "none" else max(tested, 1)
    statistic, warning_level, drift_level = 0.0, -np.log10(alpha_warning), -np.log10(alpha)
    if tested:
        at = int(np.nanargmin(calibrated_p))
        lead = family[at]
        if at in paired:
            statistic = _score(factor * paired[at])
        else:
            statistic = _score(factor * lead.display_p_value)
            warning_level = _score(factor * lead.raw_p_at(alpha_warning / factor))
            drift_level = _score(factor * lead.raw_p_at(alpha / factor))
        if lead is shared_spread and level != "ok":
            note = (note + "; " if note else "") + (
                f"decided by the joint spread test: the spreads of its {int(shared_spread.parameter)} numeric "
                "columns changed together")
    drift_bars = {c: members[c].bar(alpha / factor) for c in columns}
    if note and joint is None and shared_spread is None and columns \
            and all(_out_of_reach(members[c], drift_bars[c]) for c in columns):
        note += ("; DRIFT is out of reach at this batch size, the reference varies too much between its chunks: "
                 "larger batches or a longer reference help")
    psis = [features[c].psi for c in columns if np.isfinite(features[c].psi)]
    result = TargetResult(
        name, level, float(max(psis)) if psis else float("nan"),
        float(np.nanmin(calibrated)) if np.isfinite(calibrated).any() else float("nan"), columns,
        MappingProxyType({c: float(p) for c, p in zip(columns, calibrated, strict=False)}),
        MappingProxyType(dict(zip(columns, levels, strict=False))),
        multivariate, float(calibrated[len(columns)]) if multivariate else None,
        statistic, float(warning_level), float(drift_level),
        MappingProxyType({c: members[c].bar(alpha_warning / factor) for c in columns}),
        MappingProxyType(drift_bars),
        note,
        None if shared_spread is None else float(calibrated[len(family) - 1]),
    )
    return result, records


def _out_of_reach(member: Member, bar: float) -> bool:
    """True when no batch of this size can reach the bar: a KS distance above 1 (the largest possible)."""
    return member.kind == "ks" and member.inflation > 1.0 and bar > 1.0


def _score(p_value: float) -> float:
    """``-log10`` of a p-value capped at 1 (0 for "nothing unusual"); NaN counts as 1."""
    if not np.isfinite(p_value):
        return 0.0
    return float(-np.log10(min(max(p_value, 1e-300), 1.0)))
