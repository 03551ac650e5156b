"""Calibrated p-values and decision bars of one test, given the inflation measured on the reference.

With inflation ``lambda`` (see :mod:`~mlcube_nb.monitoring.calibration`) the statistic is divided
by ``lambda`` on its variance scale before the test's own null gives the p-value: KS uses
``D / sqrt(lambda)``, chi-square ``X**2 / lambda``, QuantTree ``X / lambda`` against its Monte
Carlo null. ``lambda = 1`` gives back the i.i.d. p-value exactly. The *bar* at a level ``a`` is
the raw statistic at which the calibrated p-value equals ``a``; :meth:`MemberTest.raw_p_at`
expresses it as the i.i.d. p-value the batch would need, so levels can be drawn on the i.i.d.
scale of the history plot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import stats

from .ks import EXACT_LIMIT, ks_p_value
from .quanttree import monte_carlo_p_value


def ks_isf(p_value: float, effective_n: float) -> float:
    """The KS statistic whose p-value (as :func:`~mlcube_nb.monitoring.ks.ks_p_value` computes it) is ``p_value``."""
    if effective_n <= EXACT_LIMIT:
        return _kstwo_isf(p_value, max(round(effective_n), 1))
    root = math.sqrt(effective_n)
    return float(stats.kstwobign.isf(p_value) / (root + 0.12 + 0.11 / root))


@lru_cache(maxsize=4096)
def _kstwo_isf(p_value: float, n: int) -> float:
    """Exact-distribution inverse (a root search, so memoised: batches repeat the same sizes)."""
    return float(stats.kstwo.isf(p_value, n))


@dataclass(frozen=True, eq=False)
class MemberTest:
    """One member of a target's family: its i.i.d. and calibrated p-values and how to invert them.

    ``parameter`` is the effective sample size (KS) or the degrees of freedom (chi-square);
    ``null`` the simulated null statistics (QuantTree).
    """

    kind: str
    statistic: float
    p_value: float
    inflation: float
    parameter: float = float("nan")
    null: np.ndarray | None = None

    @property
    def calibrated_p_value(self) -> float:
        """The p-value of the deflated statistic (equal to ``p_value`` when ``inflation == 1``)."""
        if self.inflation == 1.0 or not math.isfinite(self.statistic):
            return self.p_value
        if self.kind == "ks":
            return ks_p_value(self.statistic / math.sqrt(self.inflation), self.parameter)
        if self.kind == "chi_square":
            return float(stats.chi2.sf(self.statistic / self.inflation, self.parameter))
        assert self.null is not None, "a QuantTree member carries its null sample"
        return monte_carlo_p_value(self.null, self.statistic / self.inflation)

    def bar(self, level: float) -> float:
        """The statistic at which the calibrated p-value reaches ``level`` (NaN when unknown)."""
        if self.kind == "ks" and math.isfinite(self.parameter):
            return math.sqrt(self.inflation) * ks_isf(level, self.parameter)
        if self.kind == "chi_square" and math.isfinite(self.parameter):
            return self.inflation * float(stats.chi2.isf(level, self.parameter))
        if self.kind == "quanttree" and self.null is not None and self.null.size:
            return self.inflation * float(np.quantile(self.null, 1.0 - level, method="higher"))
        return float("nan")

    def raw_p_at(self, level: float) -> float:
        """The i.i.d. p-value a batch needs for its calibrated p-value to reach ``level``."""
        if self.inflation == 1.0:
            return level
        bar = self.bar(level)
        if not math.isfinite(bar):
            return level
        if self.kind == "ks":
            return ks_p_value(bar, self.parameter)
        if self.kind == "chi_square":
            return float(stats.chi2.sf(bar, self.parameter))
        assert self.null is not None
        return monte_carlo_p_value(self.null, bar)
