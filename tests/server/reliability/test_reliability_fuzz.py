"""Schemathesis over the whole OpenAPI document: thousands of generated requests, not one 5xx.

The fuzzing key belongs to a COMPANY_ADMIN, who cannot delete their own key by accident (the key is
never a generated value) nor the company (no route deletes a company). Every other generated call
hits the wire: positive cases (valid per the schema) and negative ones (violating it). Every second
case has its id parameters replaced by ids of real objects of the company, so handlers get past
"not found" and meet the generated values. Hypothesis runs with a fixed seed: a failure reproduces.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

import hypothesis
import hypothesis.errors
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase

from mlcube_nb import ML3PlatformClient
from mlcube_nb.server.embedded import ServerHandle
from tests.conftest import Platform
from tests.server.data_helpers import make_ctx
from tests.server.integration_helpers import SLACK, rule_body
from tests.server.reliability_helpers import quiet_platform, route_table
from tests.wire import Wire

pytestmark = pytest.mark.reliability

SEED = 16
EXAMPLES_PER_OPERATION = 13  # per generation mode; 92 operations x 2 modes -> about 2,300 requests
MIN_REQUESTS = 2000


@dataclass
class Tally:
    """What the fuzzing sent and what came back."""

    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    unsatisfiable: int = 0


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    with quiet_platform(tmp_path_factory.mktemp("fuzz")) as handle:
        yield handle


def _real_ids(handle: ServerHandle) -> tuple[str, dict[str, str]]:
    """A company with a task, model, KPI and rule; the admin's key and ids to put into generated cases."""
    platform = Platform(handle=handle, dialect="sqlite", logs=None)  # type: ignore[arg-type]
    ctx = make_ctx(platform)
    owner = Wire(handle.url, ctx.api_key)
    admin_id = owner.ok("POST", "/company-user", json={
        "name": "Fuzz", "surname": "Admin", "username": f"fuzz_{secrets.token_hex(3)}", "password": "fuzz-pass-123",
        "email": "fuzz@example.com", "company_role": "COMPANY_ADMIN"})
    admin_key = owner.ok("POST", "/user-api-key", json={"user_id": admin_id, "name": "fuzz",
                                                        "expiration_time": "never"})
    victim = owner.ok("POST", "/company-user", json={
        "name": "V", "surname": "V", "username": f"victim_{secrets.token_hex(3)}", "password": "victim-pass-1",
        "email": "v@example.com", "company_role": "COMPANY_USER"})
    kpi_id = owner.ok("POST", "/kpi", json={"project_id": ctx.project_id, "name": "kpi"})
    rule_id = owner.ok("POST", "/task/detection-event/rule", json=rule_body(ctx.task_id, [SLACK]))
    ids = {"project_id": ctx.project_id, "task_id": ctx.task_id, "model_id": ctx.model_id, "kpi_id": kpi_id,
           "rule_id": rule_id, "user_id": victim, "model_version": "v1"}
    return admin_key, ids


def _substitute(case: schemathesis.Case, ids: dict[str, str]) -> None:
    for container in (case.path_parameters, case.query):
        if container:
            for name in container:
                if name in ids:
                    container[name] = ids[name]
    if isinstance(case.body, dict):
        for name in case.body:
            if name in ids:
                case.body[name] = ids[name]


def _fuzz_operation(operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode, base_url: str,
                    key: str, ids: dict[str, str], tally: Tally) -> None:
    turn = itertools.count()
    session = requests.Session()

    @hypothesis.seed(SEED)
    @hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, database=None, deadline=None, derandomize=False,
                         phases=[Phase.generate], suppress_health_check=list(HealthCheck), print_blob=True)
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: schemathesis.Case) -> None:
        if next(turn) % 2 == 0:
            _substitute(case, ids)
        try:
            response = case.call(base_url=base_url, session=session, headers={"X-Api-Key": key}, timeout=60)
        except requests.RequestException as exc:  # a dropped connection is as bad as a 5xx
            tally.server_errors.append(f"{case.method} {case.formatted_path}: {exc!r}")
            return
        tally.requests += 1
        tally.by_status[response.status_code] = tally.by_status.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            tally.server_errors.append(f"{response.status_code} {case.as_curl_command()[:600]}\n"
                                       f"  {response.text[:300]}")

    try:
        fuzz()
    except hypothesis.errors.Unsatisfiable:  # e.g. no negative case exists for an operation without inputs
        tally.unsatisfiable += 1


def test_schemathesis_over_the_whole_openapi_finds_no_server_error(fuzzed: ServerHandle) -> None:
    key, ids = _real_ids(fuzzed)
    document = requests.get(f"{fuzzed.url}/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(document)
    tally = Tally()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            _fuzz_operation(operation, mode, fuzzed.url, key, ids, tally)
    print(f"\nschemathesis: {tally.requests} requests over {len(operations)} operations "
          f"({tally.unsatisfiable} operation x mode pairs without a case), {len(tally.server_errors)} 5xx; "
          f"statuses {dict(sorted(tally.by_status.items()))}")
    assert not tally.server_errors, "\n".join(tally.server_errors[:20])
    assert tally.requests >= MIN_REQUESTS
    # the fuzzing key still works and its company still exists
    client = ML3PlatformClient(fuzzed.url, key)
    assert client.get_company().name


def test_the_fuzzing_schema_covers_every_route(fuzzed: ServerHandle) -> None:
    """A route left out of the OpenAPI document would escape the fuzzer."""
    document = requests.get(f"{fuzzed.url}/openapi.json", timeout=30).json()
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    served = {(entry.method, entry.path) for entry in route_table(fuzzed.app.routes)
              if entry.path not in ("/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect")}
    assert served - documented == set()
    assert len(served) >= 80
