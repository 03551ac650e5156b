"""``deliver``: route one queued action to its sender, time it, and turn every failure into a result.

The outbox dispatcher calls ``deliver`` outside any transaction and retries with ``backoff_delay``;
receiver and configuration problems never raise, and error texts never carry a secret.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlcube_nb.enums import DetectionEventActionType as Action
from mlcube_nb.server.actions import cloud, email, mqtt, retrain, webhooks
from mlcube_nb.server.actions.result import DeliveryError, DeliveryResult, redact
from mlcube_nb.server.settings import Settings

__all__ = ["DeliveryResult", "backoff_delay", "deliver"]

log = logging.getLogger("mlcube_nb.actions")
BACKOFF_CAP_S = 300.0
_SECRET_KEYS = ("secret_access_key", "external_id", "private_key", "private_key_id", "password", "client_secret",
                "session_token")


@dataclass(frozen=True)
class Job:
    """Everything one sender may need for one attempt."""

    action: dict[str, Any]
    notice: dict[str, Any]
    credentials: dict[str, Any] | None
    trigger: dict[str, Any] | None
    settings: Settings

    @property
    def timeout(self) -> float:
        """Seconds one network call of this attempt may take."""
        return self.settings.action_timeout_s

    def field(self, key: str) -> Any:
        """The action's *key*, or a non-retryable error naming what the rule lacks."""
        if not self.action.get(key):
            raise DeliveryError(f"the {self.action.get('type')} action has no {key}: fix the rule", retryable=False)
        return self.action[key]


def backoff_delay(attempt: int) -> float:
    """Seconds to wait after failed attempt number *attempt* (1, 2, 4, ... capped at 300) with ±10 % jitter."""
    base = min(BACKOFF_CAP_S, 2.0 ** max(0, min(attempt, 30) - 1))
    return min(BACKOFF_CAP_S, base * random.uniform(0.9, 1.1))


def _slack(job: Job) -> int | None:
    return webhooks.send_slack(job.field("webhook"), job.notice, timeout=job.timeout)


def _discord(job: Job) -> int | None:
    return webhooks.send_discord(job.field("webhook"), job.notice, timeout=job.timeout)


def _teams(job: Job) -> int | None:
    return webhooks.send_teams(job.field("webhook"), job.notice, timeout=job.timeout)


def _email(job: Job) -> None:
    email.send_email(job.field("address"), job.notice, settings=job.settings, timeout=job.timeout)


def _mqtt(job: Job) -> None:
    mqtt.publish(job.field("connection_string"), job.field("topic"), job.notice, timeout=job.timeout)


def _eventbridge(job: Job) -> int | None:
    return cloud.notify_eventbridge(job.action, job.notice, job.credentials, timeout=job.timeout)


def _pubsub(job: Job) -> int | None:
    return cloud.notify_pubsub(job.action, job.notice, job.credentials, timeout=job.timeout)


def _eventgrid(job: Job) -> int | None:
    return cloud.notify_eventgrid(job.action, job.notice, job.credentials, timeout=job.timeout)


def _retrain(job: Job) -> int | None:
    return retrain.fire(job.trigger, job.notice, job.credentials, timeout=job.timeout)


def _recorded(job: Job) -> None:
    """NEW_PLOT_CONFIGURATION: the detection event itself is the record; nothing goes over the network."""
    return None


_SENDERS: dict[str, Callable[[Job], int | None]] = {
    Action.SLACK_NOTIFICATION: _slack, Action.DISCORD_NOTIFICATION: _discord, Action.TEAMS_NOTIFICATION: _teams,
    Action.EMAIL_NOTIFICATION: _email, Action.MQTT_NOTIFICATION: _mqtt,
    Action.AWS_EVENT_BRIDGE_NOTIFICATION: _eventbridge, Action.GCP_PUBSUB_NOTIFICATION: _pubsub,
    Action.AZURE_EVENT_GRID_NOTIFICATION: _eventgrid, Action.RETRAIN: _retrain,
    Action.NEW_PLOT_CONFIGURATION: _recorded,
}


def secrets_of(action: dict[str, Any], credentials: dict[str, Any] | None, settings: Settings) -> list[str]:
    """Every value an error text must not show: webhook URLs, the MQTT connection string, credential secrets."""
    values = [action.get("webhook"), action.get("connection_string"), action.get("topic_endpoint")]
    if isinstance(action.get("connection_string"), str):
        try:
            values.append(mqtt.parse_connection_string(action["connection_string"]).password)
        except DeliveryError:
            pass
    values += [(credentials or {}).get(key) for key in _SECRET_KEYS]
    if settings.smtp_password is not None:
        values.append(settings.smtp_password.get_secret_value())
    return [value for value in values if isinstance(value, str)]


def deliver(action: dict[str, Any], notice: dict[str, Any], *, credentials: dict[str, Any] | None,
            trigger: dict[str, Any] | None, settings: Settings) -> DeliveryResult:
    """Run *action* for *notice*; a failed delivery is a result (``retryable`` says whether to try again)."""
    started = time.monotonic()

    def result(ok: bool, status: int | None, error: str | None, retryable: bool) -> DeliveryResult:
        shown = redact(error, secrets_of(action, credentials, settings)) if error else None
        return DeliveryResult(ok=ok, status_code=status, error=shown, retryable=retryable,
                              duration_ms=(time.monotonic() - started) * 1000.0)

    sender = _SENDERS.get(str(action.get("type")))
    if sender is None:
        return result(False, None, f"unknown action type '{action.get('type')}'", False)
    try:
        status = sender(Job(action, notice, credentials, trigger, settings))
    except DeliveryError as exc:
        return result(False, exc.status_code, exc.message, exc.retryable)
    except Exception as exc:  # noqa: BLE001 - a sender bug must not kill the dispatcher or hide the delivery
        error = result(False, None, f"unexpected {type(exc).__name__} while delivering: {exc}", False)
        log.warning("delivery of a %s action failed unexpectedly: %s", action.get("type"), error.error)
        return error
    return result(True, status, None, False)
