"""Fixtures building a small company for the account tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import Platform
from tests.wire import Wire


@dataclass
class Team:
    """A company with one user per role, a project, and a second company to check isolation."""

    platform: Platform
    owner: Wire
    admin: Wire
    member: Wire  # COMPANY_USER without project role
    p_admin: Wire
    p_user: Wire
    p_view: Wire
    none: Wire  # COMPANY_NONE
    outsider: Wire  # owner of another company
    ids: dict[str, str]
    project_id: str
    other_project_id: str


def _member(platform: Platform, owner: Wire, name: str, role: str) -> tuple[str, Wire]:
    user_id = owner.ok("POST", "/company-user", json={
        "name": name, "surname": "Tester", "username": f"{name}_{platform.new_user()[0][:6]}",
        "password": "temporary-pass-1", "email": f"{name}@example.com", "company_role": role})
    key = owner.ok("POST", "/user-api-key", json={"user_id": user_id, "name": "k", "expiration_time": "never"})
    return user_id, Wire(platform.url, key)


def make_team(platform: Platform) -> Team:
    """Build a fresh team; every test that changes roles gets its own."""
    owner_id, owner_key = platform.new_user("owner")
    owner = Wire(platform.url, owner_key)
    owner.ok("POST", "/company", json={"name": "Acme", "address": "1 Road", "vat": "IT123"})
    project_id = owner.ok("POST", "/project", json={"name": "p", "description": None,
                                                    "default_storage_policy": "mlcube"})
    ids = {"owner": owner_id}
    wires = {}
    for name, role in (("admin", "COMPANY_ADMIN"), ("member", "COMPANY_USER"), ("padmin", "COMPANY_USER"),
                       ("puser", "COMPANY_USER"), ("pview", "COMPANY_USER"), ("none", "COMPANY_NONE")):
        ids[name], wires[name] = _member(platform, owner, name, role)
    for name, role in (("padmin", "PROJECT_ADMIN"), ("puser", "PROJECT_USER"), ("pview", "PROJECT_VIEW")):
        owner.ok("POST", "/user-project-role", json={"user_id": ids[name], "project_id": project_id,
                                                     "project_role": role})
    out_id, out_key = platform.new_user("outsider")
    outsider = Wire(platform.url, out_key)
    outsider.ok("POST", "/company", json={"name": "Other", "address": "2 Road", "vat": "IT999"})
    other_project = outsider.ok("POST", "/project", json={"name": "theirs", "description": "x",
                                                          "default_storage_policy": "mlcube"})
    ids["outsider"] = out_id
    return Team(platform, owner, wires["admin"], wires["member"], wires["padmin"], wires["puser"],
                wires["pview"], wires["none"], outsider, ids, project_id, other_project)


@pytest.fixture
def team(platform: Platform) -> Team:
    return make_team(platform)
