"""DDM (Gama et al., 2004): the classic drift detection method for classification error rates.

With ``p_i`` the error rate of the ``i`` values seen since the last restart and
``s_i = sqrt(p_i (1 - p_i) / i)``, DDM remembers ``(p_min, s_min)`` where ``p_i + s_i`` was
smallest and signals a warning when ``p_i + s_i > p_min + warning_level * s_min`` and a drift
when ``p_i + s_i > p_min + drift_level * s_min``, then restarts. It needs no reference error
rate, but its false-alarm rate is not controlled (the levels are heuristic) and its delay
grows with the length of the stable period before a change, because ``p_i`` averages the whole
period. :class:`~mlcube_nb.monitoring.bernoulli_cusum.BernoulliCusum` fixes both when the
reference error rate is known. The rule is evaluated on a whole batch with cumulative sums and
running minima instead of a Python loop; it gives the same alarms as River's ``DDM``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_1d_float, check_positive, check_positive_int
from ._sequential import SequentialResult
from .registry_spec import DetectorSpec
from .results import Level


class DDM:
    """Drift detection method on a 0/1 error stream.

    Parameters
    ----------
    warm_start : int
        Values needed before the rule is applied.
    warning_level, drift_level : float
        Multiples of ``s_min`` above ``p_min`` for the warning and the drift levels.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> detector = DDM()
    >>> detector.update(rng.random(1000) < 0.1).level
    'ok'
    >>> detector.update(rng.random(1000) < 0.5).level
    'drift'
    """

    name = "ddm"

    def __init__(self, *, warm_start: int = 30, warning_level: float = 2.0, drift_level: float = 3.0) -> None:
        self.warm_start = check_positive_int("warm_start", warm_start)
        self.warning_level = check_positive("warning_level", warning_level)
        self.drift_level = check_positive("drift_level", drift_level)
        if self.drift_level <= self.warning_level:
            raise ValueError(f"drift_level ({drift_level}) must exceed warning_level ({warning_level}).")
        self.reset()

    def reset(self) -> None:
        """Forget the stream."""
        self._n, self._errors = 0, 0.0
        self._p_min, self._s_min, self._ps_min = np.inf, np.inf, np.inf
        self._warning = False

    def update(self, errors: Any) -> SequentialResult:
        """Feed a batch of 0/1 error flags (1 = misclassified) and return the batch's verdict."""
        x = as_1d_float("errors", errors)
        if np.any((x != 0) & (x != 1)):
            raise ValueError("errors must contain only 0 (correct) and 1 (error) values.")
        alarms: list[int] = []
        first_warning: int | None = None
        offset = 0
        while offset < x.size:
            alarm, warning = self._segment(x[offset:])
            if first_warning is None and warning is not None:
                first_warning = offset + warning
            if alarm is None:
                break
            alarms.append(offset + alarm)
            offset += alarm + 1
            self.reset()
        level: Level = "drift" if alarms else ("warning" if self._warning else "ok")
        return SequentialResult(
            self.name, level, tuple(alarms), first_warning, self.statistic, self.drift_level,
            self.warning_level, self.statistic, self._n,
        )

    def _segment(self, x: np.ndarray) -> tuple[int | None, int | None]:
        """Process values until the first drift; return the drift and first warning positions."""
        n = self._n + np.arange(1, x.size + 1)
        p = (self._errors + np.cumsum(x)) / n
        s = np.sqrt(p * (1.0 - p) / n)
        ps = np.where(n > self.warm_start, p + s, np.inf)
        running = np.minimum.accumulate(np.minimum(ps, self._ps_min))
        is_new = (ps <= running) & np.isfinite(ps)
        last = np.maximum.accumulate(np.where(is_new, np.arange(x.size), -1))
        p_min = np.where(last >= 0, p[np.maximum(last, 0)], self._p_min)
        s_min = np.where(last >= 0, s[np.maximum(last, 0)], self._s_min)
        active = np.isfinite(ps)
        drift = np.flatnonzero(active & (ps > p_min + self.drift_level * s_min))
        warn = active & (ps > p_min + self.warning_level * s_min)
        stop = int(drift[0]) if drift.size else x.size - 1
        warnings = np.flatnonzero(warn[: stop + 1])
        self._n, self._errors = int(n[stop]), float(self._errors + x[: stop + 1].sum())
        self._p_min, self._s_min = float(p_min[stop]), float(s_min[stop])
        self._ps_min = float(running[stop])
        self._warning = bool(warn[stop]) and not drift.size
        return (int(drift[0]) if drift.size else None), (int(warnings[0]) if warnings.size else None)

    @property
    def statistic(self) -> float:
        """``(p_i + s_i - p_min) / s_min``: how many ``s_min`` the error rate sits above its best."""
        if self._n <= self.warm_start or not np.isfinite(self._s_min) or self._s_min == 0:
            return 0.0
        p = self._errors / self._n
        return float((p + np.sqrt(p * (1 - p) / self._n) - self._p_min) / self._s_min)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able state and parameters (infinities as None)."""
        finite = lambda v: float(v) if np.isfinite(v) else None  # noqa: E731
        return {
            "warm_start": self.warm_start, "warning_level": self.warning_level,
            "drift_level": self.drift_level,
            "n": self._n, "errors": self._errors, "p_min": finite(self._p_min), "s_min": finite(self._s_min),
            "ps_min": finite(self._ps_min), "warning": self._warning,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DDM:
        """Rebuild a detector, state included, from :meth:`to_dict` output."""
        detector = cls(**{k: data[k] for k in ("warm_start", "warning_level", "drift_level")})
        unbox = lambda v: np.inf if v is None else float(v)  # noqa: E731
        detector._n, detector._errors, detector._warning = data["n"], data["errors"], data["warning"]
        detector._p_min, detector._s_min = unbox(data["p_min"]), unbox(data["s_min"])
        detector._ps_min = unbox(data["ps_min"])
        return detector


SPEC = DetectorSpec(
    name="ddm",
    kind="sequential",
    data_types=("binary_error",),
    default_threshold=3.0,
    threshold_meaning="drift level in multiples of s_min above p_min (heuristic, not an alpha)",
    alpha_controlled=False,
    function=DDM,
)
