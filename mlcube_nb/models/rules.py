"""Detection event rules and their actions; an action is a flat object told apart by ``type`` (§5.14–5.15)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from mlcube_nb.enums import (
    DetectionEventActionType,
    DetectionEventSeverity,
    DetectionEventType,
    GenericMonitoringDimension,
    MonitoringEvaluationMetric,
    MonitoringMetric,
    MonitoringTarget,
)
from mlcube_nb.models.common import UrlStr, WireModel

_T = DetectionEventActionType


class DetectionEventAction(WireModel):
    """What a rule does when it fires; v1 keeps a subclass only if the key set matches exactly."""

    type: DetectionEventActionType


class DiscordNotificationAction(DetectionEventAction):
    """Post a message to a Discord webhook."""

    type: Literal[_T.DISCORD_NOTIFICATION] = _T.DISCORD_NOTIFICATION
    webhook: UrlStr


class SlackNotificationAction(DetectionEventAction):
    """Post a message to a Slack webhook (no ``channel`` key: it would break v1's action mapping)."""

    type: Literal[_T.SLACK_NOTIFICATION] = _T.SLACK_NOTIFICATION
    webhook: UrlStr


class EmailNotificationAction(DetectionEventAction):
    """Send an e-mail to ``address``."""

    type: Literal[_T.EMAIL_NOTIFICATION] = _T.EMAIL_NOTIFICATION
    address: str


class TeamsNotificationAction(DetectionEventAction):
    """Post a message to a Microsoft Teams webhook."""

    type: Literal[_T.TEAMS_NOTIFICATION] = _T.TEAMS_NOTIFICATION
    webhook: UrlStr


class MqttNotificationAction(DetectionEventAction):
    """Publish a message on an MQTT topic."""

    type: Literal[_T.MQTT_NOTIFICATION] = _T.MQTT_NOTIFICATION
    connection_string: UrlStr
    topic: str


class AWSEventBridgeNotificationAction(DetectionEventAction):
    """Put an event on an AWS EventBridge bus (``credentials_id`` null = project default)."""

    type: Literal[_T.AWS_EVENT_BRIDGE_NOTIFICATION] = _T.AWS_EVENT_BRIDGE_NOTIFICATION
    credentials_id: str | None
    aws_region_name: str
    event_bus_name: str


class GCPPubSubNotificationAction(DetectionEventAction):
    """Publish a message on a GCP Pub/Sub topic (``credentials_id`` null = project default)."""

    type: Literal[_T.GCP_PUBSUB_NOTIFICATION] = _T.GCP_PUBSUB_NOTIFICATION
    credentials_id: str | None
    topic_name: str


class AzureEventGridNotificationAction(DetectionEventAction):
    """Send an event to an Azure Event Grid topic (``credentials_id`` null = project default)."""

    type: Literal[_T.AZURE_EVENT_GRID_NOTIFICATION] = _T.AZURE_EVENT_GRID_NOTIFICATION
    credentials_id: str | None
    topic_endpoint: str


class RetrainAction(DetectionEventAction):
    """Fire the retrain trigger of the rule's model (the model is inferred from the rule)."""

    type: Literal[_T.RETRAIN] = _T.RETRAIN


class NewPlotConfigurationAction(DetectionEventAction):
    """Create two plot configurations, before and after the event."""

    type: Literal[_T.NEW_PLOT_CONFIGURATION] = _T.NEW_PLOT_CONFIGURATION


DetectionEventActionUnion = Annotated[
    DiscordNotificationAction
    | SlackNotificationAction
    | EmailNotificationAction
    | TeamsNotificationAction
    | MqttNotificationAction
    | AWSEventBridgeNotificationAction
    | GCPPubSubNotificationAction
    | AzureEventGridNotificationAction
    | RetrainAction
    | NewPlotConfigurationAction,
    Field(discriminator="type"),
]
"""Any rule action, picked by ``type``."""


class DetectionEventRule(WireModel):
    """A rule of a task: which events it matches and the actions it runs, in order.

    The filter containers are never null in a response (a request's null, meaning "any", comes back
    as an empty container).
    """

    rule_id: str
    name: str
    task_id: str
    model_name: str | None = None
    severity: DetectionEventSeverity | None = None
    detection_event_type: DetectionEventType
    actions: list[DetectionEventActionUnion]
    monitoring_targets: list[MonitoringTarget]
    monitoring_metrics: dict[MonitoringTarget, list[MonitoringMetric]]
    monitoring_evaluation_metrics: list[MonitoringEvaluationMetric]
    generic_monitoring_dimensions: list[GenericMonitoringDimension]
    segment_ids: list[str | None]
