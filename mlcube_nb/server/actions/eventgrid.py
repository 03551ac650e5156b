"""Azure Event Grid: send one event to a topic endpoint with a service principal's Entra ID token.

Namespace topics (``.../topics/<name>:publish``) take a CloudEvents 1.0 event; custom topics
(``.../api/events``) take the Event Grid schema, a JSON array of events.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from mlcube_nb.server.actions.http import check_url, post
from mlcube_nb.server.actions.oauth import azure_token
from mlcube_nb.server.actions.result import DeliveryError

SCOPE = "https://eventgrid.azure.net/.default"


@dataclass(frozen=True)
class GridEvent:
    """One event, before it is written in either schema."""

    event_type: str
    subject: str
    data: dict[str, Any]
    data_version: str = "1.0"
    source: str = "mlcube.platform"


def uses_cloud_events(endpoint: str) -> bool:
    """Whether *endpoint* is a namespace topic (CloudEvents) rather than a custom topic (Event Grid schema)."""
    return urlsplit(endpoint).path.endswith(":publish")


def body(event: GridEvent, endpoint: str) -> tuple[Any, str]:
    """The request body and content type for *endpoint*'s schema."""
    event_id, now = uuid.uuid4().hex, datetime.now(timezone.utc).isoformat()
    if uses_cloud_events(endpoint):
        return ({"specversion": "1.0", "id": event_id, "source": event.source, "type": event.event_type,
                 "subject": event.subject, "time": now, "datacontenttype": "application/json", "data": event.data},
                "application/cloudevents+json; charset=utf-8")
    return ([{"id": event_id, "eventType": event.event_type, "subject": event.subject, "eventTime": now,
              "dataVersion": event.data_version, "data": event.data}], "application/json")


def send(credentials: dict[str, Any] | None, topic_endpoint: Any, event: GridEvent, *, timeout: float) -> int:
    """Send *event* to *topic_endpoint* (token from the credentials' tenant); returns the HTTP status."""
    if not credentials or credentials.get("type") != "azure":
        raise DeliveryError("Event Grid needs azure credentials: give the action a credentials_id", retryable=False)
    endpoint = check_url(topic_endpoint, "Event Grid topic endpoint")
    token = azure_token(credentials, SCOPE, timeout=timeout)
    payload, content_type = body(event, endpoint)
    response = post(endpoint, json_body=payload, timeout=timeout, what="Event Grid topic",
                    headers={"Authorization": f"Bearer {token}", "Content-Type": content_type})
    return response.status_code
