"""CUSUM on normal scores for regression error streams, with an α-bounded alarm.

Regression errors (absolute errors, squared errors, residuals) are skewed and their scale
depends on the model, so each new error ``e`` is first mapped to its normal score
``z = Phi^-1(F_ref(e))`` through the reference errors' CDF (a :class:`NumericSummary`, mid-rank
for ties). Under "no change" ``z`` is standard normal whatever the error distribution was.
A one-sided CUSUM with allowance ``k = shift / 2`` then accumulates ``z - k`` (and ``-z - k`` for
a fall when ``direction="both"``).

How the threshold is set: for standard normal ``z``, ``exp(shift * S)`` is a martingale during an
excursion, so an excursion reaches ``h`` with probability at most ``exp(-shift * h)`` (Ville's
inequality); at most ``horizon`` excursions per side fit in ``horizon`` samples, so
``h = ln(sides * horizon / alpha) / shift`` bounds the probability of a false drift alarm within
``horizon`` samples by ``alpha`` (the warning level uses ``alpha_warning``).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from scipy import special

from ._checks import as_1d_float, check_levels, check_positive, check_positive_int
from ._sequential import SequentialResult, cusum_until_alarm, level_of
from .numeric_summary import NumericSummary
from .registry_spec import DetectorSpec

Direction = Literal["increase", "both"]


class NormalScoreCusum:
    """Detect a shift of a real-valued error stream away from its reference distribution.

    Parameters
    ----------
    reference : array-like or NumericSummary
        Errors of the model on the reference data.
    shift : float
        Shift of the normal scores (in standard deviations) detected fastest.
    direction : {"both", "increase"}
        Watch both directions (residuals) or only a rise (absolute or squared errors).
    alpha, alpha_warning : float
        Bounds on the probability of a false drift / warning alarm within ``horizon`` samples.
    horizon : int
        Number of samples the false-alarm bound refers to.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> detector = NormalScoreCusum(np.abs(rng.normal(size=5000)), direction="increase")
    >>> detector.update(np.abs(rng.normal(size=2000))).level
    'ok'
    >>> detector.update(np.abs(rng.normal(0.0, 2.0, size=500))).level
    'drift'
    """

    name = "cusum"

    def __init__(
        self, reference: Any, *, shift: float = 0.5, direction: Direction = "both", alpha: float = 0.01,
        alpha_warning: float = 0.05, horizon: int = 10_000, inflation: float = 1.0,
    ) -> None:
        self.alpha, self.alpha_warning = check_levels(alpha, alpha_warning)
        self.shift = check_positive("shift", shift)
        self.horizon = check_positive_int("horizon", horizon)
        if direction not in ("both", "increase"):
            raise ValueError(f"direction must be 'both' or 'increase', got {direction!r}.")
        self.direction: Direction = direction
        if not isinstance(reference, NumericSummary):
            reference = NumericSummary.from_reference(as_1d_float("reference", reference), max_edges=1024)
        self.reference: NumericSummary = reference
        if self.reference.count < 2:
            raise ValueError("the reference must hold at least two finite errors.")
        sides = 2 if direction == "both" else 1
        # inflation: long-run variance ratio of the reference's own scores (calibration.stream_inflation)
        self.inflation = max(1.0, check_positive("inflation", inflation))
        self.drift_threshold = self.inflation * math.log(sides * self.horizon / self.alpha) / self.shift
        self.warning_threshold = self.inflation * math.log(sides * self.horizon / self.alpha_warning) / self.shift
        self.reset()

    def reset(self) -> None:
        """Forget the stream (the reference distribution is kept)."""
        self._upper, self._lower, self._n, self._sum = 0.0, 0.0, 0, 0.0

    def normal_scores(self, errors: Any) -> np.ndarray:
        """Map errors to standard normal scores through the reference CDF (mid-rank)."""
        left, right = self.reference.cdf_limits(as_1d_float("errors", errors))
        n = self.reference.count
        return special.ndtri(np.clip(0.5 * (left + right), 0.5 / n, 1.0 - 0.5 / n))

    def update(self, errors: Any) -> SequentialResult:
        """Feed a batch of errors (non-finite values are ignored) and return the batch's verdict."""
        z = self.normal_scores(errors)
        z = z[np.isfinite(np.asarray(errors, dtype=np.float64))]
        alarms: list[int] = []
        warning: int | None = None
        offset, k = 0, self.shift / 2.0
        while offset < z.size:
            up = cusum_until_alarm(z[offset:] - k, self._upper, self.drift_threshold, self.warning_threshold)
            down = self._down(z[offset:] + k)
            first = min((p.alarm for p in (up, down) if p.alarm is not None), default=None)
            hits = [p.first_warning for p in (up, down) if p.first_warning is not None]
            if warning is None and hits and (first is None or min(hits) <= first):
                warning = offset + min(hits)
            if first is None:
                self._upper, self._lower = float(up.path[-1]), float(down.path[-1])
                self._n, self._sum = self._n + z.size - offset, self._sum + float(z[offset:].sum())
                break
            alarms.append(offset + first)
            offset, self._upper, self._lower, self._n, self._sum = offset + first + 1, 0.0, 0.0, 0, 0.0
        return SequentialResult(
            self.name, level_of(alarms, self.statistic, self.warning_threshold), tuple(alarms), warning,
            self.statistic, self.drift_threshold, self.warning_threshold,
            self._sum / self._n if self._n else float("nan"), self._n,
        )

    def _down(self, shifted: np.ndarray) -> Any:
        """The lower CUSUM on ``-z - k``, or an inert pass when only rises are watched."""
        if self.direction == "both":
            return cusum_until_alarm(-shifted, self._lower, self.drift_threshold, self.warning_threshold)
        return cusum_until_alarm(np.full(shifted.size, -1.0), 0.0, np.inf, np.inf)

    @property
    def statistic(self) -> float:
        """Current CUSUM statistic (the larger side)."""
        return max(self._upper, self._lower)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able state and parameters; :meth:`from_dict` resumes the stream exactly."""
        return {
            "reference": self.reference.to_dict(), "shift": self.shift, "direction": self.direction,
            "alpha": self.alpha, "alpha_warning": self.alpha_warning, "horizon": self.horizon,
            "inflation": self.inflation, "upper": self._upper, "lower": self._lower, "n": self._n, "sum": self._sum,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NormalScoreCusum:
        """Rebuild a detector, state included, from :meth:`to_dict` output."""
        keys = ("shift", "direction", "alpha", "alpha_warning", "horizon")
        detector = cls(NumericSummary.from_dict(data["reference"]), **{k: data[k] for k in keys},
                       inflation=data.get("inflation", 1.0))
        detector._upper, detector._lower, detector._n, detector._sum = (
            data["upper"], data["lower"], data["n"], data["sum"],
        )
        return detector


SPEC = DetectorSpec(
    name="cusum",
    kind="sequential",
    data_types=("real_error",),
    default_threshold=0.01,
    threshold_meaning="bound alpha on the probability of a false drift alarm within `horizon` samples",
    alpha_controlled=True,
    function=NormalScoreCusum,
)
