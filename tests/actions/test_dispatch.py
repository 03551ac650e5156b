"""Routing and failure rules of ``deliver`` that need no receiver, and the retry backoff."""

from __future__ import annotations

from typing import Any

import pytest

from mlcube_nb.server.actions.dispatch import DeliveryResult, backoff_delay, deliver
from mlcube_nb.server.settings import Settings


def _run(action: dict[str, Any], notice: dict[str, Any], settings: Settings, **kwargs: Any) -> DeliveryResult:
    return deliver(action, notice, credentials=kwargs.get("credentials"), trigger=kwargs.get("trigger"),
                   settings=settings)


def test_new_plot_configuration_is_recorded_without_network(notice: dict[str, Any], settings: Settings) -> None:
    result = _run({"type": "new_plot_configuration"}, notice, settings)
    assert result == DeliveryResult(ok=True, status_code=None, error=None, duration_ms=result.duration_ms,
                                    retryable=False)
    assert 0 <= result.duration_ms < 1000


def test_retrain_needs_a_trigger_and_a_model(notice: dict[str, Any], settings: Settings) -> None:
    no_trigger = _run({"type": "retrain"}, notice, settings)
    assert not no_trigger.ok and not no_trigger.retryable and "set_retrain_trigger" in no_trigger.error
    trigger = {"type": "gcp_pubsub", "credentials_id": "c", "topic_name": "t"}
    no_model = _run({"type": "retrain"}, {**notice, "model_id": None}, settings, trigger=trigger)
    assert not no_model.ok and not no_model.retryable and "names no model" in no_model.error
    odd = _run({"type": "retrain"}, notice, settings, trigger={"type": "kafka", "credentials_id": "c"})
    assert not odd.ok and not odd.retryable and "unknown retrain trigger type 'kafka'" in odd.error


def test_unknown_type_and_missing_fields_are_configuration_errors(notice: dict[str, Any], settings: Settings) -> None:
    unknown = _run({"type": "carrier_pigeon"}, notice, settings)
    assert not unknown.ok and not unknown.retryable and "carrier_pigeon" in unknown.error
    for action in ({"type": "slack_notification"}, {"type": "email_notification", "address": None},
                   {"type": "mqtt_notification", "connection_string": "mqtt://127.0.0.1"}):
        result = _run(action, notice, settings)
        assert not result.ok and not result.retryable and "fix the rule" in result.error, result


def test_an_unexpected_failure_becomes_a_result(notice: dict[str, Any], settings: Settings) -> None:
    result = _run({"type": "slack_notification", "webhook": "http://127.0.0.1:9/hook"},
                  {**notice, "magnitude": "not-a-number"}, settings)
    assert not result.ok and not result.retryable and "unexpected ValueError" in result.error


def test_backoff_grows_exponentially_with_a_cap_and_jitter() -> None:
    for attempt, base in ((1, 1.0), (2, 2.0), (3, 4.0), (6, 32.0)):
        delays = [backoff_delay(attempt) for _ in range(50)]
        assert all(base * 0.9 <= delay <= base * 1.1 for delay in delays), (attempt, delays)
        assert len(set(delays)) > 1
    assert all(backoff_delay(attempt) <= 300.0 for attempt in (9, 10, 50, 10_000))
    assert backoff_delay(12) == pytest.approx(300.0, rel=0.1)
    assert 0.9 <= backoff_delay(0) <= 1.1
