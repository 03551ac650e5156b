"""OAuth 2 access tokens for the cloud senders, from the vendors' own auth libraries (optional extras).

GCP: ``google-auth`` service-account credentials (JWT-bearer grant, scopes, expiry with a clock-skew
margin, retries of transient token-endpoint errors), extra ``[gcp]``. Azure: ``azure-identity``'s
``ClientSecretCredential`` (Entra ID client-credentials grant, tenant discovery, token cache), extra
``[azure]``. Both are imported only when a delivery needs them; a missing extra is a delivery error that
names it. Credential objects are kept per account and scope, so a token is reused until shortly before it
expires. Token endpoints' answers never reach error texts: only the endpoint's host and HTTP status do.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

from mlcube_nb.server.actions.http import RETRYABLE_STATUS, host_of
from mlcube_nb.server.actions.result import DeliveryError

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
AZURE_AUTHORITY = "https://login.microsoftonline.com"
TOKEN_ATTEMPTS = 3
"""Tries of one token request on a transient failure (google-auth's default; set for azure-identity too)."""

_credentials: dict[tuple[str, ...], Any] = {}
_lock = threading.Lock()
_last_status = threading.local()


def forget_tokens() -> None:
    """Drop every cached credential and its token (after credentials change, and between tests)."""
    with _lock:
        _credentials.clear()


def _missing_extra(service: str, extra: str) -> DeliveryError:
    return DeliveryError(f"{service} delivery needs the optional {extra!r} dependencies: "
                         f"pip install 'mlcube-nb[{extra}]' on the platform's machine", retryable=False)


def _fingerprint(secret: str) -> str:
    """A short digest of *secret*, so a changed key or password gets new credentials (the secret is not kept)."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def _cached(key: tuple[str, ...], make: Callable[[], Any]) -> Any:
    """The credential object under *key*, made (and kept) on first use."""
    with _lock:
        if key not in _credentials:
            _credentials[key] = make()
        return _credentials[key]


def _token_error(what: str, url: str, status: int | None) -> DeliveryError:
    """The delivery error of a failed token request, from its last HTTP status (None: nothing answered)."""
    if status is None:
        return DeliveryError(f"could not get a token from the {what} at {host_of(url)}", retryable=True)
    if 200 <= status < 300:
        return DeliveryError(f"{what} at {host_of(url)} answered without a usable access_token", retryable=False)
    return DeliveryError(f"{what} at {host_of(url)} answered HTTP {status}",
                         retryable=status >= 500 or status in RETRYABLE_STATUS, status_code=status)


def google_token(credentials: dict[str, Any], scope: str, *, timeout: float) -> str:
    """An access token for a GCP service account (google-auth's JWT-bearer grant at its ``token_uri``)."""
    try:
        from google.auth import exceptions as google_errors
        from google.auth.transport.requests import Request
        from google.oauth2 import service_account
    except ImportError as exc:
        raise _missing_extra("Pub/Sub", "gcp") from exc
    email, key = credentials.get("client_email"), credentials.get("private_key")
    if not email or not key:
        raise DeliveryError("the gcp credentials lack client_email or private_key", retryable=False)
    token_uri = str(credentials.get("token_uri") or GOOGLE_TOKEN_URI)
    info = {"type": "service_account", "client_email": str(email), "private_key": str(key),
            "private_key_id": credentials.get("private_key_id"), "token_uri": token_uri}

    def make() -> Any:
        try:
            return service_account.Credentials.from_service_account_info(info, scopes=[scope])
        except (ValueError, TypeError) as exc:
            raise DeliveryError("the service account's private_key is not a valid PEM RSA key",
                                retryable=False) from exc

    account = _cached(("gcp", token_uri, str(email), _fingerprint(str(key)), scope), make)
    if account.valid:
        return str(account.token)
    session, statuses = Request(), []

    def request(url: str, method: str = "GET", body: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        kwargs["timeout"] = timeout
        response = session(url, method=method, body=body, headers=headers, **kwargs)
        statuses.append(response.status)
        return response

    try:
        account.refresh(request)
    except google_errors.TransportError as exc:
        raise _token_error("Google token endpoint", token_uri, None) from exc
    except (google_errors.RefreshError, TypeError, KeyError, ValueError) as exc:
        # google-auth indexes the answer as a JSON object: a 200 with a non-object body fails with TypeError
        raise _token_error("Google token endpoint", token_uri, statuses[-1] if statuses else None) from exc
    return str(account.token)


def _record_status(pipeline_response: Any) -> None:
    """azure-core response hook: remember this thread's last HTTP status (for the error text)."""
    _last_status.value = pipeline_response.http_response.status_code


def azure_token(credentials: dict[str, Any], scope: str, *, timeout: float) -> str:
    """An access token for an Azure service principal (azure-identity's ``ClientSecretCredential``)."""
    try:
        from azure.core.exceptions import AzureError
        from azure.identity import ClientSecretCredential
    except ImportError as exc:
        raise _missing_extra("Event Grid", "azure") from exc
    tenant, app_id, password = credentials.get("tenant"), credentials.get("app_id"), credentials.get("password")
    if not tenant or not app_id or not password:
        raise DeliveryError("the azure credentials lack tenant, app_id or password", retryable=False)
    authority = str(credentials.get("authority_host") or AZURE_AUTHORITY).rstrip("/")
    if not authority.startswith("https://"):
        raise DeliveryError("the azure authority_host must be an https URL: fix the credentials", retryable=False)

    def make() -> Any:
        # Instance discovery only knows Microsoft's public hosts: skip it for a private authority.
        return ClientSecretCredential(str(tenant), str(app_id), str(password), authority=authority,
                                      disable_instance_discovery=authority != AZURE_AUTHORITY,
                                      connection_timeout=timeout, read_timeout=timeout,
                                      retry_total=TOKEN_ATTEMPTS - 1, raw_response_hook=_record_status)

    credential = _cached(("azure", authority, str(tenant), str(app_id), _fingerprint(str(password))), make)
    _last_status.value = None
    try:
        return str(credential.get_token(scope).token)
    except (AzureError, ValueError) as exc:
        raise _token_error("Azure token endpoint", authority, _last_status.value) from exc
