"""Password login (``POST /session``): session keys, one error for unknown user and wrong password, expiry,
temporary passwords, and ``ML3PlatformClient.login`` plus the client's environment fallbacks."""

from __future__ import annotations

import secrets
import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from mlcube_nb import ML3PlatformClient
from mlcube_nb.exceptions import SDKClientException, UnauthorizedException
from mlcube_nb.server.auth import hash_password
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.engine import make_session_factory, transaction
from mlcube_nb.server.db.tables import ApiKeyRow, UserRow
from tests.conftest import Platform
from tests.wire import Wire, assert_error

PASSWORD = "correct horse battery"


def user_with_password(platform: Platform, password: str = PASSWORD, *, must_change: bool = False) -> tuple[str, str]:
    """A fresh user whose password is *password*: (username, api_key).

    The platform has no change-password call yet, so the hash (and the must-change flag) is set directly.
    """
    user_id, key = platform.new_user("login")
    with transaction(make_session_factory(platform.handle.engine)) as session:
        user = session.get(UserRow, user_id)
        assert user is not None
        user.password_hash = hash_password(password)
        user.must_change_password = must_change
        return user.username, key


def _username(platform: Platform, user_id: str) -> str:
    """The username of a user made by ``platform.new_user`` (they have no password)."""
    with transaction(make_session_factory(platform.handle.engine)) as session:
        user = session.get(UserRow, user_id)
        assert user is not None and user.password_hash is None
        return user.username


def _login(platform: Platform, username: str, password: str):
    return Wire(platform.url, None).call("POST", "/session", json={"username": username, "password": password})


def _session_keys(platform: Platform, username: str) -> int:
    with transaction(make_session_factory(platform.handle.engine)) as session:
        query = (select(func.count()).select_from(ApiKeyRow).join(UserRow, UserRow.id == ApiKeyRow.user_id)
                 .where(UserRow.username == username, ApiKeyRow.is_session.is_(True)))
        return session.scalar(query) or 0


def test_right_password_gives_a_working_session_key_that_expires(platform) -> None:
    username, key = user_with_password(platform)
    body = _login(platform, username, PASSWORD).json()
    assert set(body) == {"api_key", "expires_at"}
    session_key = body["api_key"]
    assert session_key != key and session_key.startswith("mlc_")
    wire = Wire(platform.url, session_key)
    wire.ok("POST", "/company", json={"name": "Logged", "address": "1 Road", "vat": "IT1"})
    assert wire.ok("GET", "/company")["name"] == "Logged"
    assert wire.ok("GET", "/api-key") == Wire(platform.url, key).ok("GET", "/api-key")  # sessions are not listed
    assert _session_keys(platform, username) == 1


def test_wrong_password_and_unknown_user_get_the_same_error(platform) -> None:
    username, _ = user_with_password(platform)
    wrong = _login(platform, username, "not the password")
    unknown = _login(platform, f"nobody-{secrets.token_hex(4)}", PASSWORD)
    no_password = _login(platform, _username(platform, platform.new_user("nopw")[0]), PASSWORD)
    for response in (wrong, unknown, no_password):
        assert_error(response, 401, "INVALID_CREDENTIALS")
    assert wrong.json() == unknown.json() == no_password.json()
    assert _session_keys(platform, username) == 0


def test_unknown_user_costs_a_password_check_too(platform) -> None:
    """No timing shortcut: an unknown user still runs scrypt (a dummy hash), so it takes about as long."""
    username, _ = user_with_password(platform)

    def median(name: str) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            assert _login(platform, name, "wrong password").status_code == 401
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    median(username)  # warm up (the dummy hash is made once)
    known, unknown = median(username), median(f"ghost-{secrets.token_hex(4)}")
    assert unknown > 0.5 * known, (known, unknown)


def test_temporary_password_must_be_changed_first(platform) -> None:
    username, _ = user_with_password(platform, must_change=True)
    assert_error(_login(platform, username, PASSWORD), 403, "PASSWORD_CHANGE_REQUIRED")
    assert_error(_login(platform, username, "a wrong guess"), 401, "INVALID_CREDENTIALS")  # no hint without it
    assert _session_keys(platform, username) == 0


