"""Detection-event notifications on the cloud buses: the event document on EventBridge, Pub/Sub, Event Grid."""

from __future__ import annotations

from typing import Any

from mlcube_nb.server.actions import eventbridge, eventgrid, payloads, pubsub

DETAIL_TYPE = "mlcube detection event"


def _attributes(notice: dict[str, Any]) -> dict[str, str]:
    """Pub/Sub message attributes subscribers can filter on."""
    keys = ("event_type", "severity", "task_id", "model_id", "monitoring_target")
    return {"source": payloads.SOURCE, **{key: str(notice[key]) for key in keys if notice.get(key) is not None},
            "test": str(bool(notice.get("test"))).lower()}


def notify_eventbridge(action: dict[str, Any], notice: dict[str, Any], credentials: dict[str, Any] | None, *,
                       timeout: float) -> int | None:
    """Put the event document on the action's bus (source ``mlcube.platform``)."""
    return eventbridge.put_event(credentials, region=action.get("aws_region_name"), bus=action.get("event_bus_name"),
                                 source=payloads.SOURCE, detail_type=DETAIL_TYPE,
                                 detail=payloads.event_document(notice), timeout=timeout)


def notify_pubsub(action: dict[str, Any], notice: dict[str, Any], credentials: dict[str, Any] | None, *,
                  timeout: float) -> int:
    """Publish the event document on the action's topic."""
    return pubsub.publish(credentials, action.get("topic_name"), payloads.event_document(notice),
                          attributes=_attributes(notice), timeout=timeout)


def notify_eventgrid(action: dict[str, Any], notice: dict[str, Any], credentials: dict[str, Any] | None, *,
                     timeout: float) -> int:
    """Send the event document to the action's Event Grid topic."""
    subject = f"tasks/{notice.get('task_id')}/detection-events/{notice.get('event_id')}"
    event = eventgrid.GridEvent(event_type=f"{payloads.SOURCE}.{payloads.NOTIFICATION_TYPE}", subject=subject,
                                data=payloads.event_document(notice))
    return eventgrid.send(credentials, action.get("topic_endpoint"), event, timeout=timeout)
