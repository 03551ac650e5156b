"""The OK / WARNING / DRIFT status machine of one monitored quantity (PLATFORM.md §8.1).

Each batch gives a decision (``ok``, ``warning`` or ``drift``) and a drift magnitude; the
machine moves between statuses and emits the detection events of the wire contract:

============  ==========  ==========================================
From          Decision    To (event)
============  ==========  ==========================================
OK            warning     WARNING (``warning_on``)
OK            drift       DRIFT (``drift_on`` with a severity)
WARNING       ok          OK (``warning_off``)
WARNING       drift       DRIFT (``drift_on`` with a severity)
DRIFT         ok          OK (``drift_off``) after ``clear_after`` calm batches
DRIFT         warning     WARNING (``drift_off``) after ``clear_after`` calm batches
any           reset()     OK, no event (new reference: detectors re-initialised)
============  ==========  ==========================================

Severity exists only on ``drift_on``: ``low``, ``medium`` or ``high`` as the magnitude passes
the two ``severity_cuts`` (by default the usual PSI rule of thumb, 0.1 and 0.25).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ._checks import check_increasing, check_positive_int
from .results import LEVELS, Level

EventType = Literal["warning_on", "warning_off", "drift_on", "drift_off"]
Severity = Literal["low", "medium", "high"]


@dataclass(frozen=True)
class StatusEvent:
    """A detection event: its type, the transition, and the severity of a ``drift_on``."""

    event_type: EventType
    from_status: Level
    to_status: Level
    severity: Severity | None = None
    magnitude: float | None = None


def severity_of(magnitude: float, cuts: tuple[float, float] = (0.1, 0.25)) -> Severity:
    """Severity of a drift from its magnitude: below ``cuts[0]`` low, below ``cuts[1]`` medium.

    Examples
    --------
    >>> [severity_of(m) for m in (0.05, 0.1, 0.3)]
    ['low', 'medium', 'high']
    """
    if not magnitude >= cuts[0]:  # NaN counts as low
        return "low"
    return "medium" if magnitude < cuts[1] else "high"


class StatusMachine:
    """Turn per-batch decisions into a status and detection events.

    Parameters
    ----------
    severity_cuts : tuple of two floats
        Magnitudes at which a drift becomes medium and high.
    clear_after : int
        Consecutive non-drift batches needed to leave DRIFT (1 = leave at once).

    Examples
    --------
    >>> machine = StatusMachine()
    >>> [e.event_type for e in machine.update("warning", 0.02)]
    ['warning_on']
    >>> event, = machine.update("drift", 0.3)
    >>> event.event_type, event.severity, machine.status
    ('drift_on', 'high', 'drift')
    >>> [e.event_type for e in machine.update("ok", 0.0)], machine.status
    (['drift_off'], 'ok')
    """

    def __init__(self, *, severity_cuts: tuple[float, float] = (0.1, 0.25), clear_after: int = 1) -> None:
        cuts = check_increasing("severity_cuts", severity_cuts)
        if len(cuts) != 2:
            raise ValueError(f"severity_cuts must hold exactly two magnitudes, got {len(cuts)}.")
        self.severity_cuts: tuple[float, float] = (cuts[0], cuts[1])
        self.clear_after = check_positive_int("clear_after", clear_after)
        self.reset()

    def reset(self) -> None:
        """Back to OK without an event (a new reference was set)."""
        self.status: Level = "ok"
        self._calm = 0

    def update(self, decision: Level, magnitude: float = float("nan")) -> tuple[StatusEvent, ...]:
        """Apply one batch's decision; return the events it raises (zero or one)."""
        if decision not in LEVELS:
            raise ValueError(f"decision must be one of {LEVELS}, got {decision!r}.")
        before = self.status
        if decision == "drift":
            self._calm = 0
            if before == "drift":
                return ()
            self.status = "drift"
            severity = severity_of(magnitude, self.severity_cuts)
            return (StatusEvent("drift_on", before, "drift", severity, magnitude),)
        if before == "drift":
            self._calm += 1
            if self._calm < self.clear_after:
                return ()
            self.status, self._calm = decision, 0
            return (StatusEvent("drift_off", "drift", decision, None, magnitude),)
        if decision == before:
            return ()
        self.status = decision
        return (StatusEvent("warning_on" if decision == "warning" else "warning_off", before, decision),)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able state and parameters."""
        return {
            "severity_cuts": list(self.severity_cuts), "clear_after": self.clear_after,
            "status": self.status, "calm": self._calm,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StatusMachine:
        """Rebuild a machine, state included, from :meth:`to_dict` output."""
        machine = cls(severity_cuts=tuple(data["severity_cuts"]), clear_after=data["clear_after"])
        if data["status"] not in LEVELS:
            raise ValueError(f"status must be one of {LEVELS}, got {data['status']!r}.")
        machine.status, machine._calm = data["status"], int(data["calm"])
        return machine
