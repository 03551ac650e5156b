"""KPIs over real HTTP: the client's happy path, name rules, RBAC and tenancy."""

from __future__ import annotations

import pytest

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import KPIStatus
from mlcube_nb.exceptions import CreateKpiException
from tests.conftest import Platform
from tests.server.conftest import Team, make_team
from tests.server.task_helpers import READERS, ROLES, WORKERS, unique, wire_of
from tests.wire import assert_error


@pytest.fixture(scope="module")
def crew(platform: Platform) -> Team:
    return make_team(platform)


def _kpis(team: Team) -> list[dict]:
    return team.owner.ok("GET", f"/kpis/{team.project_id}")


def test_kpi_lifecycle_through_our_client(crew: Team, capsys: pytest.CaptureFixture[str]) -> None:
    client = ML3PlatformClient(url=crew.platform.url, api_key=crew.owner.api_key)
    name = unique("revenue")
    kpi_id = client.create_kpi(crew.project_id, name)
    kpi = client.get_kpi(kpi_id)
    assert (kpi.kpi_id, kpi.name, kpi.status, kpi.status_kpi_start_timestamp) == (
        kpi_id, name, KPIStatus.NOT_INITIALIZED, None)
    assert kpi.status_insert_datetime.tzinfo is not None
    assert kpi_id in [k.kpi_id for k in client.get_kpis(crew.project_id)]
    client.show_kpis(crew.project_id)
    out = capsys.readouterr().out
    assert name in out and "not_initialized" in out
    with pytest.raises(CreateKpiException) as err:
        client.create_kpi(crew.project_id, name)
    assert err.value.error_code == "ALREADY_EXISTS" and name in err.value.error_message


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"name": "dup"}, 409, "ALREADY_EXISTS"),
    ({"name": ""}, 422, "INVALID_REQUEST"),
    ({"name": "x" * 300}, 422, "INVALID_REQUEST"),
    ({}, 422, "INVALID_REQUEST"),
    ({"name": "k", "project_id": "0" * 32}, 404, "PROJECT_NOT_FOUND"),
])
def test_bad_create_kpi_changes_nothing(crew: Team, body: dict, status: int, code: str) -> None:
    if not any(k["name"] == "dup" for k in _kpis(crew)):
        crew.owner.ok("POST", "/kpi", json={"project_id": crew.project_id, "name": "dup"})
    before = _kpis(crew)
    assert_error(crew.owner.call("POST", "/kpi", json={"project_id": crew.project_id, **body}), status, code)
    assert _kpis(crew) == before


def test_kpi_names_are_per_project(crew: Team) -> None:
    name = unique("kpi")
    crew.owner.ok("POST", "/kpi", json={"project_id": crew.project_id, "name": name})
    project = crew.owner.ok("POST", "/project", json={"name": unique("p"), "description": None,
                                                      "default_storage_policy": "mlcube"})
    crew.owner.ok("POST", "/kpi", json={"project_id": project, "name": name})
    assert [k["name"] for k in crew.owner.ok("GET", f"/kpis/{project}")] == [name]


def test_unknown_and_foreign_kpis_are_not_found(crew: Team) -> None:
    mine = crew.owner.ok("POST", "/kpi", json={"project_id": crew.project_id, "name": unique()})
    theirs = crew.outsider.ok("POST", "/kpi", json={"project_id": crew.other_project_id, "name": unique()})
    for wire, kpi_id in ((crew.owner, "0" * 32), (crew.owner, theirs), (crew.outsider, mine)):
        assert_error(wire.call("GET", f"/kpi/{kpi_id}"), 404, "KPI_NOT_FOUND")
    assert_error(crew.owner.call("GET", f"/kpis/{crew.other_project_id}"), 404, "PROJECT_NOT_FOUND")
    assert_error(crew.owner.call("POST", "/kpi", json={"project_id": crew.other_project_id, "name": "x"}),
                 404, "PROJECT_NOT_FOUND")
    assert [k["kpi_id"] for k in crew.outsider.ok("GET", f"/kpis/{crew.other_project_id}")] == [theirs]


@pytest.fixture(scope="module")
def rbac_team(platform: Platform) -> Team:
    team = make_team(platform)
    team.ids["kpi"] = team.owner.ok("POST", "/kpi", json={"project_id": team.project_id, "name": "base"})
    return team


ACTIONS = {
    "create_kpi": (lambda t, w: w.call("POST", "/kpi", json={"project_id": t.project_id, "name": unique()}), WORKERS),
    "get_kpi": (lambda t, w: w.call("GET", f"/kpi/{t.ids['kpi']}"), READERS),
    "get_kpis": (lambda t, w: w.call("GET", f"/kpis/{t.project_id}"), READERS),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_kpi_rbac(rbac_team: Team, action: str, role: str) -> None:
    call, allowed = ACTIONS[action]
    before = _kpis(rbac_team)
    response = call(rbac_team, wire_of(rbac_team, role))
    if role in allowed:
        assert 200 <= response.status_code < 300, (action, role, response.text)
        return
    assert_error(response, 404 if role == "outsider" else 403)
    assert _kpis(rbac_team) == before
