"""Result types shared by the tests, detectors and the batch analysis.

Every algorithm returns a frozen dataclass, so a result can be stored, compared and passed
between threads or processes without anyone changing it afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["ok", "warning", "drift"]
"""Decision of one test or detector for one batch, mirroring MonitoringStatus wire values."""

LEVELS: tuple[Level, ...] = ("ok", "warning", "drift")


@dataclass(frozen=True)
class TestResult:
    """Outcome of a two-sample test between a reference summary and a batch summary.

    Attributes
    ----------
    test : str
        Registry name of the test (``"ks"``, ``"chi_square"``, ``"quanttree"``).
    statistic : float
        Test statistic (NaN when the batch holds no value).
    p_value : float
        Probability under "no drift" of a statistic at least this large (NaN when untested).
    n_reference, n_batch : int
        Number of values (or rows) each side contributed.
    """

    __test__ = False  # not a pytest test class

    test: str
    statistic: float
    p_value: float
    n_reference: int
    n_batch: int


def level_from_p_value(p_value: float, alpha: float, alpha_warning: float) -> Level:
    """Map a (multiplicity-adjusted) p-value to a level: drift at ``alpha``, warning at ``alpha_warning``.

    Examples
    --------
    >>> [level_from_p_value(p, 0.01, 0.05) for p in (0.001, 0.03, 0.2, float("nan"))]
    ['drift', 'warning', 'ok', 'ok']
    """
    if p_value <= alpha:
        return "drift"
    if p_value <= alpha_warning:
        return "warning"
    return "ok"
