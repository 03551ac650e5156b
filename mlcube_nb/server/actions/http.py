"""HTTP calls of the senders: one POST with a timeout, failures mapped to ``DeliveryError`` without the URL.

Webhook URLs carry tokens (Slack, Discord, Teams), so error texts name only the receiver's host.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import requests

from mlcube_nb.server.actions.result import DeliveryError

RETRYABLE_STATUS = frozenset({408, 425, 429})
USER_AGENT = "mlcube-nb-actions/1"


def host_of(url: str) -> str:
    """The host (and port) of *url*, the only part of a receiver URL an error text may show."""
    try:
        parts = urlsplit(url)
        return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else "?"
    except ValueError:
        return "?"


def check_url(url: Any, what: str) -> str:
    """*url* if it is an http(s) URL with a host, else a non-retryable configuration error."""
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise DeliveryError(f"the {what} is not an http(s) URL: fix the action", retryable=False)
    return url


def post(url: str, *, timeout: float, what: str, json_body: Any = None, form: dict[str, str] | None = None,
         headers: dict[str, str] | None = None, show_body: bool = True) -> requests.Response:
    """POST to *url*; a 2xx response is returned, anything else raises ``DeliveryError``.

    5xx, 408/425/429, timeouts and connection errors are retryable; other 4xx are not. *show_body* adds the
    start of the receiver's answer to the error (off for token endpoints, which may echo what was sent).
    """
    check_url(url, what)
    sent_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    data: str | dict[str, str] | None = form
    if json_body is not None:
        data = json.dumps(json_body, default=str)
        sent_headers.setdefault("Content-Type", "application/json")
    try:
        response = requests.post(url, data=data, headers=sent_headers, timeout=timeout, allow_redirects=False)
    except requests.Timeout as exc:
        raise DeliveryError(f"{what} at {host_of(url)} did not answer within {timeout:g} s", retryable=True) from exc
    except requests.ConnectionError as exc:
        raise DeliveryError(f"could not connect to the {what} at {host_of(url)}", retryable=True) from exc
    except requests.RequestException as exc:
        raise DeliveryError(f"could not send to the {what} at {host_of(url)} ({type(exc).__name__})",
                            retryable=False) from exc
    if 200 <= response.status_code < 300:
        return response
    status = response.status_code
    detail = f": {response.text[:200].strip()}" if show_body and response.text.strip() else ""
    raise DeliveryError(f"{what} at {host_of(url)} answered HTTP {status}{detail}",
                        retryable=status >= 500 or status in RETRYABLE_STATUS, status_code=status)


def json_of(response: requests.Response, what: str) -> dict[str, Any]:
    """The JSON object a receiver answered, or a retryable error when the answer is not one."""
    try:
        body = response.json()
    except ValueError as exc:
        raise DeliveryError(f"{what} answered something that is not JSON", retryable=True,
                            status_code=response.status_code) from exc
    if not isinstance(body, dict):
        raise DeliveryError(f"{what} answered JSON that is not an object", retryable=True,
                            status_code=response.status_code)
    return body
