"""Checks of rule actions and retrain triggers against their project (PLATFORM.md §5.14, §5.17, §9.5).

Every destination must be well formed (webhook URL, e-mail address, MQTT broker and topic, AWS region
and bus, Pub/Sub topic, Event Grid endpoint), and cloud destinations need credentials of a suiting type
in the same project: named by ``credentials_id``, or (actions only, ``credentials_id`` null) the
project's default of that type.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import DetectionEventActionType, ErrorCode, ExternalIntegration, RetrainTriggerType
from mlcube_nb.models import (
    AWSEventBridgeNotificationAction,
    AWSEventBridgeRetrainTrigger,
    AzureEventGridNotificationAction,
    AzureEventGridRetrainTrigger,
    DetectionEventAction,
    DiscordNotificationAction,
    EmailNotificationAction,
    GCPPubSubNotificationAction,
    GCPPubSubRetrainTrigger,
    MqttNotificationAction,
    RetrainTrigger,
    SlackNotificationAction,
    TeamsNotificationAction,
)
from mlcube_nb.server.db.tables import CredentialsRow
from mlcube_nb.server.errors import NotFound
from mlcube_nb.server.services.integrations.address_checks import (
    bad,
    check_aws_region,
    check_email,
    check_event_bus,
    check_http_url,
    check_mqtt,
    check_pubsub_topic,
)

_AWS_KINDS = (ExternalIntegration.AWS.value, ExternalIntegration.AWS_COMPATIBLE.value)
_A = DetectionEventActionType
ACTION_CREDENTIALS: dict[str, tuple[str, ...]] = {
    _A.AWS_EVENT_BRIDGE_NOTIFICATION.value: _AWS_KINDS,
    _A.GCP_PUBSUB_NOTIFICATION.value: (ExternalIntegration.GCP.value,),
    _A.AZURE_EVENT_GRID_NOTIFICATION.value: (ExternalIntegration.AZURE.value,),
}
"""Credential types each cloud action can publish with."""

TRIGGER_CREDENTIALS: dict[str, tuple[str, ...]] = {
    RetrainTriggerType.AWS_EVENT_BRIDGE.value: _AWS_KINDS,
    RetrainTriggerType.GCP_PUBSUB.value: (ExternalIntegration.GCP.value,),
    RetrainTriggerType.AZURE_EVENT_GRID.value: (ExternalIntegration.AZURE.value,),
}
"""Credential types each retrain trigger can publish with."""

_WEBHOOKS = (DiscordNotificationAction, SlackNotificationAction, TeamsNotificationAction)
CloudTarget = (AWSEventBridgeNotificationAction | GCPPubSubNotificationAction | AzureEventGridNotificationAction
               | AWSEventBridgeRetrainTrigger | GCPPubSubRetrainTrigger | AzureEventGridRetrainTrigger)


def project_credentials(session: Session, project_id: str, credentials_id: str | None, kinds: tuple[str, ...],
                        label: str) -> CredentialsRow:
    """The credentials a destination publishes with: the named ones, or the project default of *kinds*."""
    wanted = " or ".join(kinds)
    if credentials_id is None:
        query = select(CredentialsRow).where(CredentialsRow.project_id == project_id,
                                             CredentialsRow.type.in_(kinds), CredentialsRow.is_default.is_(True))
        row = session.scalars(query.order_by(CredentialsRow.created_at).limit(1)).first()
        if row is None:
            raise bad(f"{label}.credentials_id", f"is null and the project has no default {wanted} credentials; "
                                                 "give credentials_id or make credentials the default")
        return row
    row = session.get(CredentialsRow, credentials_id)
    if row is None or row.project_id != project_id:
        raise NotFound(ErrorCode.CREDENTIALS_NOT_FOUND, f"{label}.credentials_id: credentials {credentials_id} not "
                                                        "found in this project")
    if row.type not in kinds:
        raise bad(f"{label}.credentials_id", f"names {row.type} credentials ({row.name!r}); this destination "
                                             f"needs {wanted} credentials")
    return row


def _check_cloud_target(target: CloudTarget, label: str) -> None:
    """The bus, topic or endpoint a cloud action or trigger publishes to."""
    if isinstance(target, (AWSEventBridgeNotificationAction, AWSEventBridgeRetrainTrigger)):
        check_aws_region(target.aws_region_name, f"{label}.aws_region_name")
        check_event_bus(target.event_bus_name, f"{label}.event_bus_name")
    elif isinstance(target, (GCPPubSubNotificationAction, GCPPubSubRetrainTrigger)):
        check_pubsub_topic(target.topic_name, f"{label}.topic_name")
    else:
        check_http_url(target.topic_endpoint, f"{label}.topic_endpoint")


def check_action(session: Session, project_id: str, action: DetectionEventAction, label: str) -> None:
    """Reject an action whose destination is malformed or whose credentials do not fit (retrain: see rules)."""
    if isinstance(action, _WEBHOOKS):
        check_http_url(action.webhook, f"{label}.webhook")
    elif isinstance(action, EmailNotificationAction):
        check_email(action.address, f"{label}.address")
    elif isinstance(action, MqttNotificationAction):
        check_mqtt(action.connection_string, action.topic, label)
    elif isinstance(action, (AWSEventBridgeNotificationAction, GCPPubSubNotificationAction,
                             AzureEventGridNotificationAction)):
        _check_cloud_target(action, label)
        project_credentials(session, project_id, action.credentials_id, ACTION_CREDENTIALS[action.type.value],
                            label)


def check_trigger(session: Session, project_id: str, trigger: RetrainTrigger) -> None:
    """Reject a retrain trigger whose destination is malformed or whose credentials do not fit."""
    if not isinstance(trigger, (AWSEventBridgeRetrainTrigger, GCPPubSubRetrainTrigger, AzureEventGridRetrainTrigger)):
        raise bad("trigger", f"type {trigger.type.value} needs its own fields; see RetrainTrigger subclasses")
    _check_cloud_target(trigger, "trigger")
    project_credentials(session, project_id, trigger.credentials_id, TRIGGER_CREDENTIALS[trigger.type.value],
                        "trigger")
