"""The cross-company matrix: every route that takes an id, read from the app's route table, is called by
every role of another company with the ids of company A's objects; none answers 2xx with A's data,
none leaks A's names, none changes A's state.

A route added later is probed automatically. If it takes an id of a kind the matrix has no object
for, the test says so, so the matrix grows with the API.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase

from mlcube_nb.server.embedded import ServerHandle
from tests.conftest import Platform
from tests.server.data_helpers import frame, inputs_of, make_ctx, tabular
from tests.server.integration_helpers import SLACK, new_credentials, rule_body
from tests.server.reliability_helpers import quiet_platform, route_table
from tests.wire import Wire

pytestmark = pytest.mark.reliability

ID_NAME = re.compile(r"(_id|^api_key|^model_version)$")
FOREIGN_IDS = frozenset({"access_key_id", "client_id", "private_key_id", "app_id"})
"""Id-named fields that name something outside the platform (cloud accounts): sent as generated."""
UNKNOWN_KINDS = ("group_id", "report_id", "partner_model_id", "segment_id", "detection_id", "suggestion_id")
"""Id kinds probed with an id that exists nowhere (A has no such object in this matrix): still a 4xx."""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    with quiet_platform(tmp_path_factory.mktemp("tenancy")) as handle:
        yield handle


def _company_a(handle: ServerHandle, marker: str) -> tuple[Wire, dict[str, str]]:
    """Company A with one object of every kind the routes take, all named with *marker*."""
    ctx = make_ctx(Platform(handle=handle, dialect="sqlite", logs=None))  # type: ignore[arg-type]
    owner = Wire(handle.url, ctx.api_key)
    owner.ok("PATCH", "/project", json={"project_id": ctx.project_id, "name": f"{marker}-project",
                                        "description": marker, "default_storage_policy": None})
    member = owner.ok("POST", "/company-user", json={
        "name": marker, "surname": marker, "username": f"{marker}-user", "password": "member-pass-1",
        "email": f"{marker}@example.com", "company_role": "COMPANY_USER"})
    member_key = owner.ok("POST", "/user-api-key", json={"user_id": member, "name": marker,
                                                         "expiration_time": "never"})
    job_id = ctx.client.add_production_data(ctx.task_id, inputs=tabular(inputs_of(frame(20))))
    slot = owner.ok("GET", "/data/presigned-url", params={
        "task_id": ctx.task_id, "data_structure": "tabular", "storing_data_type": "production",
        "file_name": f"{marker}.csv", "file_type": "csv", "is_folder": "False", "file_checksum": "0" * 64,
        "data_category": "input"})
    ids = {
        "project_id": ctx.project_id, "task_id": ctx.task_id, "model_id": ctx.model_id, "model_version": "v1",
        "kpi_id": owner.ok("POST", "/kpi", json={"project_id": ctx.project_id, "name": f"{marker}-kpi"}),
        "rule_id": owner.ok("POST", "/task/detection-event/rule", json=rule_body(
            ctx.task_id, [SLACK], name=f"{marker}-rule")),
        "credentials_id": new_credentials(owner, ctx.project_id, "aws_compatible", name=f"{marker}-creds"),
        "user_id": member, "api_key": member_key, "job_id": job_id,
        "upload_id": slot["storing_process_id"], "storing_process_id": slot["storing_process_id"],
        **{kind: secrets.token_hex(16) for kind in UNKNOWN_KINDS},
    }
    return owner, ids


def _attackers(handle: ServerHandle) -> dict[str, Wire]:
    """Every role of company B (owner, admin, project admin member), and a user of no company."""
    platform = Platform(handle=handle, dialect="sqlite", logs=None)  # type: ignore[arg-type]
    ctx = make_ctx(platform)
    owner = Wire(handle.url, ctx.api_key)
    wires = {"B owner": owner}
    for role, name in (("COMPANY_ADMIN", "B admin"), ("COMPANY_USER", "B project admin")):
        user = owner.ok("POST", "/company-user", json={
            "name": "B", "surname": "B", "username": f"b_{secrets.token_hex(4)}", "password": "b-pass-123",
            "email": "b@example.com", "company_role": role})
        key = owner.ok("POST", "/user-api-key", json={"user_id": user, "name": "k", "expiration_time": "never"})
        if role == "COMPANY_USER":
            owner.ok("POST", "/user-project-role", json={"user_id": user, "project_id": ctx.project_id,
                                                         "project_role": "PROJECT_ADMIN"})
        wires[name] = Wire(handle.url, key)
    wires["no company"] = Wire(handle.url, platform.new_user("lone")[1])
    return wires


def _snapshot(owner: Wire, ids: dict[str, str]) -> tuple:
    """What company A can see of itself: a probe must change none of it."""
    return (owner.ok("GET", "/company"), owner.ok("GET", "/projects"), owner.ok("GET", f"/tasks/{ids['project_id']}"),
            owner.ok("GET", f"/models/{ids['task_id']}"), owner.ok("GET", f"/kpis/{ids['project_id']}"),
            owner.ok("GET", "/task/detection-event/rules", params={"task_id": ids["task_id"]}),
            owner.ok("GET", f"/project/{ids['project_id']}/integration-credentials"),
            sorted(u["user_id"] for u in owner.ok("GET", "/company-user")),
            len(owner.ok("GET", f"/user-api-key/{ids['user_id']}")))


def _example(operation: schemathesis.APIOperation) -> schemathesis.Case:
    """One schema-valid case of *operation*, the same on every run."""
    found: list[schemathesis.Case] = []

    @hypothesis.seed(16)
    @hypothesis.settings(max_examples=1, database=None, deadline=None, phases=[Phase.generate],
                         suppress_health_check=list(HealthCheck))
    @hypothesis.given(case=operation.as_strategy())
    def take(case: schemathesis.Case) -> None:
        found.append(case)

    take()
    return found[0]


def _with_ids(value: Any, ids: dict[str, str], seen: set[str]) -> Any:
    """*value* with every id-named key set to company A's object of that kind (recursively)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if (isinstance(key, str) and ID_NAME.search(key) and key not in FOREIGN_IDS
                    and not isinstance(item, (dict, list))):
                assert key in ids, f"a route takes {key!r}: give company A an object of that kind in this matrix"
                seen.add(key)
                out[key] = ids[key]
            else:
                out[key] = _with_ids(item, ids, seen)
        return out
    if isinstance(value, list):
        return [_with_ids(item, ids, seen) for item in value]
    return value


