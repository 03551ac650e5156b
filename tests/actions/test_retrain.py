"""test_retrain_trigger and retrain_model through our client, against EventBridge in moto's server mode."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from mlcube_nb.exceptions import SDKClientException
from mlcube_nb.models import AWSEventBridgeRetrainTrigger
from tests.server.data_helpers import Ctx, make_ctx

REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def _aws_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fake identity for the test's own set-up calls to moto."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def _bus_to_queue(moto_url: str) -> tuple[str, Any, str]:
    """A fresh bus whose rule forwards the platform's retrain events to a fresh queue."""
    import boto3

    name = f"bus-{uuid.uuid4().hex[:8]}"
    events = boto3.client("events", region_name=REGION, endpoint_url=moto_url)
    sqs = boto3.client("sqs", region_name=REGION, endpoint_url=moto_url)
    events.create_event_bus(Name=name)
    queue_url = sqs.create_queue(QueueName=f"q-{name}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=f"r-{name}", EventBusName=name, EventPattern=json.dumps({"source": ["ml3_platform"]}))
    events.put_targets(Rule=f"r-{name}", EventBusName=name, Targets=[{"Id": "queue", "Arn": arn}])
    return name, sqs, queue_url


def _arrived(sqs: Any, queue_url: str, wait_s: float = 10.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + wait_s
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", [])
        if messages or time.monotonic() > deadline:
            return [json.loads(m["Body"]) for m in messages]


@pytest.fixture
def ctx(platform) -> Ctx:
    return make_ctx(platform)


def _credentials(ctx: Ctx, endpoint: str) -> str:
    return ctx.client.create_aws_compatible_integration_credentials(
        name=f"bus-{uuid.uuid4().hex[:6]}", default=False, project_id=ctx.project_id, access_key_id="AKIATEST",
        secret_access_key="bus-secret", endpoint_url=endpoint).credentials_id


def test_a_test_event_arrives_marked_as_a_test(ctx: Ctx, moto_url: str) -> None:
    bus, sqs, queue_url = _bus_to_queue(moto_url)
    trigger = AWSEventBridgeRetrainTrigger(credentials_id=_credentials(ctx, moto_url), aws_region_name=REGION,
                                           event_bus_name=bus)
    ctx.client.test_retrain_trigger(ctx.model_id, trigger)
    (event,) = _arrived(sqs, queue_url)
    assert event["source"] == "ml3_platform" and event["detail-type"] == "retrain_trigger"
    assert event["detail"]["model_id"] == ctx.model_id and event["detail"]["test"] is True
    assert ctx.client.get_model(ctx.model_id).retrain_trigger is None  # testing does not set it


def test_an_unreachable_receiver_is_reported(ctx: Ctx, moto_url: str) -> None:
    trigger = AWSEventBridgeRetrainTrigger(credentials_id=_credentials(ctx, "http://127.0.0.1:9"),
                                           aws_region_name=REGION, event_bus_name="nowhere")
    with pytest.raises(SDKClientException) as info:
        ctx.client.test_retrain_trigger(ctx.model_id, trigger)
    assert info.value.error_code == "RETRAIN_TRIGGER_FAILED"
    assert "bus-secret" not in info.value.error_message


def test_retrain_model_fires_the_stored_trigger_and_records_it(ctx: Ctx, moto_url: str) -> None:
    with pytest.raises(SDKClientException) as info:
        ctx.client.retrain_model(ctx.model_id)
    assert info.value.error_code == "INVALID_PARAMETERS" and "set_retrain_trigger" in info.value.error_message
    bus, sqs, queue_url = _bus_to_queue(moto_url)
    ctx.client.set_retrain_trigger(ctx.model_id, AWSEventBridgeRetrainTrigger(
        credentials_id=_credentials(ctx, moto_url), aws_region_name=REGION, event_bus_name=bus))
    delivery_id = ctx.client.retrain_model(ctx.model_id)
    (event,) = _arrived(sqs, queue_url)
    assert event["detail"]["model_id"] == ctx.model_id and event["detail"]["test"] is False
    deadline = time.monotonic() + 10
    while True:
        deliveries = {d.delivery_id: d for d in ctx.client.get_action_deliveries(ctx.task_id)}
        if deliveries[delivery_id].status == "delivered" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    recorded = deliveries[delivery_id]
    assert (recorded.status, recorded.action_type, recorded.rule_name) == ("delivered", "retrain", "retrain_model")
