"""OAuth 2 access tokens for the cloud senders, cached until shortly before they expire.

GCP uses a JWT-bearer grant signed RS256 with the service account's private key; Azure uses the
client-credentials grant of a service principal. Token endpoints' answers never reach error texts.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

from mlcube_nb.server.actions.http import json_of, post
from mlcube_nb.server.actions.result import DeliveryError

_cache: dict[tuple[str, ...], tuple[str, float]] = {}
_lock = threading.Lock()
_MARGIN_S = 60.0


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signed_jwt(claims: dict[str, Any], private_key_pem: str, key_id: str | None = None) -> str:
    """*claims* as a compact JWT signed RS256 with *private_key_pem*."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise DeliveryError("the service account's private_key is not a valid PEM RSA key", retryable=False) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise DeliveryError("the service account's private_key is not an RSA key", retryable=False)
    header = {"alg": "RS256", "typ": "JWT", **({"kid": key_id} if key_id else {})}
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


def _token(cache_key: tuple[str, ...], url: str, form: dict[str, str], *, timeout: float, what: str) -> str:
    """A cached token for *cache_key*, or a fresh one from the token endpoint *url*."""
    with _lock:
        cached = _cache.get(cache_key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
    body = json_of(post(url, form=form, timeout=timeout, what=what, show_body=False), what)
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise DeliveryError(f"{what} answered without an access_token", retryable=False)
    try:
        lifetime = float(body.get("expires_in", 3600))
    except (TypeError, ValueError):
        lifetime = 3600.0
    with _lock:
        _cache[cache_key] = (token, time.monotonic() + max(0.0, lifetime - _MARGIN_S))
    return token


def forget_tokens() -> None:
    """Drop every cached token (after credentials change, and between tests)."""
    with _lock:
        _cache.clear()


def google_token(credentials: dict[str, Any], scope: str, *, timeout: float) -> str:
    """An access token for a GCP service account (JWT-bearer grant at its ``token_uri``)."""
    email, key = credentials.get("client_email"), credentials.get("private_key")
    if not email or not key:
        raise DeliveryError("the gcp credentials lack client_email or private_key", retryable=False)
    token_uri = credentials.get("token_uri") or "https://oauth2.googleapis.com/token"
    now = int(time.time())
    claims = {"iss": email, "scope": scope, "aud": token_uri, "iat": now, "exp": now + 3600}
    assertion = signed_jwt(claims, str(key), credentials.get("private_key_id"))
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
    return _token(("gcp", token_uri, str(email), scope), token_uri, form, timeout=timeout,
                  what="Google token endpoint")


def azure_token(credentials: dict[str, Any], scope: str, *, timeout: float) -> str:
    """An access token for an Azure service principal (client-credentials grant at its tenant)."""
    tenant, app_id, password = credentials.get("tenant"), credentials.get("app_id"), credentials.get("password")
    if not tenant or not app_id or not password:
        raise DeliveryError("the azure credentials lack tenant, app_id or password", retryable=False)
    authority = str(credentials.get("authority_host") or "https://login.microsoftonline.com").rstrip("/")
    url = f"{authority}/{tenant}/oauth2/v2.0/token"
    form = {"grant_type": "client_credentials", "client_id": str(app_id), "client_secret": str(password),
            "scope": scope}
    return _token(("azure", url, str(app_id), scope), url, form, timeout=timeout, what="Azure token endpoint")
