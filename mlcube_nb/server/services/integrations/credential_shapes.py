"""What each provider's credentials must hold, and how they split into a public part and an encrypted secret.

========================  ==========================================  ====================================
type                      public (``CredentialsRow.public``)          secret (encrypted)
========================  ==========================================  ====================================
``aws``                   role_arn                                    external_id (generated here)
``aws_compatible``        access_key_id, endpoint_url                 secret_access_key
``gcp``                   gcp_project_id, client_email, client_id     the whole service-account key dict
``azure``                 app_id, display_name, tenant                password
========================  ==========================================  ====================================

Public keys are the wire model's field names, so a row reads back as its response model. Error messages
name the faulty field, never its value.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from mlcube_nb.enums import ErrorCode, ExternalIntegration
from mlcube_nb.models import (
    CreateAwsCompatibleIntegrationCredentialsRequest,
    CreateAwsIntegrationCredentialsRequest,
    CreateAzureIntegrationCredentialsRequest,
    CreateGcpIntegrationCredentialsRequest,
)
from mlcube_nb.server.errors import BadRequest
from mlcube_nb.server.services.integrations.address_checks import bad, check_http_url, is_email, is_http_url

_ROLE_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
_GCP_REQUIRED = ("project_id", "private_key_id", "private_key", "client_email", "client_id", "token_uri")


@dataclass(frozen=True)
class Shape:
    """Credentials ready to store: their type, the public fields and the secret to encrypt."""

    kind: ExternalIntegration
    public: dict[str, Any]
    secret: dict[str, Any]


def _invalid(message: str) -> BadRequest:
    """A 400 about malformed secret material."""
    return BadRequest(ErrorCode.INVALID_CREDENTIALS, message)


def trust_policy(role_arn: str, external_id: str) -> str:
    """The IAM trust policy (JSON text) letting the platform assume *role_arn* with *external_id*.

    The trusted principal is the role's own account: a self-hosted platform runs with credentials of
    that account, and the external id condition keeps other callers of the account out.
    """
    match = _ROLE_ARN.match(role_arn)
    partition, account = (match.group(1), match.group(2)) if match else ("aws", "")
    statement = {"Effect": "Allow", "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                 "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": external_id}}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


def aws(request: CreateAwsIntegrationCredentialsRequest) -> Shape:
    """An IAM role to assume; the external id that guards it is generated and kept secret."""
    if not _ROLE_ARN.match(request.role_arn):
        raise bad("role_arn", "is not an IAM role ARN; give one such as arn:aws:iam::123456789012:role/mlcube")
    return Shape(ExternalIntegration.AWS, {"role_arn": request.role_arn},
                 {"external_id": f"mlcube-{secrets.token_hex(16)}"})


def aws_compatible(request: CreateAwsCompatibleIntegrationCredentialsRequest) -> Shape:
    """An access key pair of an S3-compatible service (``endpoint_url`` None = AWS itself)."""
    if not request.access_key_id.strip() or any(c.isspace() for c in request.access_key_id):
        raise _invalid("access_key_id is empty or contains spaces; give the access key id")
    if not request.secret_access_key.strip():
        raise _invalid("secret_access_key is empty; give the secret access key")
    if request.endpoint_url is not None:
        check_http_url(request.endpoint_url, "endpoint_url")
    public = {"access_key_id": request.access_key_id, "endpoint_url": request.endpoint_url}
    return Shape(ExternalIntegration.AWS_COMPATIBLE, public, {"secret_access_key": request.secret_access_key})


def gcp(request: CreateGcpIntegrationCredentialsRequest) -> Shape:
    """A service-account key file (the JSON GCP gives out), kept whole as the secret."""
    info = request.account_info
    if info.type != "service_account":
        raise _invalid("account_info.type must be 'service_account': give the JSON key of a service account")
    for field in _GCP_REQUIRED:
        if not str(getattr(info, field)).strip():
            raise _invalid(f"account_info.{field} is empty: give the complete service-account JSON key")
    if "PRIVATE KEY-----" not in info.private_key:
        raise _invalid("account_info.private_key is not a PEM private key (-----BEGIN PRIVATE KEY-----...)")
    if not is_email(info.client_email):
        raise _invalid("account_info.client_email is not an e-mail address: give the service account's e-mail")
    if not is_http_url(info.token_uri):
        raise _invalid("account_info.token_uri is not a URL: give the token URI of the JSON key")
    public: dict[str, Any] = {"gcp_project_id": info.project_id, "client_email": info.client_email,
                              "client_id": info.client_id}
    if request.scopes is not None:
        public["scopes"] = list(request.scopes)
    return Shape(ExternalIntegration.GCP, public, info.model_dump(mode="json"))


def azure(request: CreateAzureIntegrationCredentialsRequest) -> Shape:
    """A service principal (the output of ``az ad sp create-for-rbac``); only the password is secret."""
    principal = request.credentials
    for field in ("app_id", "display_name", "password", "tenant"):
        if not getattr(principal, field).strip():
            raise _invalid(f"credentials.{field} is empty: give the JSON printed by az ad sp create-for-rbac "
                           "(appId, displayName, password, tenant)")
    public = {"app_id": principal.app_id, "display_name": principal.display_name, "tenant": principal.tenant}
    return Shape(ExternalIntegration.AZURE, public, {"password": principal.password})
