"""Chat webhooks: Slack, Discord and Microsoft Teams messages posted to the action's ``webhook`` URL."""

from __future__ import annotations

from typing import Any

from mlcube_nb.server.actions import payloads
from mlcube_nb.server.actions.http import check_url, post


def send_slack(webhook: Any, notice: dict[str, Any], *, timeout: float) -> int:
    """Post a Slack message; returns the HTTP status."""
    url = check_url(webhook, "Slack webhook")
    return post(url, json_body=payloads.slack(notice), timeout=timeout, what="Slack webhook").status_code


def send_discord(webhook: Any, notice: dict[str, Any], *, timeout: float) -> int:
    """Post a Discord message with one embed; returns the HTTP status."""
    url = check_url(webhook, "Discord webhook")
    return post(url, json_body=payloads.discord(notice), timeout=timeout, what="Discord webhook").status_code


def send_teams(webhook: Any, notice: dict[str, Any], *, timeout: float) -> int:
    """Post a Teams card (MessageCard or Adaptive card, by webhook kind); returns the HTTP status."""
    url = check_url(webhook, "Teams webhook")
    return post(url, json_body=payloads.teams(notice, url), timeout=timeout, what="Teams webhook").status_code
