"""Raw HTTP access to the platform for wire-level tests (status codes and bodies as sent)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests


@dataclass
class Wire:
    """Calls ``/sdk/v1`` with one API key and returns the raw ``requests.Response``."""

    url: str
    api_key: str | None

    def call(self, method: str, path: str, *, json: Any = None, params: dict | None = None) -> requests.Response:
        headers = {"X-Api-Key": self.api_key} if self.api_key is not None else {}
        return requests.request(method, f"{self.url}/sdk/v1{path}", json=json, params=params,
                                headers=headers, timeout=30)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call and insist on a 2xx; returns the JSON body (or None when empty)."""
        response = self.call(method, path, **kwargs)
        assert 200 <= response.status_code < 300, (response.status_code, response.text)
        return response.json() if response.content else None


def assert_error(response: requests.Response, status: int, code: str | None = None) -> dict:
    """Assert the wire error body of PLATFORM.md §1 with the given status (and code)."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) >= {"errorCode", "errorMessage"}, body
    assert body["errorMessage"], body
    if code is not None:
        assert body["errorCode"] == code, body
    return body
