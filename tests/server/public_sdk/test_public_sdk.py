"""The public ``ml3-platform-sdk`` client works against our server (accounts and projects)."""

from __future__ import annotations

import pytest

from tests.wire import Wire

sdk = pytest.importorskip("ml3_platform_sdk.client")
sdk_enums = pytest.importorskip("ml3_platform_sdk.enums")


def _public_client(url: str, key: str):
    # The public client is a singleton that re-initialises only when given keyword arguments.
    return sdk.ML3PlatformClient(url=url, api_key=key, timeout=30)


def test_public_sdk_accounts_flow(platform) -> None:
    _, key = platform.new_user("sdk")
    client = _public_client(platform.url, key)
    company_id = client.create_company(name="Public SDK Co", address="Via Roma 1", vat="IT0001")
    assert isinstance(company_id, str) and company_id
    assert client.get_company().company_id == company_id
    project_id = client.create_project(name="sdk project", description="made by v1",
                                       default_storage_policy=sdk_enums.StoragePolicy.MLCUBE)
    projects = client.get_projects()
    assert [p.project_id for p in projects] == [project_id]
    user_id = client.create_company_user(name="Ada", surname="Lovelace", username=f"ada_{company_id[:6]}",
                                         password="temporary-pass-1", email="ada@example.com",
                                         company_role=sdk_enums.UserCompanyRole.COMPANY_USER)
    users = {u.user_id: u.company_role for u in client.get_company_users()}
    assert users[user_id] == sdk_enums.UserCompanyRole.COMPANY_USER
    new_key = client.create_api_key(name="from v1", expiration_time=sdk_enums.ApiKeyExpirationTime.ONE_MONTH)
    assert Wire(platform.url, new_key).ok("GET", "/company")["company_id"] == company_id
    names = [k.name for k in client.get_api_keys()]
    assert "from v1" in names
