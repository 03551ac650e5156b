"""What a detection-event notification says, rendered for each receiver (plain text, Slack, Discord, Teams).

Every rendering names the task, model, target, metric, event type, severity, time and event id.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

SOURCE = "mlcube.platform"
NOTIFICATION_TYPE = "detection_event"
_COLOURS = {"high": 0xD9534F, "medium": 0xF0AD4E, "low": 0xF7DC6F}
_OFF_COLOUR, _NEUTRAL_COLOUR = 0x5CB85C, 0x5B9BD5


def _shown(value: Any) -> str:
    return "—" if value is None or value == "" else str(value)


def event_label(notice: dict[str, Any]) -> str:
    """The event type as a human reads it, e.g. ``DRIFT ON``."""
    return _shown(notice.get("event_type")).replace("_", " ").upper()


def title(notice: dict[str, Any]) -> str:
    """One line that says it all, e.g. ``[mlcube] DRIFT ON — task churn / input (high)``."""
    target = notice.get("monitoring_target") or notice.get("monitoring_evaluation_metric") or "task"
    severity = f" ({notice['severity']})" if notice.get("severity") else ""
    test = " [TEST]" if notice.get("test") else ""
    return f"[mlcube]{test} {event_label(notice)} — task {_shown(notice.get('task_name'))} / {target}{severity}"


def model_label(notice: dict[str, Any]) -> str:
    """``name (version)``, or a dash for task-level events."""
    if not notice.get("model_name"):
        return "—"
    version = f" ({notice['model_version']})" if notice.get("model_version") else ""
    return f"{notice['model_name']}{version}"


def facts(notice: dict[str, Any]) -> list[tuple[str, str]]:
    """The named values every notification shows, in reading order."""
    rows = [
        ("Task", f"{_shown(notice.get('task_name'))} ({_shown(notice.get('task_id'))})"),
        ("Model", model_label(notice)),
        ("Target", _shown(notice.get("monitoring_target"))),
        ("Metric", _shown(notice.get("monitoring_metric"))),
        ("Event type", event_label(notice)),
        ("Severity", _shown(notice.get("severity"))),
        ("Time", _shown(notice.get("time"))),
        ("Event id", _shown(notice.get("event_id"))),
    ]
    if notice.get("monitoring_evaluation_metric"):
        rows.insert(4, ("Evaluation metric", str(notice["monitoring_evaluation_metric"])))
    if notice.get("magnitude") is not None:
        rows.append(("Magnitude", f"{float(notice['magnitude']):.4g}"))
    if notice.get("sample_customer_id"):
        rows.append(("Triggering sample", str(notice["sample_customer_id"])))
    return rows


def text(notice: dict[str, Any]) -> str:
    """A plain-text body: the title, then one ``Name: value`` line per fact."""
    lines = [title(notice), ""] + [f"{name}: {value}" for name, value in facts(notice)]
    if notice.get("test"):
        lines += ["", "This is a test notification: no detection event was raised."]
    return "\n".join(lines) + "\n"


def colour(notice: dict[str, Any]) -> int:
    """An RGB colour for the event: by severity, green when a state turns off."""
    if str(notice.get("event_type", "")).endswith("_off"):
        return _OFF_COLOUR
    return _COLOURS.get(str(notice.get("severity")), _NEUTRAL_COLOUR)


def event_document(notice: dict[str, Any]) -> dict[str, Any]:
    """The machine-readable event sent to MQTT and the cloud buses: the notice plus a title."""
    return {"source": SOURCE, "type": NOTIFICATION_TYPE, "title": title(notice), **notice}


def slack(notice: dict[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook message: fallback text plus header, fields and context blocks."""
    fields = [{"type": "mrkdwn", "text": f"*{name}*\n{value}"} for name, value in facts(notice)[:10]]
    return {
        "text": title(notice),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": title(notice)[:150]}},
            {"type": "section", "fields": fields},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"event {_shown(notice.get('event_id'))}"}]},
        ],
    }


def discord(notice: dict[str, Any]) -> dict[str, Any]:
    """A Discord webhook message with one embed (title, coloured bar, inline fields, timestamp)."""
    embed: dict[str, Any] = {
        "title": title(notice)[:256],
        "color": colour(notice),
        "fields": [{"name": name, "value": value[:1024], "inline": True} for name, value in facts(notice)],
        "footer": {"text": f"mlcube · event {_shown(notice.get('event_id'))}"},
    }
    if notice.get("time"):
        embed["timestamp"] = notice["time"]
    return {"content": title(notice)[:2000], "embeds": [embed], "allowed_mentions": {"parse": []}}


def _is_connector_webhook(webhook: str) -> bool:
    """Office 365 connector webhooks take MessageCards; Workflows (Power Automate) take Adaptive cards."""
    host = (urlsplit(webhook).hostname or "").lower()
    return host.endswith("webhook.office.com") or host.endswith("outlook.office.com")


def teams(notice: dict[str, Any], webhook: str) -> dict[str, Any]:
    """A Teams message: a MessageCard for connector webhooks, an Adaptive card for anything else."""
    if _is_connector_webhook(webhook):
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": title(notice),
            "themeColor": f"{colour(notice):06X}",
            "title": title(notice),
            "sections": [{"facts": [{"name": name, "value": value} for name, value in facts(notice)]}],
        }
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": title(notice), "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "FactSet", "facts": [{"title": name, "value": value} for name, value in facts(notice)]},
        ],
    }
    return {"type": "message",
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
                             "content": card}]}
