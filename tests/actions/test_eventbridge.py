"""EventBridge notifications and retrain triggers against moto's server mode on 127.0.0.1.

Events are checked where a customer would see them: a rule on the bus forwards them to an SQS queue.
"""

from __future__ import annotations

from typing import Any

import pytest

from mlcube_nb.server.actions.dispatch import deliver
from mlcube_nb.server.settings import Settings
from tests.actions.aws_helpers import REGION, arrived, bus_to_queue
from tests.actions.receivers import free_port

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/mlcube-publisher"


@pytest.fixture(autouse=True)
def _aws_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform's own (fake) AWS identity, used for the test's set-up calls and to assume roles."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)


def _compatible(moto_url: str) -> dict[str, Any]:
    return {"type": "aws_compatible", "access_key_id": "AKIDEXAMPLE", "secret_access_key": "very-secret-key-42",
            "endpoint_url": moto_url}


def _action(bus: str) -> dict[str, Any]:
    return {"type": "aws_event_bridge_notification", "credentials_id": None, "aws_region_name": REGION,
            "event_bus_name": bus}


def test_event_arrives_with_access_key_credentials(moto_url: str, notice: dict[str, Any], settings: Settings) -> None:
    bus, sqs, queue_url = bus_to_queue(moto_url, "mlcube.platform")
    result = deliver(_action(bus), notice, credentials=_compatible(moto_url), trigger=None, settings=settings)
    assert result.ok and result.status_code == 200, result
    (event,) = arrived(sqs, queue_url)
    assert event["source"] == "mlcube.platform" and event["detail-type"] == "mlcube detection event"
    detail = event["detail"]
    assert detail["title"] == "[mlcube] DRIFT ON — task churn / input (high)"
    assert (detail["event_id"], detail["task_name"], detail["model_name"], detail["severity"]) == (
        "ev0123456789", "churn", "churn-xgb", "high")


def test_role_is_assumed_with_the_external_id(moto_url: str, notice: dict[str, Any], settings: Settings) -> None:
    from moto.sts.models import sts_backends

    bus, sqs, queue_url = bus_to_queue(moto_url, "mlcube.platform")
    credentials = {"type": "aws", "role_arn": ROLE_ARN, "external_id": "ext-id-secret-9", "endpoint_url": moto_url}
    before = len(sts_backends[ACCOUNT]["aws"].assumed_roles)
    result = deliver(_action(bus), notice, credentials=credentials, trigger=None, settings=settings)
    assert result.ok, result
    assumed = sts_backends[ACCOUNT]["aws"].assumed_roles[before:]
    assert [(role.role_arn, role.external_id, role.session_name) for role in assumed] == [
        (ROLE_ARN, "ext-id-secret-9", "mlcube-platform-actions")]
    assert len(arrived(sqs, queue_url)) == 1


def test_retrain_trigger_publishes_the_platform_event(moto_url: str, notice: dict[str, Any],
                                                      settings: Settings) -> None:
    bus, sqs, queue_url = bus_to_queue(moto_url, "ml3_platform")
    trigger = {"type": "aws_event_bridge", "credentials_id": "c1", "aws_region_name": REGION, "event_bus_name": bus}
    result = deliver({"type": "retrain"}, notice, credentials=_compatible(moto_url), trigger=trigger,
                     settings=settings)
    assert result.ok, result
    (event,) = arrived(sqs, queue_url)
    assert event["source"] == "ml3_platform" and event["detail-type"] == "retrain_trigger"
    assert event["detail"]["model_id"] == "model9" and event["detail"]["event_id"] == "ev0123456789"


def test_unknown_bus_is_not_retryable(moto_url: str, notice: dict[str, Any], settings: Settings) -> None:
    result = deliver(_action("no-such-bus"), notice, credentials=_compatible(moto_url), trigger=None,
                     settings=settings)
    assert not result.ok and not result.retryable and "ResourceNotFoundException" in result.error
    assert "very-secret-key-42" not in result.error


def test_unreachable_endpoint_is_retryable(notice: dict[str, Any], settings: Settings) -> None:
    credentials = {**_compatible(""), "endpoint_url": f"http://127.0.0.1:{free_port()}"}
    result = deliver(_action("bus"), notice, credentials=credentials, trigger=None, settings=settings)
    assert not result.ok and result.retryable and "could not connect" in result.error


def test_missing_or_wrong_credentials_are_not_retryable(notice: dict[str, Any], settings: Settings) -> None:
    for credentials in (None, {"type": "gcp", "gcp_project_id": "p"}, {"type": "aws", "role_arn": ""}):
        result = deliver(_action("bus"), notice, credentials=credentials, trigger=None, settings=settings)
        assert not result.ok and not result.retryable, result
    no_region = {**_action("bus"), "aws_region_name": ""}
    result = deliver(no_region, notice, credentials={"type": "aws_compatible"}, trigger=None, settings=settings)
    assert not result.ok and not result.retryable and "aws_region_name" in result.error
