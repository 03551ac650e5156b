"""Retrain triggers (PLATFORM.md §9.5): tell the customer's pipeline to retrain a model through a cloud bus.

The event shapes are the platform's published contract: source ``ml3_platform``, type ``retrain_trigger``,
and the model id, here with the event that caused it so the pipeline can log why.
"""

from __future__ import annotations

from typing import Any

from mlcube_nb.server.actions import eventbridge, eventgrid, pubsub
from mlcube_nb.server.actions.result import DeliveryError

SOURCE = "ml3_platform"
EVENT_TYPE = "retrain_trigger"
_REASON_KEYS = ("model_name", "model_version", "task_id", "task_name", "event_id", "event_type",
                "monitoring_target", "monitoring_metric", "monitoring_evaluation_metric", "severity", "time", "test")


def retrain_payload(notice: dict[str, Any]) -> dict[str, Any]:
    """``{model_id, ...}``: the model to retrain, then the names of the event that asked for it."""
    return {"model_id": notice.get("model_id"), **{key: notice.get(key) for key in _REASON_KEYS}}


def fire(trigger: dict[str, Any] | None, notice: dict[str, Any], credentials: dict[str, Any] | None, *,
         timeout: float) -> int | None:
    """Publish the retrain event described by *trigger*; returns the receiver's HTTP status when known."""
    if not trigger:
        raise DeliveryError("the model has no retrain trigger: set one with set_retrain_trigger", retryable=False)
    if not notice.get("model_id"):
        raise DeliveryError("a retrain action needs a model-related event (the event names no model)",
                            retryable=False)
    kind, payload = trigger.get("type"), retrain_payload(notice)
    if kind == "aws_event_bridge":
        return eventbridge.put_event(credentials, region=trigger.get("aws_region_name"),
                                     bus=trigger.get("event_bus_name"), source=SOURCE, detail_type=EVENT_TYPE,
                                     detail=payload, timeout=timeout)
    if kind == "gcp_pubsub":
        topic = trigger.get("topic_name")
        project = (credentials or {}).get("gcp_project_id")
        message = {"project_id": project, "topic_name": topic, "source": SOURCE, "event_type": EVENT_TYPE,
                   "payload": payload}
        return pubsub.publish(credentials, topic, message, timeout=timeout,
                              attributes={"source": SOURCE, "event_type": EVENT_TYPE,
                                          "model_id": str(notice["model_id"])})
    if kind == "azure_event_grid":
        event = eventgrid.GridEvent(event_type=EVENT_TYPE, subject=SOURCE, data=payload, source=SOURCE)
        return eventgrid.send(credentials, trigger.get("topic_endpoint"), event, timeout=timeout)
    raise DeliveryError(f"unknown retrain trigger type '{kind}'", retryable=False)