def _probe(entry_method: str, case: schemathesis.Case, ids: dict[str, str], wire: Wire) -> requests.Response:
    seen: set[str] = set()
    path_values = _with_ids(dict(case.path_parameters or {}), ids, seen)
    query = _with_ids(dict(case.query or {}), ids, seen)
    body = _with_ids(case.body, ids, seen) if isinstance(case.body, (dict, list)) else None
    path = case.path.format(**path_values)
    headers = {"X-Api-Key": wire.api_key} if wire.api_key else {}
    return requests.request(entry_method, f"{wire.url}{path}", params=query, json=body, headers=headers, timeout=60)


def _takes_an_id(operation: schemathesis.APIOperation, case: schemathesis.Case) -> bool:
    names = set(re.findall(r"{(\w+)}", operation.path)) | set(case.query or {})
    text = repr(case.body) if case.body is not None else ""
    return any(ID_NAME.search(n) for n in names) or bool(re.search(r"'\w+_id'", text))


def test_no_role_of_another_company_reaches_company_a_through_any_id_taking_route(served: ServerHandle) -> None:
    marker = f"acme-secret-{secrets.token_hex(4)}"
    owner_a, ids = _company_a(served, marker)
    attackers = _attackers(served)
    before = _snapshot(owner_a, ids)
    schema = schemathesis.openapi.from_dict(requests.get(f"{served.url}/openapi.json", timeout=30).json())
    served_routes = {(e.method, e.path) for e in route_table(served.app.routes)}
    probes, routes, failures, statuses = 0, set(), [], {}
    for result in schema.get_all_operations():
        operation = result.ok()
        assert (operation.method.upper(), operation.path) in served_routes
        case = _example(operation)
        if not _takes_an_id(operation, case):
            continue
        routes.add(f"{operation.method.upper()} {operation.path}")
        for role, wire in attackers.items():
            response = _probe(operation.method.upper(), case, ids, wire)
            probes += 1
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            label = f"{role}: {operation.method.upper()} {operation.path} -> {response.status_code}"
            if response.status_code >= 500 or marker in response.text:
                failures.append(f"{label} {response.text[:200]}")
            elif response.status_code < 300 and not (operation.method.upper() == "GET"
                                                     and response.json() in ([], {}, None)):
                failures.append(f"{label} (2xx on another company's object) {response.text[:200]}")
    print(f"\ncross-company matrix: {len(routes)} id-taking routes x {len(attackers)} roles = {probes} probes, "
          f"{len(failures)} leaks or writes; statuses {dict(sorted(statuses.items()))}")
    assert not failures, "\n".join(failures)
    assert _snapshot(owner_a, ids) == before, "a probe changed company A"
    assert len(routes) >= 50
