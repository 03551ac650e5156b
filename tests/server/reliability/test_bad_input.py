"""Bad input gets a 4xx with an error code and a helpful message, and changes nothing."""

from __future__ import annotations

import pytest

from tests.server.conftest import Team
from tests.wire import assert_error

LONG = "x" * 300


def _snapshot(team: Team) -> tuple:
    owner = team.owner
    return (
        owner.ok("GET", "/company"),
        sorted(p["project_id"] for p in owner.ok("GET", "/projects")),
        sorted((u["user_id"], u["company_role"]) for u in owner.ok("GET", "/company-user")),
        sorted(k["api_key"] for k in owner.ok("GET", "/api-key")),
        sorted(p["project_id"] for p in owner.ok("GET", f"/user-project/{team.ids['puser']}")),
    )


BAD_REQUESTS = [
    ("POST", "/project", {"description": None, "default_storage_policy": "mlcube"}, 422),  # missing name
    ("POST", "/project", {"name": "n", "description": None, "default_storage_policy": "cloud"}, 422),
    ("POST", "/project", {"name": LONG, "description": None, "default_storage_policy": "mlcube"}, 422),
    ("POST", "/project", {"name": "", "description": None, "default_storage_policy": "mlcube"}, 422),
    ("PATCH", "/company", {"name": LONG, "address": None, "vat": None}, 422),
    ("POST", "/company", {"name": "x"}, 422),
    ("POST", "/company-user", {"name": "n", "surname": "s", "username": "u1", "password": "longenough1",
                               "email": "a@b.c", "company_role": "COMPANY_KING"}, 422),
    ("POST", "/company-user", {"name": "n", "surname": "s", "username": "u2", "password": "short",
                               "email": "a@b.c", "company_role": "COMPANY_USER"}, 422),
    ("POST", "/company-user", {"name": "n", "surname": "s", "username": "u3", "password": "longenough1",
                               "email": "not-an-email", "company_role": "COMPANY_USER"}, 422),
    ("POST", "/company-user", {"name": "n", "surname": "s", "username": "u4", "password": "longenough1",
                               "email": "a@b.c", "company_role": "COMPANY_OWNER"}, 400),
    ("POST", "/api-key", {"name": "k", "expiration_time": "forever"}, 422),
    ("POST", "/api-key", {"name": LONG, "expiration_time": "never"}, 422),
    ("POST", "/user-api-key", {"user_id": "0" * 32, "name": "k", "expiration_time": "never"}, 404),
    ("POST", "/change-user-company-role", {"user_id": "0" * 32, "company_role": "COMPANY_USER"}, 404),
    ("POST", "/user-project-role", {"user_id": "0" * 32, "project_id": "0" * 32,
                                    "project_role": "PROJECT_VIEW"}, 404),
    ("DELETE", "/company-user/" + "0" * 32, None, 404),
    ("DELETE", "/api-key/mlc_000000000000_…", None, 404),
    ("POST", "/company-owner/" + "0" * 32, None, 404),
    ("PATCH", "/project", {"project_id": "0" * 32, "name": "n", "description": None,
                           "default_storage_policy": None}, 404),
    ("GET", "/project/" + "0" * 32, None, 404),
    ("POST", "/company", {"name": "Again", "address": "a", "vat": "v"}, 409),  # already in a company
]


@pytest.mark.parametrize(("method", "path", "body", "status"), BAD_REQUESTS,
                         ids=[f"{m} {p} {s}" for m, p, _, s in BAD_REQUESTS])
def test_bad_request_is_4xx_and_changes_nothing(team: Team, method: str, path: str, body, status: int) -> None:
    before = _snapshot(team)
    error = assert_error(team.owner.call(method, path, json=body), status)
    assert error["errorCode"] and len(error["errorMessage"]) > 10
    assert _snapshot(team) == before


def test_validation_message_names_the_field(team: Team) -> None:
    error = assert_error(team.owner.call("POST", "/project", json={"name": LONG, "description": None,
                                                                   "default_storage_policy": "mlcube"}), 422)
    assert error["errorCode"] == "INVALID_REQUEST"
    assert "name" in error["errorMessage"]


def test_duplicate_names_are_conflicts(team: Team) -> None:
    body = {"name": "dup", "description": None, "default_storage_policy": "mlcube"}
    team.owner.ok("POST", "/project", json=body)
    assert_error(team.owner.call("POST", "/project", json=body), 409, "ALREADY_EXISTS")
    username = f"dupuser_{team.ids['owner'][:6]}"
    user = {"name": "n", "surname": "s", "username": username, "password": "longenough1",
            "email": "a@b.c", "company_role": "COMPANY_USER"}
    team.owner.ok("POST", "/company-user", json=user)
    assert_error(team.owner.call("POST", "/company-user", json=user), 409, "ALREADY_EXISTS")


def test_role_rules(team: Team) -> None:
    assert_error(team.admin.call("POST", "/change-user-company-role", json={
        "user_id": team.ids["member"], "company_role": "COMPANY_ADMIN"}), 403, "FORBIDDEN")
    assert_error(team.admin.call("DELETE", f"/company-user/{team.ids['owner']}"), 400, "INVALID_ROLE_CHANGE")
    assert_error(team.owner.call("POST", "/user-project-role", json={
        "user_id": team.ids["admin"], "project_id": team.project_id, "project_role": "PROJECT_VIEW"}),
        400, "INVALID_ROLE_CHANGE")
    assert_error(team.owner.call("POST", "/change-user-company-role", json={
        "user_id": team.ids["owner"], "company_role": "COMPANY_USER"}), 400, "INVALID_ROLE_CHANGE")


def test_unknown_route_has_wire_error(team: Team) -> None:
    assert_error(team.owner.call("GET", "/no-such-thing"), 404, "NOT_FOUND")
