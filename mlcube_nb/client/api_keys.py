"""API-key methods, for the caller and for other users (PLATFORM.md §2 rows 68–75)."""

from __future__ import annotations

from mlcube_nb.client._base import ClientCore, segment
from mlcube_nb.client._records import RecordList
from mlcube_nb.client._tables import api_keys_table
from mlcube_nb.enums import ApiKeyExpirationTime
from mlcube_nb.exceptions import SDKClientException
from mlcube_nb.models import ApiKey, CreateApiKeyRequest, CreateUserApiKeyRequest

__all__ = ["ApiKeyMethods"]

_SDK = SDKClientException


class ApiKeyMethods(ClientCore):
    """API keys: the caller's own, and (for owners and admins) those of other company users."""

    def get_api_keys(self) -> RecordList[ApiKey]:
        """Return the caller's API keys."""
        return self._parse_list(ApiKey, self._call("GET", "/api-key"))

    def show_api_keys(self) -> None:
        """Print the caller's API keys as a table."""
        print(api_keys_table(self.get_api_keys()))

    def create_api_key(self, name: str, expiration_time: ApiKeyExpirationTime) -> str:
        """Create an API key for the caller and return the new key (shown only this once)."""
        body = self._build(CreateApiKeyRequest, _SDK, name=name, expiration_time=expiration_time)
        return self._call("POST", "/api-key", json=body)

    def delete_api_key(self, api_key: str) -> None:
        """Delete one of the caller's API keys."""
        self._call("DELETE", f"/api-key/{segment(api_key)}", expect="none")

    def get_user_api_keys(self, user_id: str) -> RecordList[ApiKey]:
        """Return the API keys of another user of the company."""
        return self._parse_list(ApiKey, self._call("GET", f"/user-api-key/{segment(user_id)}"))

    def show_user_api_keys(self, user_id: str) -> None:
        """Print the API keys of another user of the company as a table."""
        print(api_keys_table(self.get_user_api_keys(user_id)))

    def create_user_api_key(self, user_id: str, name: str, expiration_time: ApiKeyExpirationTime) -> str:
        """Create an API key for another user of the company and return the new key."""
        body = self._build(
            CreateUserApiKeyRequest, _SDK, user_id=user_id, name=name, expiration_time=expiration_time
        )
        return self._call("POST", "/user-api-key", json=body)

    def delete_user_api_key(self, user_id: str, api_key: str) -> None:
        """Delete an API key of another user of the company."""
        self._call("DELETE", f"/user-api-key/{segment(user_id)}/{segment(api_key)}", expect="none")
