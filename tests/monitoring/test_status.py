"""The OK / WARNING / DRIFT status machine: transitions, event order, severity, reset."""

from __future__ import annotations

import json

import pytest

from mlcube_nb.monitoring import StatusMachine, severity_of


def run(machine: StatusMachine, steps: list[tuple[str, float]]) -> list[tuple[str, str | None, str]]:
    out = []
    for decision, magnitude in steps:
        for event in machine.update(decision, magnitude):  # type: ignore[arg-type]
            out.append((event.event_type, event.severity, machine.status))
    return out


def test_full_cycle_emits_events_in_order() -> None:
    machine = StatusMachine()
    steps = [
        ("ok", 0.0),
        ("warning", 0.05),
        ("warning", 0.06),
        ("drift", 0.2),
        ("drift", 0.4),
        ("warning", 0.05),
        ("ok", 0.0),
        ("drift", 0.5),
        ("ok", 0.0),
    ]
    assert run(machine, steps) == [
        ("warning_on", None, "warning"),
        ("drift_on", "medium", "drift"),
        ("drift_off", None, "warning"),
        ("warning_off", None, "ok"),
        ("drift_on", "high", "drift"),
        ("drift_off", None, "ok"),
    ]


def test_ok_to_drift_directly_carries_severity_from_magnitude() -> None:
    (event,) = StatusMachine().update("drift", 0.01)
    assert (event.event_type, event.from_status, event.to_status, event.severity) == (
        "drift_on",
        "ok",
        "drift",
        "low",
    )


def test_clear_after_needs_consecutive_calm_batches() -> None:
    machine = StatusMachine(clear_after=2)
    steps = [("drift", 0.3), ("ok", 0.0), ("drift", 0.3), ("ok", 0.0), ("ok", 0.0)]
    assert run(machine, steps) == [("drift_on", "high", "drift"), ("drift_off", None, "ok")]


def test_reset_returns_to_ok_without_event_and_state_round_trips() -> None:
    machine = StatusMachine(severity_cuts=(0.2, 0.5), clear_after=3)
    machine.update("drift", 0.3)
    restored = StatusMachine.from_dict(json.loads(json.dumps(machine.to_dict())))
    assert restored.status == "drift" and restored.severity_cuts == (0.2, 0.5)
    assert restored.update("ok") == () and restored.to_dict()["calm"] == 1
    machine.reset()
    assert machine.status == "ok" and machine.update("ok") == ()


def test_severity_cuts_and_nan() -> None:
    assert [severity_of(m, (1.0, 2.0)) for m in (0.5, 1.0, 1.99, 2.0, float("nan"))] == [
        "low",
        "medium",
        "medium",
        "high",
        "low",
    ]


@pytest.mark.parametrize(
    "kwargs", [{"severity_cuts": (0.3, 0.1)}, {"clear_after": 0}, {"severity_cuts": (0.1,)}]
)
def test_invalid_parameters_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        StatusMachine(**kwargs)


def test_unknown_decision_is_refused() -> None:
    with pytest.raises(ValueError, match="decision must be one of"):
        StatusMachine().update("alarm")  # type: ignore[arg-type]
