"""What label-free performance estimation shares: the refusal, one estimate, and the reference's own spread.

An estimator is fitted once on a labelled reference and then gives, for any batch without targets, an
:class:`Estimate` per metric: the expected value of the metric the batch *will* show once labelled, and a
band that should hold the realised value (sampling variance at the batch's size plus the estimator's own
uncertainty). :class:`ReferenceSpread` holds how much the estimate moves from one time-contiguous chunk of
the reference to the next; :meth:`ReferenceSpread.decide` turns a batch's estimate into OK / WARNING / DRIFT
against that spread, scaled to the batch's size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .results import Level

#: metrics where a larger value is worse (everything else: larger is better)
ERROR_METRICS = frozenset({"mae", "rmse"})
WARNING_SIGMAS, DRIFT_SIGMAS = 2.0, 3.0
MIN_CHUNK_ROWS = 200
MAX_CHUNKS = 10


class EstimationUnsupported(ValueError):
    """Performance cannot be estimated soundly for this model; ``reason`` is a stable code, the text says why."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Estimate:
    """One metric's estimate for one batch: the expected value and a band for the realised value."""

    metric: str
    value: float
    lower: float
    upper: float


@dataclass(frozen=True)
class Decision:
    """The verdict on one estimate: level, the thresholds it was compared with, and the relative change."""

    level: Level
    warning_level: float
    drift_level: float
    magnitude: float


@dataclass(frozen=True)
class ReferenceSpread:
    """Per metric: the estimate on the whole reference and its chunk-to-chunk standard deviation per sqrt(row).

    ``unit_sd[m] / sqrt(n)`` is the spread expected of a batch of ``n`` rows when nothing changed.
    """

    reference: Mapping[str, float]
    unit_sd: Mapping[str, float]

    def decide(self, metric: str, value: float, n_rows: int) -> Decision:
        """OK / WARNING / DRIFT for *value* at *n_rows*: beyond 2 (3) spreads in the worse direction.

        Examples
        --------
        >>> spread = ReferenceSpread({"accuracy": 0.9}, {"accuracy": 0.5})
        >>> spread.decide("accuracy", 0.85, 2500).level, spread.decide("accuracy", 0.95, 2500).level
        ('drift', 'ok')
        """
        ref = float(self.reference.get(metric, math.nan))
        sd = float(self.unit_sd.get(metric, math.nan)) / math.sqrt(max(n_rows, 1))
        sign = 1.0 if metric in ERROR_METRICS else -1.0
        warning, drift = ref + sign * WARNING_SIGMAS * sd, ref + sign * DRIFT_SIGMAS * sd
        magnitude = abs(value - ref) / abs(ref) if ref else abs(value - ref)
        if not (math.isfinite(value) and math.isfinite(ref) and math.isfinite(sd)):
            return Decision("ok", warning, drift, 0.0)
        worse = (value - ref) * sign
        level: Level = "drift" if worse > DRIFT_SIGMAS * sd else "warning" if worse > WARNING_SIGMAS * sd else "ok"
        return Decision(level, warning, drift, float(magnitude))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"reference": dict(self.reference), "unit_sd": dict(self.unit_sd)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReferenceSpread:
        """Inverse of :meth:`to_dict`."""
        return cls(dict(data["reference"]), dict(data["unit_sd"]))


def chunk_slices(n_rows: int) -> list[slice]:
    """Time-contiguous chunks of a reference: up to 10, each of at least 200 rows (fewer than 2 -> none).

    Examples
    --------
    >>> [s.stop - s.start for s in chunk_slices(1000)]
    [200, 200, 200, 200, 200]
    >>> chunk_slices(300)
    []
    """
    count = min(MAX_CHUNKS, n_rows // MIN_CHUNK_ROWS)
    if count < 2:
        return []
    edges = np.linspace(0, n_rows, count + 1).astype(int)
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def spread_of(n_rows: int, whole: Mapping[str, float],
              estimate_chunk: Callable[[slice], Mapping[str, float]],
              fallback_sd: Mapping[str, float]) -> ReferenceSpread:
    """The reference's chunk-to-chunk spread of the estimate, per sqrt(row).

    *estimate_chunk* gives the point estimates of one chunk; with fewer than two chunks the per-row
    *fallback_sd* (from the estimator's own sampling model) is used.
    """
    slices = chunk_slices(n_rows)
    if not slices:
        return ReferenceSpread(dict(whole), dict(fallback_sd))
    per_chunk = [estimate_chunk(s) for s in slices]
    mean_rows = float(np.mean([s.stop - s.start for s in slices]))
    unit: dict[str, float] = {}
    for metric in whole:
        values = np.array([c.get(metric, math.nan) for c in per_chunk], dtype=np.float64)
        values = values[np.isfinite(values)]
        sd = float(np.std(values, ddof=1)) * math.sqrt(mean_rows) if values.size >= 2 else math.nan
        # a move smaller than the realised metric's own sampling noise at that size is not worth an alarm
        unit[metric] = max(sd, float(fallback_sd.get(metric, 0.0))) if math.isfinite(sd) else \
            float(fallback_sd.get(metric, math.nan))
    return ReferenceSpread(dict(whole), unit)
