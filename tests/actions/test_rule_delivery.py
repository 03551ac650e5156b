"""Rules in action, end to end: a drifting batch fires the matching rules' actions through the outbox.

A platform of its own (SQLite, quick retries) and a real HTTP receiver on 127.0.0.1 standing in for Slack,
Discord and Teams. Checks: matching rules deliver in order, a rule that does not match sends nothing, a
failing receiver is retried and recorded as failed while monitoring and the other rules go on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from mlcube_nb.enums import (
    DetectionEventSeverity,
    DetectionEventType,
    ModelMetricName,
    MonitoringStatus,
    MonitoringTarget,
)
from mlcube_nb.models import DiscordNotificationAction, SlackNotificationAction, TeamsNotificationAction
from mlcube_nb.server.embedded import serve_in_thread
from mlcube_nb.server.settings import Settings
from tests.actions.receivers import Receiver
from tests.conftest import LogCapture, Platform
from tests.server.data_helpers import Ctx, frame, inputs_of, make_ctx, tabular, target_of

N_REF, N_BATCH = 1000, 500


@pytest.fixture(scope="module")
def quick_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A platform whose deliveries retry after 50 ms and give up after 3 attempts."""
    home: Path = tmp_path_factory.mktemp("deliveries")
    handle = serve_in_thread(Settings(home=home, database_url=f"sqlite:///{home / 'mlcube.db'}", log_level="warning",
                                      delivery_max_attempts=3, delivery_backoff_s=0.05))
    try:
        yield Platform(handle=handle, dialect="sqlite", logs=LogCapture())
    finally:
        handle.stop()


@pytest.fixture
def ctx(quick_platform: Platform) -> Ctx:
    ctx = make_ctx(quick_platform)
    df = frame(N_REF, seed=1)
    ctx.client.wait_job_completion(ctx.client.add_historical_data(
        ctx.task_id, inputs=tabular(inputs_of(df)), target=tabular(target_of(df)),
        predictions=[(ctx.model_id, tabular(ctx.predictions(df)))]))
    ctx.client.wait_job_completion(ctx.client.set_model_reference(ctx.model_id, 0, N_REF - 1))
    return ctx


def _drifting_batch(ctx: Ctx, index: int = 0) -> None:
    df = frame(N_BATCH, start=N_REF + index * N_BATCH, prefix=f"b{index}_", seed=50 + index)
    df["x1"] += 2.0
    ctx.client.wait_job_completion(ctx.client.add_production_data(
        ctx.task_id, inputs=tabular(inputs_of(df)), target=tabular(target_of(df)),
        predictions=[(ctx.model_id, tabular(ctx.predictions(df)))]))


def _rule(ctx: Ctx, name: str, actions: list, event: DetectionEventType = DetectionEventType.DRIFT_ON,
          target: MonitoringTarget = MonitoringTarget.INPUT, **extra) -> str:
    return ctx.client.create_detection_event_rule(name=name, task_id=ctx.task_id, severity=extra.pop("severity", None),
                                                  detection_event_type=event, monitoring_target=target,
                                                  actions=actions, **extra)


def _settled(ctx: Ctx, count: int, timeout_s: float = 20.0) -> pd.DataFrame:
    """The task's deliveries once *count* of them are delivered or failed."""
    deadline = time.monotonic() + timeout_s
    while True:
        deliveries = ctx.client.get_action_deliveries(ctx.task_id)
        done = [d for d in deliveries if d.status in ("delivered", "failed")]
        if len(done) >= count or time.monotonic() > deadline:
            return deliveries.df
        time.sleep(0.1)


def test_matching_rules_deliver_in_order_and_others_send_nothing(ctx: Ctx, receiver: Receiver) -> None:
    slack, discord, teams = (receiver.answer(f"/{ctx.task_id}/{name}") for name in ("slack", "discord", "teams"))
    _rule(ctx, "notify", [SlackNotificationAction(webhook=slack), DiscordNotificationAction(webhook=discord),
                          TeamsNotificationAction(webhook=teams)])
    quiet = receiver.answer(f"/{ctx.task_id}/quiet")
    _rule(ctx, "prediction only", [SlackNotificationAction(webhook=quiet)], target=MonitoringTarget.PREDICTION,
          severity=DetectionEventSeverity.LOW)  # the model's (constant) predictions do not drift
    _rule(ctx, "warnings only", [SlackNotificationAction(webhook=quiet)], event=DetectionEventType.WARNING_OFF)
    ctx.client.create_model(task_id=ctx.task_id, name="other", version="v1", with_probabilistic_output=False,
                            metric_name=ModelMetricName.RMSE)
    _rule(ctx, "other model", [SlackNotificationAction(webhook=quiet)], model_name="other")

    _drifting_batch(ctx)
    assert ctx.client.get_task(ctx.task_id).monitoring_status
    deliveries = _settled(ctx, 3)
    ours = deliveries[deliveries["rule_name"] == "notify"].sort_values("action_index")
    assert list(ours["status"]) == ["delivered"] * 3
    assert list(ours["action_type"]) == ["slack_notification", "discord_notification", "teams_notification"]
    paths = [p.removeprefix(receiver.url) for p in (slack, discord, teams)]
    assert [r.path for r in receiver.received if r.path in paths] == paths  # one each, in the rule's order
    text = receiver.at(slack.removeprefix(receiver.url))[0].body.decode()
    for fact in (ctx.task_id, "v1", "input", "drift on", "(high)"):
        assert fact.lower() in text.lower()
    # the prediction rule, the warning rule and the other model's rule matched no event of this batch
    assert receiver.at(quiet.removeprefix(receiver.url)) == []
    assert set(deliveries["rule_name"]) == {"notify"}


def test_a_failing_receiver_is_retried_then_failed_while_monitoring_goes_on(ctx: Ctx, receiver: Receiver) -> None:
    broken = receiver.answer(f"/{ctx.task_id}/broken", status=500, body="down")
    fine = receiver.answer(f"/{ctx.task_id}/fine")
    _rule(ctx, "broken", [SlackNotificationAction(webhook=broken)])
    _rule(ctx, "fine", [SlackNotificationAction(webhook=fine)])
    _drifting_batch(ctx)
    deliveries = _settled(ctx, 2)
    by_rule = {row["rule_name"]: row for _, row in deliveries.iterrows()}
    assert by_rule["fine"]["status"] == "delivered"
    assert by_rule["broken"]["status"] == "failed" and by_rule["broken"]["attempts"] == 3
    assert by_rule["broken"]["last_status_code"] == 500
    assert len(receiver.at(broken.removeprefix(receiver.url))) == 3
    history = ctx.client.get_action_deliveries(ctx.task_id)
    broken_history = next(d for d in history if d.rule_name == "broken").history
    assert [a.ok for a in broken_history] == [False, False, False]
    # monitoring went on meanwhile: the status is DRIFT and a later batch is analysed as usual
    assert ctx.client.get_task(ctx.task_id).monitoring_status
    statuses = {s.monitoring_target: s.status for s in ctx.client.get_task(ctx.task_id).monitoring_status}
    assert statuses[MonitoringTarget.INPUT] == MonitoringStatus.DRIFT
