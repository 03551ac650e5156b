"""GCP Pub/Sub: publish one JSON message on a topic with a service account's OAuth token.

The REST base URL is ``https://pubsub.googleapis.com``; an optional ``pubsub_endpoint`` key of the
credentials overrides it (emulators, private endpoints, tests).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

from mlcube_nb.server.actions.http import post
from mlcube_nb.server.actions.oauth import google_token
from mlcube_nb.server.actions.result import DeliveryError

SCOPE = "https://www.googleapis.com/auth/pubsub"
DEFAULT_ENDPOINT = "https://pubsub.googleapis.com"


def topic_path(credentials: dict[str, Any], topic_name: Any) -> str:
    """``projects/{project}/topics/{topic}``; a topic already given as a full path is kept."""
    if not isinstance(topic_name, str) or not topic_name.strip():
        raise DeliveryError("the Pub/Sub topic_name is empty: fix the action or trigger", retryable=False)
    if topic_name.startswith("projects/"):
        return topic_name
    project = credentials.get("gcp_project_id") or credentials.get("project_id")
    if not project:
        raise DeliveryError("the gcp credentials name no gcp_project_id", retryable=False)
    return f"projects/{quote(str(project), safe='')}/topics/{quote(topic_name, safe='')}"


def publish(credentials: dict[str, Any] | None, topic_name: Any, data: dict[str, Any], *,
            attributes: dict[str, str], timeout: float) -> int:
    """Publish *data* (JSON, base64 on the wire) with *attributes* on the topic; returns the HTTP status."""
    if not credentials or credentials.get("type") != "gcp":
        raise DeliveryError("Pub/Sub needs gcp credentials: give the action a credentials_id", retryable=False)
    path = topic_path(credentials, topic_name)
    token = google_token(credentials, SCOPE, timeout=timeout)
    base = str(credentials.get("pubsub_endpoint") or DEFAULT_ENDPOINT).rstrip("/")
    message = {"data": base64.b64encode(json.dumps(data, default=str).encode()).decode("ascii"),
               "attributes": {key: str(value) for key, value in attributes.items() if value is not None}}
    response = post(f"{base}/v1/{path}:publish", json_body={"messages": [message]}, timeout=timeout,
                    what="Pub/Sub", headers={"Authorization": f"Bearer {token}"})
    return response.status_code
