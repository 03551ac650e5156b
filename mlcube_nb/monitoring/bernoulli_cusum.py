"""Bernoulli likelihood-ratio CUSUM for classification error streams, with an α-bounded alarm.

The DDM family watches the error rate of a classifier and raises a warning, then a drift, when
it rises. This detector does so with the likelihood-ratio CUSUM for a rise of the error rate
from the reference rate ``p0`` to ``p1``: each sample adds
``x * ln(p1 / p0) + (1 - x) * ln((1 - p1) / (1 - p0))``. How the threshold is set: under "no
change" ``exp`` of the statistic is a non-negative martingale during an excursion, so by Ville's
inequality an excursion reaches ``h`` with probability at most ``exp(-h)``; with at most
``horizon`` excursions in ``horizon`` samples, ``h = ln(horizon / alpha)`` keeps the probability
of a false drift alarm within ``horizon`` samples at most ``alpha`` (and likewise the warning
level with ``alpha_warning``). It is also the fastest detector of that change (Lorden, 1971),
unlike DDM, whose delay grows with the length of the stable period before the change.

``p0`` should come from the reference (validation) predictions; when it is None the first
``warm_start`` values estimate it, and the bound then holds only approximately.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._checks import as_1d_float, check_levels, check_positive, check_positive_int, check_probability
from ._sequential import SequentialResult, level_of, run_cusum
from .registry_spec import DetectorSpec


class BernoulliCusum:
    """Detect a rise of a 0/1 error stream's rate above its reference rate.

    Parameters
    ----------
    p0 : float or None
        Reference error rate; None estimates it from the first ``warm_start`` values.
    increase : float or None
        Rise to detect fastest, ``p1 = p0 + increase``; default ``max(0.05, p0 / 2)``.
    alpha, alpha_warning : float
        Bounds on the probability of a false drift / warning alarm within ``horizon`` samples.
    horizon : int
        Number of samples the false-alarm bound refers to.
    warm_start : int
        Values used to estimate ``p0`` when it is not given.
    inflation : float
        Long-run variance ratio of the reference's own error stream (1 for independent errors,
        see :func:`~mlcube_nb.monitoring.calibration.stream_inflation`); both thresholds are
        multiplied by it, so bursts of errors as large as the reference's do not alarm.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> detector = BernoulliCusum(p0=0.1)
    >>> detector.update(rng.random(2000) < 0.1).level
    'ok'
    >>> detector.update(rng.random(500) < 0.3).level
    'drift'
    """

    name = "bernoulli_cusum"

    def __init__(
        self, p0: float | None = None, *, increase: float | None = None, alpha: float = 0.01,
        alpha_warning: float = 0.05, horizon: int = 10_000, warm_start: int = 100, inflation: float = 1.0,
    ) -> None:
        self.alpha, self.alpha_warning = check_levels(alpha, alpha_warning)
        self.horizon = check_positive_int("horizon", horizon)
        self.warm_start = check_positive_int("warm_start", warm_start)
        self.p0 = None if p0 is None else check_probability("p0", p0)
        self.increase = None if increase is None else check_probability("increase", increase)
        if self.p0 is not None and self.increase is not None and self.p0 + self.increase >= 1.0:
            raise ValueError(f"p0 + increase must stay below 1, got {self.p0} + {self.increase}.")
        self.inflation = max(1.0, check_positive("inflation", inflation))
        self.drift_threshold = self.inflation * math.log(self.horizon / self.alpha)
        self.warning_threshold = self.inflation * math.log(self.horizon / self.alpha_warning)
        self.reset()

    def reset(self) -> None:
        """Forget the stream (e.g. on a new reference); a given ``p0`` is kept."""
        self._statistic, self._n, self._errors = 0.0, 0, 0
        self._warm: list[float] = []
        self._rate = self.p0

    def update(self, errors: Any) -> SequentialResult:
        """Feed a batch of 0/1 error flags (1 = misclassified) and return the batch's verdict."""
        x = as_1d_float("errors", errors)
        if np.any((x != 0) & (x != 1)):
            raise ValueError("errors must contain only 0 (correct) and 1 (error) values.")
        offset = 0
        if self._rate is None:
            offset = min(x.size, self.warm_start - len(self._warm))
            self._warm.extend(x[:offset].tolist())
            if len(self._warm) >= self.warm_start:
                self._rate = (sum(self._warm) + 1.0) / (len(self._warm) + 2.0)
        if self._rate is None or offset == x.size:
            return self._result([], None)
        return self._advance(x[offset:], offset, self._rate)

    def _advance(self, x: np.ndarray, offset: int, p0: float) -> SequentialResult:
        p1 = min(p0 + (self.increase if self.increase is not None else max(0.05, p0 / 2)), 1 - 1e-9)
        increments = np.where(x == 1, math.log(p1 / p0), math.log((1 - p1) / (1 - p0)))
        final, alarms, warning = run_cusum(
            increments, self._statistic, self.drift_threshold, self.warning_threshold
        )
        tail = x[alarms[-1] + 1 :] if alarms else x
        self._statistic = final
        self._n = tail.size + (0 if alarms else self._n)
        self._errors = int(tail.sum()) + (0 if alarms else self._errors)
        return self._result([a + offset for a in alarms], None if warning is None else warning + offset)

    def _result(self, alarms: list[int], warning: int | None) -> SequentialResult:
        rate = self._errors / self._n if self._n else float("nan")
        magnitude = (rate - self._rate) / self._rate if self._rate and self._n else float("nan")
        return SequentialResult(
            self.name, level_of(alarms, self._statistic, self.warning_threshold), tuple(alarms), warning,
            self._statistic, self.drift_threshold, self.warning_threshold, float(magnitude), self._n,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able state and parameters; :meth:`from_dict` resumes the stream exactly."""
        return {
            "p0": self.p0, "increase": self.increase, "alpha": self.alpha,
            "alpha_warning": self.alpha_warning, "horizon": self.horizon, "warm_start": self.warm_start,
            "inflation": self.inflation, "statistic": self._statistic,
            "n": self._n, "errors": self._errors, "warm": list(self._warm), "rate": self._rate,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BernoulliCusum:
        """Rebuild a detector, state included, from :meth:`to_dict` output."""
        keys = ("increase", "alpha", "alpha_warning", "horizon", "warm_start")
        detector = cls(data["p0"], **{k: data[k] for k in keys}, inflation=data.get("inflation", 1.0))
        detector._statistic, detector._n, detector._errors = data["statistic"], data["n"], data["errors"]
        detector._warm, detector._rate = list(data["warm"]), data["rate"]
        return detector


SPEC = DetectorSpec(
    name="bernoulli_cusum",
    kind="sequential",
    data_types=("binary_error",),
    default_threshold=0.01,
    threshold_meaning="bound alpha on the probability of a false drift alarm within `horizon` samples",
    alpha_controlled=True,
    function=BernoulliCusum,
)
