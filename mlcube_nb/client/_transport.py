"""HTTP transport of the client: one ``requests.Session``, retries, timeouts and the error boundary.

Every API call goes through :meth:`Transport.request`. It is the only place that touches ``requests``:
library exceptions become :class:`SDKConnectionException` / :class:`SDKTimeoutException` here (raised
``from`` the original), and non-2xx answers become SDK exceptions through :func:`error_from_response`.
The API key travels only in the ``X-Api-Key`` header; it is kept out of every message, log line and repr.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from enum import Enum
from typing import Any, Literal

import requests
from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from mlcube_nb.client._errors import error_from_response
from mlcube_nb.exceptions import SDKClientException, SDKConnectionException, SDKTimeoutException

__all__ = ["API_PREFIX", "Expect", "Transport", "default_retry"]

logger = logging.getLogger(__name__)

API_PREFIX = "/sdk/v1"
API_KEY_HEADER = "X-Api-Key"
RETRY_STATUSES = frozenset({429, 502, 503, 504})

Expect = Literal["json", "none", "bytes"]

class _CappedRetry(Retry):
    """urllib3 Retry that caps Retry-After; POST and PATCH are never repeated (urllib3's default methods).

    The server does not recognise a repeated POST, so a POST whose answer was lost is not sent again: the
    caller sees the connection error and can check (the add_* requests are safe to send again anyway: the
    same files for the same task are stored once and answer with the first job's id).
    """

    def get_retry_after(self, response: Any) -> float | None:
        """Honour Retry-After, but never wait longer than ``backoff_max`` on a server's say-so."""
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.backoff_max)


def default_retry(
    total: int = 4, backoff_factor: float = 0.25, backoff_jitter: float = 0.25, backoff_max: float = 8.0
) -> Retry:
    """Retry policy: connection errors and 429/502/503/504, exponential backoff with jitter."""
    return _CappedRetry(
        total=total,
        connect=total,
        read=False,  # a read timeout surfaces as a timeout at once (the request may have been processed)
        status=total,
        redirect=0,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_jitter=backoff_jitter,
        backoff_max=backoff_max,
        respect_retry_after_header=True,
        raise_on_status=False,  # hand the last error response to the error mapping
    )


def _query_value(value: Any) -> Any:
    """Render one query value as v1 does: enums by value, booleans as ``True`` / ``False``."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, Enum):
        return value.value
    return value


def _query(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Build the query dict: drop ``None`` values and render the rest."""
    if params is None:
        return None
    return {key: _query_value(value) for key, value in params.items() if value is not None}


def _body(json: Any) -> Any:
    """Turn a request model (or plain data) into JSON-ready Python: enums → values, datetimes → ISO."""
    if isinstance(json, BaseModel):
        return json.model_dump(mode="json")
    return to_jsonable_python(json)


class Transport:
    """Sends API calls to ``<url>/sdk/v1`` with the API key, retries and the client's timeout."""

    def __init__(
        self,
        url: str,
        api_key: str,
        timeout: float = 60,
        session: requests.Session | None = None,
        verify_ssl: bool = True,
        retry: Retry | None = None,
    ) -> None:
        self.root_url = url.rstrip("/")
        self.base_url = self.root_url + API_PREFIX
        self.timeout = timeout
        self.verify_ssl = verify_ssl
        self._api_key = api_key
        self._owns_session = session is None
        self.session = session if session is not None else self._new_session(retry or default_retry())

    @staticmethod
    def _new_session(retry: Retry) -> requests.Session:
        """A session whose adapters carry the retry policy (injected sessions are used as given)."""
        session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r}, timeout={self.timeout!r})"

    def close(self) -> None:
        """Close the session if this transport created it."""
        if self._owns_session:
            self.session.close()

    def redact(self, text: str) -> str:
        """Hide the API key wherever it appears as a whole word in a text meant for humans (a short or mistyped
        key such as ``x`` must not mask the letters of a host name)."""
        if not self._api_key:
            return text
        return re.sub(rf"(?<!\w){re.escape(self._api_key)}(?!\w)", "***", text)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        exc: type[SDKClientException] = SDKClientException,
        expect: Expect = "json",
    ) -> Any:
        """Send one API call and return the decoded answer; raise ``exc`` (or a finer class) on failure."""
        response = self._send(method.upper(), path, _query(params), json)
        logger.debug("%s %s -> %s", method.upper(), self.redact(path), response.status_code)
        if not 200 <= response.status_code < 300:
            raise error_from_response(response.status_code, self.redact(response.text), exc)
        if expect == "none":
            return None
        if expect == "bytes":
            return response.content
        return self._decode(response, exc)

    def _send(
        self, method: str, path: str, params: dict[str, Any] | None, json: Any
    ) -> requests.Response:
        """Do the HTTP exchange; translate library failures into SDK exceptions at this one boundary."""
        kwargs: dict[str, Any] = {"params": params, "headers": {API_KEY_HEADER: self._api_key}}
        if json is not None:
            kwargs["json"] = _body(json)
        try:
            return self.session.request(
                method, self.base_url + path, timeout=self.timeout, verify=self.verify_ssl, **kwargs
            )
        except requests.Timeout as err:
            message = f"No answer from {self.base_url} within {self.timeout} s ({self._reason(err)})"
            raise SDKTimeoutException("TIMEOUT", message) from err
        except requests.RequestException as err:
            message = f"Could not reach {self.base_url} ({self._reason(err)})"
            raise SDKConnectionException("CONNECTION_ERROR", message) from err

    def _reason(self, err: requests.RequestException) -> str:
        """The innermost cause of a requests failure, without the request URL, key redacted."""
        reason: Any = err.args[0] if err.args else err
        reason = getattr(reason, "reason", reason)  # urllib3 MaxRetryError wraps the real cause
        return self.redact(f"{type(reason).__name__}: {reason}")

    @staticmethod
    def _decode(response: requests.Response, exc: type[SDKClientException]) -> Any:
        """Parse a JSON answer; an empty body is ``None``, invalid JSON is the method's error."""
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as err:
            text = response.text[:200]
            raise exc("INVALID_RESPONSE", f"The platform answered with invalid JSON: {text!r}") from err
