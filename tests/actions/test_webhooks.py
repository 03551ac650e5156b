"""Slack, Discord and Teams senders against a real local HTTP receiver, plus HTTP failure handling."""

from __future__ import annotations

from typing import Any

from mlcube_nb.server.actions.dispatch import deliver
from mlcube_nb.server.settings import Settings
from tests.actions.conftest import assert_names_event
from tests.actions.receivers import Receiver, free_port


def _send(kind: str, webhook: str, notice: dict[str, Any], settings: Settings) -> Any:
    return deliver({"type": kind, "webhook": webhook}, notice, credentials=None, trigger=None, settings=settings)


def test_slack_message_has_text_and_blocks(receiver: Receiver, notice: dict[str, Any], settings: Settings) -> None:
    url = receiver.answer("/slack/T000/B000/secret-token", 200, "ok")
    result = _send("slack_notification", url, notice, settings)
    assert result.ok and result.status_code == 200 and result.error is None and result.duration_ms > 0
    (request,) = receiver.at("/slack/T000/B000/secret-token")
    assert request.headers["Content-Type"] == "application/json"
    body = request.json()
    assert body["text"].startswith("[mlcube] DRIFT ON — task churn / input (high)")
    assert [block["type"] for block in body["blocks"]] == ["header", "section", "context"]
    assert body["blocks"][0]["text"]["type"] == "plain_text"
    fields = body["blocks"][1]["fields"]
    assert len(fields) <= 10 and all(field["type"] == "mrkdwn" for field in fields)
    assert_names_event(" ".join(field["text"] for field in fields))


def test_discord_message_has_one_embed(receiver: Receiver, notice: dict[str, Any], settings: Settings) -> None:
    url = receiver.answer("/api/webhooks/1/discord-token", 204)
    result = _send("discord_notification", url, notice, settings)
    assert result.ok and result.status_code == 204
    body = receiver.at("/api/webhooks/1/discord-token")[-1].json()
    (embed,) = body["embeds"]
    assert embed["title"] == body["content"] and embed["color"] == 0xD9534F
    assert embed["timestamp"] == notice["time"] and body["allowed_mentions"] == {"parse": []}
    assert all(set(field) == {"name", "value", "inline"} for field in embed["fields"])
    assert_names_event(embed["title"] + " ".join(f["value"] for f in embed["fields"]) + embed["footer"]["text"])


def test_teams_workflow_webhook_gets_an_adaptive_card(receiver: Receiver, notice: dict[str, Any],
                                                      settings: Settings) -> None:
    url = receiver.answer("/workflows/teams-1", 202)
    assert _send("teams_notification", url, notice, settings).ok
    body = receiver.at("/workflows/teams-1")[-1].json()
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    text_block, fact_set = card["body"]
    assert text_block["type"] == "TextBlock" and fact_set["type"] == "FactSet"
    assert_names_event(text_block["text"] + " ".join(f["value"] for f in fact_set["facts"]))


def test_teams_connector_webhook_gets_a_message_card(notice: dict[str, Any]) -> None:
    from mlcube_nb.server.actions.payloads import teams

    card = teams(notice, "https://contoso.webhook.office.com/webhookb2/abc/IncomingWebhook/def")
    assert card["@type"] == "MessageCard" and card["@context"] == "https://schema.org/extensions"
    assert card["themeColor"] == "D9534F" and card["summary"] == card["title"]
    assert_names_event(card["title"] + " ".join(f["value"] for f in card["sections"][0]["facts"]))


def test_test_events_say_so(receiver: Receiver, notice: dict[str, Any], settings: Settings) -> None:
    url = receiver.answer("/slack/test-event", 200)
    assert _send("slack_notification", url, {**notice, "test": True}, settings).ok
    assert "[TEST]" in receiver.at("/slack/test-event")[-1].json()["text"]


def test_server_error_is_retryable_and_hides_the_webhook(receiver: Receiver, notice: dict[str, Any],
                                                         settings: Settings) -> None:
    url = receiver.answer("/slack/T1/B1/hush-hush-token", 500, "internal trouble")
    result = _send("slack_notification", url, notice, settings)
    assert not result.ok and result.retryable and result.status_code == 500
    assert "HTTP 500" in result.error and "internal trouble" in result.error
    assert "hush-hush-token" not in result.error and "127.0.0.1" in result.error


def test_client_error_is_not_retryable(receiver: Receiver, notice: dict[str, Any], settings: Settings) -> None:
    url = receiver.answer("/discord/gone", 400, {"message": "Invalid Webhook Token"})
    result = _send("discord_notification", url, notice, settings)
    assert not result.ok and not result.retryable and result.status_code == 400
    assert "Invalid Webhook Token" in result.error


def test_rate_limit_is_retryable(receiver: Receiver, notice: dict[str, Any], settings: Settings) -> None:
    url = receiver.answer("/teams/busy", 429, "slow down")
    result = _send("teams_notification", url, notice, settings)
    assert not result.ok and result.retryable and result.status_code == 429


def test_unreachable_receiver_is_retryable(notice: dict[str, Any], settings: Settings) -> None:
    result = _send("slack_notification", f"http://127.0.0.1:{free_port()}/hooks/secret-token", notice, settings)
    assert not result.ok and result.retryable and result.status_code is None
    assert "could not connect" in result.error and "secret-token" not in result.error


def test_timeout_is_honoured(receiver: Receiver, notice: dict[str, Any], tmp_path: Any) -> None:
    url = receiver.answer("/slack/slow", 200, "ok", delay_s=3.0)
    result = _send("slack_notification", url, notice, Settings(home=tmp_path, action_timeout_s=0.5))
    assert not result.ok and result.retryable and "did not answer within 0.5 s" in result.error
    assert 400 <= result.duration_ms < 2500


def test_bad_webhook_is_a_configuration_error(notice: dict[str, Any], settings: Settings) -> None:
    for webhook in ("ftp://example.com/hook", "not a url", ""):
        result = _send("slack_notification", webhook, notice, settings)
        assert not result.ok and not result.retryable and result.status_code is None
        assert "fix the" in result.error


def test_an_echoed_webhook_is_masked(receiver: Receiver, notice: dict[str, Any], settings: Settings) -> None:
    url = receiver.url + "/slack/T9/B9/echoed-token"
    receiver.answer("/slack/T9/B9/echoed-token", 404, f"no such hook: {url}")
    result = _send("slack_notification", url, notice, settings)
    assert not result.ok and not result.retryable and result.status_code == 404
    assert "echoed-token" not in result.error and "no such hook: ***" in result.error
