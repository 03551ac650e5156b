"""Family-wise error control across the features of one monitoring target.

A target such as INPUT is tested through one p-value per feature (plus the multivariate
test). Declaring drift when *any* raw p-value is below α would raise false alarms far more
often than α (about ``1 - (1 - α)^m`` with ``m`` independent tests). Adjusting the p-values
with Bonferroni or Holm keeps the probability of *any* false rejection — the target's false
DRIFT rate — at most α whatever the dependence between features. Holm is uniformly more
powerful than Bonferroni with the same guarantee, so it is the default.

Missing p-values (NaN: a column with no value in the batch) are not counted as tests and stay
NaN after adjustment.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Correction = Literal["holm", "bonferroni", "none"]
CORRECTIONS: tuple[Correction, ...] = ("holm", "bonferroni", "none")


def bonferroni(p_values: object) -> np.ndarray:
    """Bonferroni-adjusted p-values ``min(1, m * p)``.

    Examples
    --------
    >>> bonferroni([0.01, 0.04, float("nan")]).tolist()
    [0.02, 0.08, nan]
    """
    p = np.asarray(p_values, dtype=np.float64)
    tested = ~np.isnan(p)
    return np.where(tested, np.minimum(p * tested.sum(), 1.0), np.nan)


def holm(p_values: object) -> np.ndarray:
    """Holm step-down adjusted p-values.

    The i-th smallest of ``m`` p-values is multiplied by ``m - i + 1``, then a running maximum
    keeps the adjusted values in the same order as the raw ones.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03, 0.005]).round(4).tolist()
    [0.03, 0.06, 0.06, 0.02]
    """
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    if tested.size == 0:
        return out
    order = tested[np.argsort(p[tested], kind="stable")]
    factors = np.arange(tested.size, 0, -1)
    out[order] = np.minimum(np.maximum.accumulate(p[order] * factors), 1.0)
    return out


def adjust(p_values: object, correction: Correction = "holm") -> np.ndarray:
    """Adjust p-values with the named correction (``"none"`` returns them unchanged)."""
    if correction == "holm":
        return holm(p_values)
    if correction == "bonferroni":
        return bonferroni(p_values)
    if correction == "none":
        return np.asarray(p_values, dtype=np.float64).copy()
    raise ValueError(f"correction must be one of {CORRECTIONS}, got {correction!r}.")
