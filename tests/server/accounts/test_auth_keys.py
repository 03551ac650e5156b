"""Authentication: unknown, deleted, expired keys; deleted users; secrets never shown twice or logged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.engine import make_session_factory, transaction
from mlcube_nb.server.db.tables import ApiKeyRow
from tests.server.conftest import Team
from tests.wire import Wire, assert_error


def test_missing_and_unknown_keys_are_401(platform) -> None:
    assert_error(Wire(platform.url, None).call("GET", "/company"), 401, "UNAUTHORIZED")
    assert_error(Wire(platform.url, "mlc_000000000000_not-a-key").call("GET", "/projects"), 401, "UNAUTHORIZED")
    assert_error(Wire(platform.url, "").call("GET", "/projects"), 401, "UNAUTHORIZED")


def test_deleted_key_is_401(platform) -> None:
    _, key = platform.new_user()
    wire = Wire(platform.url, key)
    second = wire.ok("POST", "/api-key", json={"name": "second", "expiration_time": "one_year"})
    Wire(platform.url, second).ok("GET", "/api-key")
    wire.ok("DELETE", f"/api-key/{second}")
    assert_error(Wire(platform.url, second).call("GET", "/api-key"), 401, "UNAUTHORIZED")
    wire.ok("GET", "/api-key")  # the other key still works


def test_key_deleted_by_its_masked_handle(platform) -> None:
    _, key = platform.new_user()
    wire = Wire(platform.url, key)
    extra = wire.ok("POST", "/api-key", json={"name": "by-handle", "expiration_time": "never"})
    handle = next(k["api_key"] for k in wire.ok("GET", "/api-key") if k["name"] == "by-handle")
    assert extra not in handle and handle.endswith("…")
    wire.ok("DELETE", f"/api-key/{handle}")
    assert_error(Wire(platform.url, extra).call("GET", "/api-key"), 401)


def test_expired_key_is_401(platform) -> None:
    _, key = platform.new_user()
    wire = Wire(platform.url, key)
    short = wire.ok("POST", "/api-key", json={"name": "short", "expiration_time": "one_month"})
    Wire(platform.url, short).ok("GET", "/api-key")
    listed = next(k for k in wire.ok("GET", "/api-key") if k["name"] == "short")
    assert listed["expiration_time"] is not None
    factory = make_session_factory(platform.handle.engine)
    with transaction(factory) as session:  # let a month pass for this key only
        session.execute(update(ApiKeyRow).where(ApiKeyRow.name == "short")
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert_error(Wire(platform.url, short).call("GET", "/api-key"), 401, "UNAUTHORIZED")


def test_deleted_users_keys_stop_working(team: Team) -> None:
    team.member.ok("GET", "/projects")
    team.owner.ok("DELETE", f"/company-user/{team.ids['member']}")
    assert_error(team.member.call("GET", "/projects"), 401, "UNAUTHORIZED")
    assert team.ids["member"] not in {u["user_id"] for u in team.owner.ok("GET", "/company-user")}


def test_keys_have_256_bits_and_are_shown_once(team: Team) -> None:
    key = team.owner.ok("POST", "/api-key", json={"name": "fresh", "expiration_time": "never"})
    secret_part = key.split("_", 2)[2]
    assert len(secret_part) >= 43  # token_urlsafe(32): 32 random bytes
    for path in ("/api-key", f"/user-api-key/{team.ids['admin']}"):
        body = team.owner.call("GET", path).text
        assert key not in body and secret_part not in body


def test_secrets_absent_from_responses_and_logs(team: Team) -> None:
    password = "very-secret-password-42"
    user_id = team.owner.ok("POST", "/company-user", json={
        "name": "S", "surname": "S", "username": f"secret_{team.ids['owner'][:6]}", "password": password,
        "email": "s@example.com", "company_role": "COMPANY_USER"})
    key = team.owner.ok("POST", "/user-api-key", json={"user_id": user_id, "name": "k",
                                                       "expiration_time": "never"})
    team.owner.ok("DELETE", f"/user-api-key/{user_id}/{key}")
    own = team.owner.ok("POST", "/api-key", json={"name": "to-delete", "expiration_time": "never"})
    team.owner.ok("DELETE", f"/api-key/{own}")
    responses = [team.owner.call("GET", p).text for p in
                 ("/company-user", "/api-key", f"/user-api-key/{user_id}", "/company")]
    for text in responses:
        assert password not in text and key not in text and own not in text
        assert "password_hash" not in text and "scrypt" not in text
    logs = team.platform.logs.text()
    assert "/api-key/" in logs  # the access log did record the calls...
    for secret in (password, key, own, key.split("_", 2)[2], own.split("_", 2)[2]):
        assert secret not in logs  # ...with the keys masked


def test_created_users_must_change_password(team: Team) -> None:
    from mlcube_nb.server.db.tables import UserRow

    factory = make_session_factory(team.platform.handle.engine)
    with transaction(factory) as session:
        user = session.get(UserRow, team.ids["member"])
        assert user is not None and user.must_change_password
        assert user.password_hash and user.password_hash.startswith("scrypt$")
