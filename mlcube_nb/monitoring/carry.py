"""Evidence carried from one batch to the next for the same numeric column (issue 12).

A level shift that a calibrated test sees as WARNING in one batch (the reference's own chunks vary
so much that one batch cannot make it DRIFT) becomes DRIFT when the next batch shows it again: the
two batches' evidence is combined. After each batch, per target, every numeric column whose level
is at least WARNING leaves a small record (:func:`record`): the direction of its KS gap, its
calibrated and i.i.d. p-values on signed normal / Student scales, and the batch's rows. The model's
reference state keeps these records under one key (``state["carry"]``, see
:mod:`~mlcube_nb.monitoring.task_analysis`); nothing else is carried, and a column that is not
WARNING leaves no record, so a pair never spans more than two consecutive batches.

At the next batch, a column that is again at least WARNING *in the same direction* gets a pair
p-value (:func:`pair_p_value`), Stouffer's combination of the two batches, taken as
``max(i.i.d. pair p, calibrated pair p)`` like a single batch's:

* i.i.d.: ``z = s * Phi^-1(1 - p / 2)`` per batch, ``(z1 + z2) / sqrt(2)`` is standard normal when
  the batches' rows are independent draws of the reference;
* calibrated: ``t = s * t_K^-1(1 - p_cal / 2)`` per batch, where a single batch's calibrated test is
  ``F(1, K) = t_K**2`` (:mod:`~mlcube_nb.monitoring.calibrated_tests`), and
  ``(t1 + t2) / sqrt(2 r)`` is compared with ``t_K`` again. Two consecutive reference chunks need
  not be independent (a warm fortnight): ``r = lambda(n1 + n2) / lambda(n)``, the inflation of
  two-batch chunks over one-batch chunks measured on the reference, is ``1 + `` the correlation of
  consecutive chunks' deviations, and widens the margin (held at 1 or more).

The column's family member takes the smaller of its single-batch and pair p-values and Holm runs
again. The pair is used only when the reference holds at least
:data:`~mlcube_nb.monitoring.calibration.MIN_CHUNKS` chunks of two batches' rows (so ``r`` is
measured), and not for categorical columns or QuantTree (no direction). False DRIFT through the pair
needs two consecutive batches each WARNING in the same column and direction: with independent
batches at most ``(alpha_warning / m)**2 / 2`` per column, far below ``alpha / m``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats

from .numeric_summary import NumericSummary

CarryRecord = dict[str, float]


def ks_direction(reference: NumericSummary, batch: NumericSummary) -> int:
    """Direction of the largest KS gap: ``+1`` when the batch sits above the reference there, ``-1`` below.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ref = NumericSummary.from_reference(rng.normal(size=500))
    >>> ks_direction(ref, ref.summarise(rng.normal(1.0, 1.0, size=300)))
    1
    >>> ks_direction(ref, ref.summarise(rng.normal(-1.0, 1.0, size=300)))
    -1
    """
    r_left, r_right = reference.cdf_at_edges()
    b_left, b_right = batch.cdf_at_edges()
    gaps = np.concatenate((r_left - b_left, r_right - b_right))
    if gaps.size == 0:
        return 0
    gap = float(gaps[int(np.argmax(np.abs(gaps)))])
    return 1 if gap > 0 else (-1 if gap < 0 else 0)


def _student_isf(p_value: float, df: float) -> float:
    p_value = min(max(p_value, 1e-300), 1.0)
    return float(stats.norm.isf(p_value) if not math.isfinite(df) else stats.t.isf(p_value, df))


def _student_sf(x: float, df: float) -> float:
    return float(stats.norm.sf(x) if not math.isfinite(df) else stats.t.sf(x, df))


def record(direction: int, calibrated_p: float, p_value: float, chunks: float, rows: int) -> CarryRecord | None:
    """One batch's evidence for a column, on signed scales (plain finite numbers, JSON-safe).

    None when it has no direction or p-value, or no reference chunks of its size (``chunks`` infinite).

    Examples
    --------
    >>> rec = record(1, 1e-3, 1e-9, 10.0, 1000)
    >>> round(rec["t"], 2), round(rec["z"], 2), rec["chunks"], rec["rows"]
    (4.59, 6.11, 10.0, 1000)
    """
    if direction == 0 or not (math.isfinite(calibrated_p) and math.isfinite(p_value) and math.isfinite(chunks)):
        return None
    return {"sign": float(direction), "t": direction * _student_isf(calibrated_p / 2, chunks),
            "z": direction * _student_isf(p_value / 2, math.inf), "chunks": float(chunks), "rows": int(rows)}


def pair_p_value(previous: Mapping[str, Any], current: CarryRecord, ratio: float) -> float | None:
    """Stouffer's p-value of two consecutive batches' evidence (None when their directions differ).

    ``ratio`` is ``lambda(n1 + n2) / lambda(n2)`` of the column (held at 1 or more).

    Examples
    --------
    Two batches each at calibrated p = 1e-3 in the same direction, ten reference chunks:

    >>> a, b = record(1, 1e-3, 1e-9, 10.0, 1000), record(1, 1e-3, 1e-9, 10.0, 1000)
    >>> p = pair_p_value(a, b, 1.0)
    >>> 1e-6 < p < 1e-4
    True
    >>> pair_p_value(a, b, 2.0) > p
    True
    >>> pair_p_value(a, record(-1, 1e-3, 1e-9, 10.0, 1000), 1.0) is None
    True
    """
    if previous.get("sign") != current["sign"]:
        return None
    r = max(float(ratio), 1.0) if math.isfinite(ratio) else 1.0
    df = min(float(previous["chunks"]), current["chunks"])
    iid = 2 * float(stats.norm.sf(abs(float(previous["z"]) + current["z"]) / math.sqrt(2)))
    calibrated = 2 * _student_sf(abs(float(previous["t"]) + current["t"]) / math.sqrt(2 * r), df)
    return min(1.0, max(iid, calibrated))
