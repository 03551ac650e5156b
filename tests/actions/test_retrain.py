"""test_retrain_trigger and retrain_model through our client, against EventBridge in moto's server mode."""

from __future__ import annotations

import time
import uuid

import pytest

from mlcube_nb.exceptions import SDKClientException
from mlcube_nb.models import AWSEventBridgeRetrainTrigger
from tests.actions.aws_helpers import REGION, arrived, bus_to_queue
from tests.server.data_helpers import Ctx, make_ctx


@pytest.fixture(autouse=True)
def _aws_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fake identity for the test's own set-up calls to moto."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def ctx(platform) -> Ctx:
    return make_ctx(platform)


def _credentials(ctx: Ctx, endpoint: str) -> str:
    return ctx.client.create_aws_compatible_integration_credentials(
        name=f"bus-{uuid.uuid4().hex[:6]}", default=False, project_id=ctx.project_id, access_key_id="AKIATEST",
        secret_access_key="bus-secret", endpoint_url=endpoint).credentials_id


def test_a_test_event_arrives_marked_as_a_test(ctx: Ctx, moto_url: str) -> None:
    bus, sqs, queue_url = bus_to_queue(moto_url, "ml3_platform")
    trigger = AWSEventBridgeRetrainTrigger(credentials_id=_credentials(ctx, moto_url), aws_region_name=REGION,
                                           event_bus_name=bus)
    ctx.client.test_retrain_trigger(ctx.model_id, trigger)
    (event,) = arrived(sqs, queue_url, wait_s=10.0)
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
    bus, sqs, queue_url = bus_to_queue(moto_url, "ml3_platform")
    ctx.client.set_retrain_trigger(ctx.model_id, AWSEventBridgeRetrainTrigger(
        credentials_id=_credentials(ctx, moto_url), aws_region_name=REGION, event_bus_name=bus))
    delivery_id = ctx.client.retrain_model(ctx.model_id)
    (event,) = arrived(sqs, queue_url, wait_s=10.0)
    assert event["detail"]["model_id"] == ctx.model_id and event["detail"]["test"] is False
    deadline = time.monotonic() + 10
    while True:
        deliveries = {d.delivery_id: d for d in ctx.client.get_action_deliveries(ctx.task_id)}
        if deliveries[delivery_id].status == "delivered" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    recorded = deliveries[delivery_id]
    assert (recorded.status, recorded.action_type, recorded.rule_name) == ("delivered", "retrain", "retrain_model")
