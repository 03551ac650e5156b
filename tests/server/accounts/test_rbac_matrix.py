"""RBAC of the account endpoints: every company role × project role × own/other company (PLATFORM.md §7)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from tests.server.conftest import Team, make_team
from tests.wire import Wire

ROLES = ["owner", "admin", "member", "p_admin", "p_user", "p_view", "none", "outsider"]
IN_COMPANY = set(ROLES) - {"outsider"}
COMPANY_USERS = {"member", "p_admin", "p_user", "p_view"}


def _fresh_user(team: Team, role: str = "COMPANY_USER") -> str:
    name = f"target_{team.platform.new_user()[0][:8]}"
    return team.owner.ok("POST", "/company-user", json={
        "name": "T", "surname": "T", "username": name, "password": "temporary-pass-1",
        "email": f"{name}@example.com", "company_role": role})


Action = Callable[[Team, Wire], requests.Response]
ACTIONS: dict[str, tuple[Action, set[str]]] = {
    "get_company": (lambda t, w: w.call("GET", "/company"), set(ROLES)),
    "update_company": (lambda t, w: w.call("PATCH", "/company", json={"name": None, "address": "new",
                                                                       "vat": None}),
                       {"owner", "admin", "outsider"}),
    "get_subscriptions": (lambda t, w: w.call("GET", "/company/subscriptions"), {"owner", "admin", "outsider"}),
    "get_active_subscription": (lambda t, w: w.call("GET", "/company/current-subscription"),
                                {"owner", "admin", "outsider"}),
    "create_project": (lambda t, w: w.call("POST", "/project", json={
        "name": f"p-{t.platform.new_user()[0][:8]}", "description": None, "default_storage_policy": "mlcube"}),
        {"owner", "admin", "outsider"}),
    "get_project": (lambda t, w: w.call("GET", f"/project/{t.project_id}"),
                    {"owner", "admin", "p_admin", "p_user", "p_view"}),
    "update_project": (lambda t, w: w.call("PATCH", "/project", json={
        "project_id": t.project_id, "name": None, "description": "d", "default_storage_policy": None}),
        {"owner", "admin", "p_admin"}),
    "create_company_user": (lambda t, w: w.call("POST", "/company-user", json={
        "name": "N", "surname": "S", "username": f"u_{t.platform.new_user()[0][:8]}",
        "password": "temporary-pass-1", "email": "n@example.com", "company_role": "COMPANY_USER"}),
        {"owner", "outsider"}),
    "get_company_users": (lambda t, w: w.call("GET", "/company-user"), {"owner", "admin", "outsider"} | COMPANY_USERS),
    "get_user_projects": (lambda t, w: w.call("GET", f"/user-project/{t.ids['member']}"),
                          {"owner", "admin"} | COMPANY_USERS),
    "add_user_project_role": (lambda t, w: w.call("POST", "/user-project-role", json={
        "user_id": _fresh_user(t), "project_id": t.project_id, "project_role": "PROJECT_VIEW"}),
        {"owner", "admin", "p_admin"}),
    "get_user_api_keys": (lambda t, w: w.call("GET", f"/user-api-key/{t.ids['member']}"), {"owner", "admin"}),
    "create_user_api_key": (lambda t, w: w.call("POST", "/user-api-key", json={
        "user_id": _fresh_user(t), "name": "k", "expiration_time": "one_month"}), {"owner", "admin"}),
    "change_user_company_role": (lambda t, w: w.call("POST", "/change-user-company-role", json={
        "user_id": _fresh_user(t, "COMPANY_NONE"), "company_role": "COMPANY_USER"}), {"owner", "admin"}),
    "delete_company_user": (lambda t, w: w.call("DELETE", f"/company-user/{_fresh_user(t)}"), {"owner", "admin"}),
    "own_api_keys": (lambda t, w: w.call("GET", "/api-key"), set(ROLES)),
}


@pytest.fixture(scope="module")
def matrix_team(platform) -> Team:
    return make_team(platform)


def _wire(team: Team, role: str) -> Wire:
    return getattr(team, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_role_matrix(matrix_team: Team, action: str, role: str) -> None:
    call, allowed = ACTIONS[action]
    response = call(matrix_team, _wire(matrix_team, role))
    if role in allowed:
        assert 200 <= response.status_code < 300, (action, role, response.status_code, response.text)
        return
    # Another company's objects are never revealed: 404, not 403.
    expected = 404 if role == "outsider" else 403
    assert response.status_code == expected, (action, role, response.status_code, response.text)
    assert response.json()["errorCode"], response.text


@pytest.mark.parametrize("role", ROLES)
def test_project_listing_shows_only_readable_projects(matrix_team: Team, role: str) -> None:
    listed = {p["project_id"] for p in _wire(matrix_team, role).ok("GET", "/projects")}
    readable = role in {"owner", "admin", "p_admin", "p_user", "p_view"}
    assert (matrix_team.project_id in listed) is readable
    if role != "outsider":
        assert matrix_team.other_project_id not in listed


def test_outsider_never_sees_other_company_users(matrix_team: Team) -> None:
    listed = {u["user_id"] for u in matrix_team.outsider.ok("GET", "/company-user")}
    assert matrix_team.ids["outsider"] in listed
    theirs = {user_id for name, user_id in matrix_team.ids.items() if name != "outsider"}
    assert not listed & theirs
    for role in IN_COMPANY - {"none"}:
        ids = {u["user_id"] for u in _wire(matrix_team, role).ok("GET", "/company-user")}
        assert matrix_team.ids["outsider"] not in ids


def test_other_company_ids_look_unknown(matrix_team: Team) -> None:
    """The same 404 body for another company's project as for an id that never existed."""
    theirs = matrix_team.owner.call("GET", f"/project/{matrix_team.other_project_id}")
    missing = matrix_team.owner.call("GET", "/project/" + "0" * 32)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["errorCode"] == missing.json()["errorCode"]
    assert matrix_team.other_project_id in theirs.json()["errorMessage"]
