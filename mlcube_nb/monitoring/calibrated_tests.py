"""Calibrated p-values and decision bars of one test, given the inflation measured on the reference.

A member's statistic is put on its *normalised* scale (divided by its i.i.d. null mean:
``en * D**2 / (pi**2 / 12)`` for KS, ``X**2 / df`` for chi-square, ``X / E[X]`` for QuantTree),
where the reference's chunks have mean ``lambda`` (see :mod:`~mlcube_nb.monitoring.calibration`).
When ``lambda > 1`` the i.i.d. null shape is no longer trusted: a new batch's normalised
statistic over ``lambda`` is compared with Fisher's ``F(1, K)``, ``K`` the number of reference
chunks of the batch's size. That is the predictive distribution of a new chunk's squared
deviation over the mean of ``K`` chunks' when the deviations are one-directional (Student's
``t**2`` with ``K`` degrees of freedom): the conservative case, and the small-sample rule (few
chunks give a heavy tail, many give ``chi2(1)``). The calibrated p-value is the larger of that
and the i.i.d. p-value, so a small one means "unusual by both". With ``lambda = 1`` it is the
i.i.d. p-value. A target's joint spread member (a sum over ``k`` columns, see
:mod:`~mlcube_nb.monitoring.calibration`) has a *shape* ``nu`` and is compared with ``F(nu, nu * K)``
instead: ``F(1, K)`` is its one-column case. The *bar* at a level ``a`` is the raw statistic at
which the calibrated p-value equals ``a``; :meth:`MemberTest.raw_p_at` expresses it as the i.i.d. p-value a batch needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
from scipy import stats

from .calibration import KS_NULL_MEAN
from .ks import EXACT_LIMIT, ks_p_value
from .quanttree import monte_carlo_p_value


def ks_isf(p_value: float, effective_n: float) -> float:
    """The KS statistic whose p-value (as :func:`~mlcube_nb.monitoring.ks.ks_p_value` computes it) is ``p_value``."""
    if effective_n <= EXACT_LIMIT:
        return _kstwo_isf(p_value, max(round(effective_n), 1))
    root = math.sqrt(effective_n)
    return _kstwobign_isf(p_value) / (root + 0.12 + 0.11 / root)


@lru_cache(maxsize=1024)
def _kstwobign_isf(p_value: float) -> float:
    return float(stats.kstwobign.isf(p_value))


@lru_cache(maxsize=4096)
def _chi2_isf(p_value: float, df: float) -> float:
    return float(stats.chi2.isf(p_value, df))


@lru_cache(maxsize=4096)
def _kstwo_isf(p_value: float, n: int) -> float:
    """Exact-distribution inverse (a root search, so memoised: batches repeat the same sizes)."""
    return float(stats.kstwo.isf(p_value, n))


@dataclass(frozen=True, eq=False)
class MemberTest:
    """One member of a target's family: its i.i.d. and calibrated p-values and how to invert them.

    ``parameter`` is the effective sample size (KS), the degrees of freedom (chi-square) or the
    null mean of the Pearson statistic (QuantTree, whose simulated null is ``null``); ``chunks``
    the number of reference chunks of the batch's size.
    """

    kind: str
    statistic: float
    p_value: float
    inflation: float
    parameter: float = float("nan")
    null: np.ndarray | None = None
    chunks: float = float("inf")
    shape: float = 1.0

    @property
    def location(self) -> MemberTest:
        """The location test of this member: the test itself (:class:`ColumnTests` pairs one with a spread test)."""
        return self

    def location_p(self, p_value: float) -> float:
        """A location p-value (e.g. two batches' combined evidence) on the family's scale: unchanged here."""
        return p_value

    @property
    def normalised(self) -> float:
        """The statistic divided by its i.i.d. null mean."""
        return self._normalise(self.statistic)

    def _normalise(self, statistic: float) -> float:
        if self.kind == "ks":
            return self.parameter * statistic**2 / KS_NULL_MEAN
        return statistic / self.parameter

    def _raw(self, normalised: float) -> float:
        if self.kind == "ks":
            return math.sqrt(normalised * KS_NULL_MEAN / self.parameter)
        return normalised * self.parameter

    @property
    def calibrated_p_value(self) -> float:
        """``max(i.i.d. p, F(nu, nu K) p of normalised / lambda)``; the i.i.d. p-value when ``lambda == 1``."""
        if self.inflation == 1.0 or not math.isfinite(self.normalised):
            return self.p_value
        tail = float(stats.f.sf(self.normalised / self.inflation, self.shape, self.shape * self.chunks))
        return max(self.p_value, tail)

    def bar(self, level: float) -> float:
        """The statistic at which the calibrated p-value reaches ``level`` (NaN when unknown)."""
        if not math.isfinite(self.parameter) or self.parameter <= 0:
            return float("nan")
        iid = self._iid_bar(level)
        if self.inflation == 1.0:
            return iid
        calibrated = self._raw(self.inflation * float(stats.f.isf(level, self.shape, self.shape * self.chunks)))
        return max(iid, calibrated)

    def _iid_bar(self, level: float) -> float:
        if self.kind == "ks":
            return ks_isf(level, self.parameter)
        if self.kind == "chi_square":
            return _chi2_isf(level, self.parameter)
        if self.null is not None and self.null.size:
            return float(np.quantile(self.null, 1.0 - level, method="higher"))
        return float("nan")

    def raw_p_at(self, level: float) -> float:
        """The i.i.d. p-value a batch needs for its calibrated p-value to reach ``level``."""
        if self.inflation == 1.0:
            return level
        bar = self.bar(level)
        if not math.isfinite(bar):
            return level
        if self.kind == "ks":
            raw = ks_p_value(bar, self.parameter)
        elif self.kind == "chi_square":
            raw = float(stats.chi2.sf(bar, self.parameter))
        else:
            raw = self._quanttree_p(bar)
        return min(level, raw)

    @property
    def display_p_value(self) -> float:
        """The i.i.d. p-value on the scale of :meth:`raw_p_at` (QuantTree: extrapolated past its Monte Carlo floor)."""
        return self._quanttree_p(self.statistic) if self.kind == "quanttree" else self.p_value

    def _quanttree_p(self, statistic: float) -> float:
        """Monte Carlo p-value; beyond the largest simulated value, a chi-square fitted to the null's mean and variance.

        The Monte Carlo p-value cannot go below ``1 / (1 + n_simulations)``; the fitted tail lets the
        history compare a statistic and a bar that both lie past it.
        """
        if self.null is None or not self.null.size or not math.isfinite(statistic):
            return self.p_value
        if statistic <= float(self.null.max()):
            return monte_carlo_p_value(self.null, statistic)
        mean, variance = float(self.null.mean()), float(self.null.var())
        if mean <= 0 or variance <= 0:
            return monte_carlo_p_value(self.null, statistic)
        scale, df = variance / (2 * mean), 2 * mean**2 / variance
        return min(monte_carlo_p_value(self.null, statistic), float(stats.chi2.sf(statistic / scale, df)))


SPREAD_WEIGHT = 0.2


@dataclass(frozen=True, eq=False)
class ColumnTests:
    """A numeric column's location (KS) and spread (:mod:`.spread`) tests, as one member of the family.

    The column enters Holm once, with the weighted Bonferroni p-value
    ``min(1, p_location / (1 - w), p_spread / w)``, ``w`` = :data:`SPREAD_WEIGHT`: the column's
    share of the family's error rate is split between its two tests, so the family keeps its
    guarantee and the number of Holm members does not grow with the spread tests. ``w = 0.2``
    was fixed before any benchmark was run: a change of location is the drift most monitors
    meet, and its test keeps 80 % of the column's share (its p-value is multiplied by 1.25, not 2);
    the spread test is the guard for what KS sees late. The same rule applies to the i.i.d. and
    the calibrated p-values. Without a spread test (``spread`` None) the column is its KS test.
    """

    location: MemberTest
    spread: MemberTest | None = None
    weight: float = SPREAD_WEIGHT

    @property
    def kind(self) -> str:
        """The location test's kind (what the column's bars are drawn in)."""
        return self.location.kind

    @property
    def inflation(self) -> float:
        """The location test's inflation."""
        return self.location.inflation

    @property
    def parameter(self) -> float:
        """The location test's parameter."""
        return self.location.parameter

    @property
    def chunks(self) -> float:
        """Reference chunks of the batch's size."""
        return self.location.chunks

    def _weights(self) -> tuple[float, float]:
        return (1.0, 0.0) if self.spread is None else (1.0 - self.weight, self.weight)

    def _fold(self, location: float, spread: float) -> float:
        w_location, w_spread = self._weights()
        if self.spread is None or not math.isfinite(spread):
            return min(location / w_location, 1.0) if math.isfinite(location) else location
        if not math.isfinite(location):
            return min(spread / w_spread, 1.0)
        return min(location / w_location, spread / w_spread, 1.0)

    @property
    def p_value(self) -> float:
        """Weighted Bonferroni of the two i.i.d. p-values."""
        return self._fold(self.location.p_value, self.spread.p_value if self.spread else float("nan"))

    @property
    def calibrated_p_value(self) -> float:
        """Weighted Bonferroni of the two calibrated p-values."""
        return self._fold(self.location.calibrated_p_value,
                          self.spread.calibrated_p_value if self.spread else float("nan"))

    @property
    def decided_by(self) -> Literal["location", "spread"]:
        """``"spread"`` when the spread test gives the column's calibrated p-value, else ``"location"``."""
        if self.spread is None or not math.isfinite(self.spread.calibrated_p_value):
            return "location"
        w_location, w_spread = self._weights()
        location = self.location.calibrated_p_value
        if math.isfinite(location) and location / w_location <= self.spread.calibrated_p_value / w_spread:
            return "location"
        return "spread"

    def _leader(self) -> tuple[MemberTest, float]:
        w_location, w_spread = self._weights()
        if self.decided_by == "spread" and self.spread is not None:
            return self.spread, w_spread
        return self.location, w_location

    @property
    def display_p_value(self) -> float:
        """The deciding test's i.i.d. p-value over its weight."""
        test, weight = self._leader()
        return min(test.display_p_value / weight, 1.0)

    def raw_p_at(self, level: float) -> float:
        """The i.i.d. p-value (on :attr:`display_p_value`'s scale) the deciding test needs to reach ``level``."""
        test, weight = self._leader()
        return test.raw_p_at(level * weight) / weight

    def bar(self, level: float) -> float:
        """The KS statistic at which the location test alone reaches ``level``."""
        return self.location.bar(level * self._weights()[0])

    def location_p(self, p_value: float) -> float:
        """A location p-value (e.g. two batches' combined KS evidence) on the family's scale."""
        return min(p_value / self._weights()[0], 1.0)
