"""Shared machinery of the CUSUM-type sequential detectors.

A one-sided CUSUM ``S_t = max(0, S_{t-1} + z_t)`` is evaluated for a whole batch at once with
its closed form ``S_t = C_t - min(-S_0, min_{s<=t} C_s)``, ``C`` the cumulative sum of the
increments, so a batch of a million errors costs a few vectorised passes instead of a Python
loop. After an alarm the statistic restarts at zero from the next sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .results import Level


@dataclass(frozen=True)
class SequentialResult:
    """What a sequential detector concluded after one batch of stream values.

    Attributes
    ----------
    detector : str
        Registry name of the detector.
    level : {"ok", "warning", "drift"}
        ``drift`` when a drift was signalled anywhere in the batch, otherwise ``warning`` when
        the detector sits above its warning level after the last value, otherwise ``ok``.
    drift_indices : tuple of int
        Positions in the batch where drift was signalled (the detector restarts after each).
    warning_index : int or None
        First position where the warning level was crossed, if any.
    statistic : float
        Detector statistic after the last value (comparable with ``drift_threshold``).
    drift_threshold, warning_threshold : float
        Levels the statistic is compared with.
    magnitude : float
        Size of the change since the detector last restarted: for error rates the relative
        increase of the error rate over the reference, for real errors the mean normal score.
    n_seen : int
        Values seen since the detector last restarted.
    """

    detector: str
    level: Level
    drift_indices: tuple[int, ...]
    warning_index: int | None
    statistic: float
    drift_threshold: float
    warning_threshold: float
    magnitude: float
    n_seen: int


@dataclass(frozen=True)
class CusumPass:
    """Result of running one CUSUM segment until its first alarm (or the end of the batch)."""

    path: np.ndarray
    alarm: int | None
    first_warning: int | None


def cusum_until_alarm(increments: np.ndarray, start: float, drift: float, warning: float) -> CusumPass:
    """Run ``S_t = max(0, S_{t-1} + z_t)`` from ``start`` and stop at the first ``S_t >= drift``."""
    cumulative = np.cumsum(increments)
    path = cumulative - np.minimum(np.minimum.accumulate(cumulative), -start)
    alarms = np.flatnonzero(path >= drift)
    alarm = int(alarms[0]) if alarms.size else None
    if alarm is not None:
        path = path[: alarm + 1]
    warnings = np.flatnonzero(path >= warning)
    return CusumPass(path, alarm, int(warnings[0]) if warnings.size else None)


def run_cusum(
    increments: np.ndarray, start: float, drift: float, warning: float
) -> tuple[float, list[int], int | None]:
    """Run a restarting CUSUM over a batch.

    Returns the final statistic, the alarm positions and the first warning position.
    """
    alarms: list[int] = []
    first_warning: int | None = None
    offset, state = 0, start
    while True:
        step = cusum_until_alarm(increments[offset:], state, drift, warning)
        if first_warning is None and step.first_warning is not None:
            first_warning = offset + step.first_warning
        if step.alarm is None:
            return (float(step.path[-1]) if step.path.size else state), alarms, first_warning
        alarms.append(offset + step.alarm)
        offset, state = offset + step.alarm + 1, 0.0


def level_of(alarms: list[int], statistic: float, warning: float) -> Level:
    """Batch level: drift if any alarm, warning if the final statistic is above the warning level."""
    if alarms:
        return "drift"
    return "warning" if statistic >= warning else "ok"
