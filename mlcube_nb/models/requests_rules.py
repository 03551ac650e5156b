"""Request bodies for detection events and rules, integration credentials and retraining (§2, rows 55–88).

Each accepts exactly what v1 sends (every key, nulls included) and ignores keys it does not know.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from mlcube_nb.enums import (
    DetectionEventSeverity,
    DetectionEventType,
    GenericMonitoringDimension,
    MonitoringEvaluationMetric,
    MonitoringMetric,
    MonitoringTarget,
)
from mlcube_nb.models.common import IdStr, NameStr, SecretText, ShortStr, UrlStr, WireModel
from mlcube_nb.models.integrations import RetrainTriggerUnion
from mlcube_nb.models.rules import DetectionEventActionUnion


class SetDetectionEventUserFeedbackRequest(WireModel):
    """Body of set_detection_event_user_feedback: whether the event was expected."""

    detection_id: IdStr
    user_feedback: bool


class CreateDetectionEventRuleRequest(WireModel):
    """Body of create_detection_event_rule (v1 shape; null filters mean "any"; ``model_name`` is ours)."""

    name: NameStr
    task_id: IdStr
    severity: DetectionEventSeverity | None = None
    detection_event_type: DetectionEventType
    monitoring_targets: list[MonitoringTarget] | None = None
    monitoring_metrics: dict[MonitoringTarget, list[MonitoringMetric]] | None = None
    monitoring_evaluation_metrics: list[MonitoringEvaluationMetric] | None = None
    generic_monitoring_dimensions: list[GenericMonitoringDimension] | None = None
    actions: list[DetectionEventActionUnion]
    segment_ids: list[IdStr | None] | None = None
    model_name: NameStr | None = None


class UpdateDetectionEventRuleRequest(WireModel):
    """Body of update_detection_event_rule: v1 sends a full replacement, the seed a partial update.

    Every field but ``rule_id`` is optional so both parse; the service decides how nulls apply.
    """

    rule_id: IdStr
    name: NameStr | None = None
    severity: DetectionEventSeverity | None = None
    detection_event_type: DetectionEventType | None = None
    monitoring_targets: list[MonitoringTarget] | None = None
    monitoring_metrics: dict[MonitoringTarget, list[MonitoringMetric]] | None = None
    monitoring_evaluation_metrics: list[MonitoringEvaluationMetric] | None = None
    generic_monitoring_dimensions: list[GenericMonitoringDimension] | None = None
    actions: list[DetectionEventActionUnion] | None = None
    segment_ids: list[IdStr | None] | None = None
    model_name: NameStr | None = None


class CreateIntegrationCredentialsRequest(WireModel):
    """Common part of every create-credentials body."""

    name: NameStr
    default: bool = False
    project_id: IdStr


class CreateAwsIntegrationCredentialsRequest(CreateIntegrationCredentialsRequest):
    """Body of create_aws_integration_credentials: the IAM role the platform assumes."""

    role_arn: UrlStr


class CreateAwsCompatibleIntegrationCredentialsRequest(CreateIntegrationCredentialsRequest):
    """Body of create_aws_compatible_integration_credentials (``endpoint_url`` null = AWS itself)."""

    access_key_id: ShortStr
    secret_access_key: SecretText = Field(repr=False)
    endpoint_url: UrlStr | None = None


class GCPAccountInfo(WireModel):
    """A GCP service-account key file, as parsed by the client."""

    type: str
    project_id: IdStr
    private_key_id: str
    private_key: SecretText = Field(repr=False)
    client_email: str
    client_id: str
    auth_uri: str
    token_uri: str
    auth_provider_x509_cert_url: str
    client_x509_cert_url: str
    universe_domain: str


class CreateGcpIntegrationCredentialsRequest(CreateIntegrationCredentialsRequest):
    """Body of create_gcp_integration_credentials (``scopes`` is a v1 extra)."""

    account_info: GCPAccountInfo
    scopes: list[str] | None = None


class AzureServicePrincipal(WireModel):
    """An Azure service principal; snake_case on the wire, Azure CLI's camelCase also accepted."""

    app_id: str = Field(validation_alias=AliasChoices("app_id", "appId"))
    display_name: str = Field(validation_alias=AliasChoices("display_name", "displayName"))
    password: SecretText = Field(repr=False)
    tenant: str


class CreateAzureIntegrationCredentialsRequest(CreateIntegrationCredentialsRequest):
    """Body of create_azure_integration_credentials."""

    credentials: AzureServicePrincipal


class TestRetrainTriggerRequest(WireModel):
    """Body of test_retrain_trigger: fire ``retrain_trigger`` once for ``model_id``."""

    __test__ = False  # not a pytest test class, despite the name

    model_id: IdStr
    retrain_trigger: RetrainTriggerUnion


class RetrainModelRequest(WireModel):
    """Body of retrain_model: fire the model's retrain trigger."""

    model_id: IdStr
