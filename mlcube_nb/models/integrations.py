"""Integration credentials and retrain triggers, each a flat object told apart by ``type`` (§5.16–5.17)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from mlcube_nb.enums import ExternalIntegration, LLMProvider, RetrainTriggerType
from mlcube_nb.models.common import WireModel

# --- integration credentials (§5.16) ---------------------------------------------------------------------


class IntegrationCredentials(WireModel):
    """Credentials of a project to authenticate to a third-party provider; secrets are never returned."""

    credentials_id: str
    name: str
    default: bool
    type: ExternalIntegration


class AWSCredentials(IntegrationCredentials):
    """AWS credentials: the platform assumes ``role_arn`` through STS."""

    type: Literal[ExternalIntegration.AWS] = ExternalIntegration.AWS
    role_arn: str


class SecretAWSCredentials(AWSCredentials):
    """AWS credentials as returned once at creation, with the trust policy to install on the IAM role."""

    trust_policy: str


class AWSCompatibleCredentials(IntegrationCredentials):
    """Access-key credentials for an S3-compatible service (``endpoint_url`` null = AWS itself)."""

    type: Literal[ExternalIntegration.AWS_COMPATIBLE] = ExternalIntegration.AWS_COMPATIBLE
    access_key_id: str
    endpoint_url: str | None = None


class GCPCredentials(IntegrationCredentials):
    """GCP service-account credentials (the private key is never returned)."""

    type: Literal[ExternalIntegration.GCP] = ExternalIntegration.GCP
    gcp_project_id: str
    client_email: str
    client_id: str


class AzureCredentials(IntegrationCredentials):
    """Azure service-principal credentials (the password is never returned)."""

    type: Literal[ExternalIntegration.AZURE] = ExternalIntegration.AZURE
    app_id: str
    display_name: str
    tenant: str


class LLMIntegrationCredentials(IntegrationCredentials):
    """Common part of LLM-provider credentials (v1 extra): a priority (1 = first) and the provider."""

    priority: int = Field(ge=1)
    provider: LLMProvider


class GoogleGenAICredentials(LLMIntegrationCredentials):
    """Google GenAI credentials; only a masked part of the key is returned."""

    type: Literal[ExternalIntegration.GOOGLE_GENAI] = ExternalIntegration.GOOGLE_GENAI
    partial_api_key: str


class GoogleVertexAICredentials(LLMIntegrationCredentials):
    """Google Vertex AI credentials; only a masked part of the key is returned."""

    type: Literal[ExternalIntegration.GOOGLE_VERTEXAI] = ExternalIntegration.GOOGLE_VERTEXAI
    partial_api_key: str


class AzureOpenAICredentials(LLMIntegrationCredentials):
    """Azure OpenAI credentials: API version, endpoint and a masked key."""

    type: Literal[ExternalIntegration.AZURE_OPENAI] = ExternalIntegration.AZURE_OPENAI
    api_version: str
    endpoint: str
    partial_api_key: str


class OpenAICredentials(LLMIntegrationCredentials):
    """OpenAI (or OpenAI-compatible) credentials: base URL and a masked key."""

    type: Literal[ExternalIntegration.OPENAI] = ExternalIntegration.OPENAI
    partial_api_key: str
    base_url: str


class AnthropicCredentials(LLMIntegrationCredentials):
    """Anthropic credentials; only a masked part of the key is returned."""

    type: Literal[ExternalIntegration.ANTHROPIC] = ExternalIntegration.ANTHROPIC
    partial_api_key: str


IntegrationCredentialsUnion = Annotated[
    AWSCredentials
    | AWSCompatibleCredentials
    | GCPCredentials
    | AzureCredentials
    | GoogleGenAICredentials
    | GoogleVertexAICredentials
    | AzureOpenAICredentials
    | OpenAICredentials
    | AnthropicCredentials,
    Field(discriminator="type"),
]
"""Any stored credentials, picked by ``type`` (SecretAWSCredentials is a create response only)."""

# --- retrain triggers (§5.17) ----------------------------------------------------------------------------


class RetrainTrigger(WireModel):
    """How a model's retraining pipeline is started: an event published with project credentials."""

    type: RetrainTriggerType
    credentials_id: str


class AWSEventBridgeRetrainTrigger(RetrainTrigger):
    """Publish a ``retrain_trigger`` event on an AWS EventBridge bus."""

    type: Literal[RetrainTriggerType.AWS_EVENT_BRIDGE] = RetrainTriggerType.AWS_EVENT_BRIDGE
    aws_region_name: str
    event_bus_name: str


class GCPPubSubRetrainTrigger(RetrainTrigger):
    """Publish a ``retrain_trigger`` message on a GCP Pub/Sub topic."""

    type: Literal[RetrainTriggerType.GCP_PUBSUB] = RetrainTriggerType.GCP_PUBSUB
    topic_name: str


class AzureEventGridRetrainTrigger(RetrainTrigger):
    """Send a ``retrain_trigger`` event to an Azure Event Grid topic."""

    type: Literal[RetrainTriggerType.AZURE_EVENT_GRID] = RetrainTriggerType.AZURE_EVENT_GRID
    topic_endpoint: str


RetrainTriggerUnion = Annotated[
    AWSEventBridgeRetrainTrigger | GCPPubSubRetrainTrigger | AzureEventGridRetrainTrigger,
    Field(discriminator="type"),
]
"""Any retrain trigger, picked by ``type``."""