def test_user_created_by_the_owner_has_a_temporary_password(platform) -> None:
    _, owner_key = platform.new_user("owner")
    owner = Wire(platform.url, owner_key)
    owner.ok("POST", "/company", json={"name": "Acme", "address": "1 Road", "vat": "IT2"})
    username = f"new-{secrets.token_hex(4)}"
    owner.ok("POST", "/company-user", json={"name": "N", "surname": "U", "username": username,
                                            "password": "temporary-pass-1", "email": "n@example.com",
                                            "company_role": "COMPANY_USER"})
    assert_error(_login(platform, username, "temporary-pass-1"), 403, "PASSWORD_CHANGE_REQUIRED")


def test_expired_session_key_is_refused(platform) -> None:
    username, _ = user_with_password(platform)
    session_key = _login(platform, username, PASSWORD).json()["api_key"]
    Wire(platform.url, session_key).ok("GET", "/api-key")
    with transaction(make_session_factory(platform.handle.engine)) as session:  # let the session run out
        session.execute(update(ApiKeyRow).where(ApiKeyRow.is_session.is_(True), ApiKeyRow.user_id == select(
            UserRow.id).where(UserRow.username == username).scalar_subquery()).values(
            expires_at=utcnow() - timedelta(seconds=1)))
    assert_error(Wire(platform.url, session_key).call("GET", "/api-key"), 401, "UNAUTHORIZED")
    fresh = _login(platform, username, PASSWORD).json()["api_key"]  # logging in again clears the stale one
    Wire(platform.url, fresh).ok("GET", "/api-key")
    assert _session_keys(platform, username) == 1


def test_login_validates_its_body_and_needs_no_api_key(platform) -> None:
    assert_error(Wire(platform.url, None).call("POST", "/session", json={"username": "", "password": "x"}), 422,
                 "INVALID_REQUEST")
    assert_error(Wire(platform.url, None).call("POST", "/session", json={"username": "a"}), 422)
    assert_error(Wire(platform.url, "not-a-key").call("POST", "/session", json={"username": "a", "password": "b"}),
                 401, "INVALID_CREDENTIALS")


def test_password_never_reaches_the_logs(platform) -> None:
    username, _ = user_with_password(platform, "a-very-secret-phrase")
    session_key = _login(platform, username, "a-very-secret-phrase").json()["api_key"]
    _login(platform, username, "another-secret-phrase")
    text = platform.logs.text()
    assert "a-very-secret-phrase" not in text and "another-secret-phrase" not in text and session_key not in text


def test_client_login_classmethod(platform) -> None:
    username, _ = user_with_password(platform)
    client = ML3PlatformClient.login(platform.url, username, PASSWORD, timeout=30)
    assert client.url == platform.url
    client.create_company("Via login", "1 Road", "IT3")
    assert client.get_company().name == "Via login"
    with pytest.raises(UnauthorizedException) as wrong:
        ML3PlatformClient.login(platform.url, username, "wrong password")
    assert wrong.value.error_code == "INVALID_CREDENTIALS" and "wrong password" not in str(wrong.value)
    with pytest.raises(SDKClientException) as temporary:
        ML3PlatformClient.login(platform.url, user_with_password(platform, must_change=True)[0], PASSWORD)
    assert temporary.value.error_code == "PASSWORD_CHANGE_REQUIRED"


def test_client_reads_url_and_key_from_the_environment(platform, monkeypatch: pytest.MonkeyPatch) -> None:
    _, key = platform.new_user("env")
    monkeypatch.setenv("MLCUBE_URL", platform.url)
    monkeypatch.setenv("MLCUBE_API_KEY", key)
    client = ML3PlatformClient()
    assert client.url == platform.url
    assert client.get_api_keys() is not None
    monkeypatch.setenv("MLCUBE_API_KEY", "mlc_000000000000_wrong")
    with pytest.raises(UnauthorizedException):
        ML3PlatformClient(api_key=None).get_api_keys()
    ML3PlatformClient(api_key=key).get_api_keys()  # an explicit key wins over the environment
    monkeypatch.delenv("MLCUBE_URL")
    with pytest.raises(SDKClientException) as missing:
        ML3PlatformClient(api_key=key)
    assert "MLCUBE_URL" in missing.value.error_message
    username, _ = user_with_password(platform)
    monkeypatch.setenv("MLCUBE_URL", platform.url)
    ML3PlatformClient.login(None, username, PASSWORD).get_api_keys()
