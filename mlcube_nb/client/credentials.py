"""Integration-credential methods (PLATFORM.md §2 rows 78–85).

The GCP key file and the Azure service principal arrive as JSON text; they are parsed here, before
any request, and a malformed one raises ``INVALID_CREDENTIALS_FORMAT`` without leaving the machine.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from mlcube_nb.client._base import ClientCore, segment, validation_message
from mlcube_nb.client._records import RecordList
from mlcube_nb.exceptions import SDKClientException
from mlcube_nb.models import (
    AWSCompatibleCredentials,
    AzureCredentials,
    AzureServicePrincipal,
    CreateAwsCompatibleIntegrationCredentialsRequest,
    CreateAwsIntegrationCredentialsRequest,
    CreateAzureIntegrationCredentialsRequest,
    CreateGcpIntegrationCredentialsRequest,
    GCPAccountInfo,
    GCPCredentials,
    IntegrationCredentials,
    IntegrationCredentialsUnion,
    SecretAWSCredentials,
)

__all__ = ["INVALID_CREDENTIALS_FORMAT", "CredentialMethods"]

INVALID_CREDENTIALS_FORMAT = "INVALID_CREDENTIALS_FORMAT"

_SDK = SDKClientException
_ANY_CREDENTIALS: TypeAdapter[Any] = TypeAdapter(IntegrationCredentialsUnion)
_CREDENTIALS_LIST: TypeAdapter[Any] = TypeAdapter(list[IntegrationCredentialsUnion])


def _parse_secret_json(
    text: str, model: type[GCPAccountInfo] | type[AzureServicePrincipal], what: str
) -> Any:
    """Parse a JSON credentials document locally; errors name the problem, never the secret values."""
    try:
        return model.model_validate(json.loads(text))
    except ValueError as err:  # json.JSONDecodeError and pydantic's ValidationError are both ValueErrors
        detail = validation_message(err) if isinstance(err, ValidationError) else "not valid JSON"
        raise SDKClientException(INVALID_CREDENTIALS_FORMAT, f"Invalid {what}: {detail}") from None


class CredentialMethods(ClientCore):
    """Credentials a project uses to reach third-party services (storage, event buses, LLMs)."""

    def get_integration_credentials(self, credentials_id: str) -> IntegrationCredentials:
        """Return the credentials with the given id, as the subclass of their provider."""
        data = self._call("GET", f"/integration/credentials/{segment(credentials_id)}")
        return self._parse_as(_ANY_CREDENTIALS, data)

    def get_all_project_integration_credentials(self, project_id: str) -> RecordList[IntegrationCredentials]:
        """Return every credentials object configured in a project."""
        data = self._call("GET", f"/project/{segment(project_id)}/integration-credentials")
        return RecordList(self._parse_as(_CREDENTIALS_LIST, data), model=IntegrationCredentials)

    def delete_integration_credentials(self, credentials_id: str) -> None:
        """Delete credentials."""
        self._call("DELETE", f"/integration/credentials/{segment(credentials_id)}", expect="none")

    def set_integration_credentials_as_default(self, credentials_id: str) -> None:
        """Make these credentials the project's default for their provider."""
        self._call("POST", f"/integration/credentials/{segment(credentials_id)}/default", expect="none")

    def create_aws_integration_credentials(
        self, name: str, default: bool, project_id: str, role_arn: str
    ) -> SecretAWSCredentials:
        """Register an IAM role to assume; the answer carries the trust policy to install on it."""
        body = self._build(
            CreateAwsIntegrationCredentialsRequest,
            _SDK,
            name=name,
            default=default,
            project_id=project_id,
            role_arn=role_arn,
        )
        return self._parse(
            SecretAWSCredentials, self._call("POST", "/integration/aws/credentials", json=body)
        )

    def create_aws_compatible_integration_credentials(
        self,
        name: str,
        default: bool,
        project_id: str,
        access_key_id: str,
        secret_access_key: str,
        endpoint_url: str | None = None,
    ) -> AWSCompatibleCredentials:
        """Register access keys for an S3-compatible service (``endpoint_url=None`` means AWS itself)."""
        body = self._build(
            CreateAwsCompatibleIntegrationCredentialsRequest,
            _SDK,
            name=name,
            default=default,
            project_id=project_id,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
            endpoint_url=endpoint_url,
        )
        data = self._call("POST", "/integration/aws-compatible/credentials", json=body)
        return self._parse(AWSCompatibleCredentials, data)

    def create_gcp_integration_credentials(
        self,
        name: str,
        default: bool,
        project_id: str,
        service_account_info_json: str,
        scopes: list[str] | None = None,
    ) -> GCPCredentials:
        """Register a GCP service-account key (the JSON key file's text); ``scopes`` is v1's extra."""
        account_info = _parse_secret_json(service_account_info_json, GCPAccountInfo, "service account JSON")
        body = self._build(
            CreateGcpIntegrationCredentialsRequest,
            _SDK,
            name=name,
            default=default,
            project_id=project_id,
            account_info=account_info,
            scopes=scopes,
        )
        return self._parse(GCPCredentials, self._call("POST", "/integration/gcp/credentials", json=body))

    def create_azure_integration_credentials(
        self, name: str, default: bool, project_id: str, service_principal_credentials_json: str
    ) -> AzureCredentials:
        """Register an Azure service principal (the JSON of ``az ad sp create-for-rbac``)."""
        principal = _parse_secret_json(
            service_principal_credentials_json, AzureServicePrincipal, "service principal JSON"
        )
        body = self._build(
            CreateAzureIntegrationCredentialsRequest,
            _SDK,
            name=name,
            default=default,
            project_id=project_id,
            credentials=principal,
        )
        return self._parse(AzureCredentials, self._call("POST", "/integration/azure/credentials", json=body))
