"""Retrain triggers over real HTTP: set, replace and remove on a model, checked against the project's credentials."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mlcube_nb import ML3PlatformClient
from mlcube_nb.exceptions import SDKClientException
from mlcube_nb.models import AWSEventBridgeRetrainTrigger, AzureEventGridRetrainTrigger, GCPPubSubRetrainTrigger
from tests.conftest import Platform
from tests.server.conftest import Team, make_team
from tests.server.integration_helpers import new_credentials, trigger_body
from tests.server.task_helpers import ROLES, WORKERS, new_model, new_task, wire_of
from tests.wire import assert_error


@dataclass
class Bench:
    """A team with a task, a model and credentials of every type in its project."""

    team: Team
    task_id: str
    model_id: str
    creds: dict[str, str]

    def trigger(self, model_id: str | None = None) -> dict | None:
        return self.team.owner.ok("GET", f"/model/{model_id or self.model_id}")["retrain_trigger"]


def make_bench(platform: Platform) -> Bench:
    team = make_team(platform)
    task_id = new_task(team.owner, team.project_id)
    model_id = new_model(team.owner, task_id)
    creds = {kind: new_credentials(team.owner, team.project_id, kind) for kind in ("aws", "aws_compatible", "gcp",
                                                                                    "azure")}
    return Bench(team, task_id, model_id, creds)


@pytest.fixture(scope="module")
def bench(platform: Platform) -> Bench:
    return make_bench(platform)


def test_set_replace_and_remove_through_our_client(bench: Bench) -> None:
    client = ML3PlatformClient(url=bench.team.platform.url, api_key=bench.team.owner.api_key)
    model_id = new_model(bench.team.owner, bench.task_id)
    triggers = [
        AWSEventBridgeRetrainTrigger(credentials_id=bench.creds["aws"], aws_region_name="eu-south-1",
                                     event_bus_name="retraining"),
        AWSEventBridgeRetrainTrigger(credentials_id=bench.creds["aws_compatible"], aws_region_name="us-east-1",
                                     event_bus_name="arn:aws:events:us-east-1:123456789012:event-bus/ml"),
        GCPPubSubRetrainTrigger(credentials_id=bench.creds["gcp"], topic_name="projects/acme-ml/topics/retrain"),
        AzureEventGridRetrainTrigger(credentials_id=bench.creds["azure"],
                                     topic_endpoint="https://retrain.westeurope-1.eventgrid.azure.net/api/events"),
    ]
    for trigger in triggers:
        client.set_retrain_trigger(model_id, trigger)
        assert client.get_model(model_id).retrain_trigger == trigger
        assert bench.trigger(model_id) == trigger.model_dump(mode="json")
    client.set_retrain_trigger(model_id, None)
    assert client.get_model(model_id).retrain_trigger is None
    client.set_retrain_trigger(model_id, None)  # removing twice is harmless
    assert bench.trigger(model_id) is None


def test_a_new_model_version_keeps_the_trigger(bench: Bench) -> None:
    model_id = new_model(bench.team.owner, bench.task_id)
    body = trigger_body("gcp_pubsub", bench.creds["gcp"])
    bench.team.owner.ok("POST", f"/model/{model_id}/retrain-trigger", json=body)
    new_id = bench.team.owner.ok("PATCH", "/model-version", json={"model_id": model_id, "new_model_version": "v2"})
    assert bench.trigger(new_id) == body


BAD = [
    ("aws_event_bridge", "aws", {"aws_region_name": "eu west"}, 400, "INVALID_PARAMETERS", "trigger.aws_region_name"),
    ("aws_event_bridge", "aws", {"event_bus_name": ""}, 400, "INVALID_PARAMETERS", "trigger.event_bus_name"),
    ("aws_event_bridge", "gcp", {}, 400, "INVALID_PARAMETERS", "needs aws or aws_compatible"),
    ("gcp_pubsub", "gcp", {"topic_name": "goog-topic"}, 400, "INVALID_PARAMETERS", "trigger.topic_name"),
    ("gcp_pubsub", "azure", {}, 400, "INVALID_PARAMETERS", "needs gcp"),
    ("azure_event_grid", "azure", {"topic_endpoint": "eventgrid"}, 400, "INVALID_PARAMETERS", "topic_endpoint"),
    ("azure_event_grid", "aws_compatible", {}, 400, "INVALID_PARAMETERS", "needs azure"),
    ("azure_event_grid", "unknown", {}, 404, "CREDENTIALS_NOT_FOUND", "credentials_id"),
    ("azure_event_grid", "foreign", {}, 404, "CREDENTIALS_NOT_FOUND", "credentials_id"),
    ("gcp_pubsub", "gcp", {"type": "kafka"}, 422, "INVALID_REQUEST", "type"),
    ("gcp_pubsub", "gcp", {"credentials_id": None}, 422, "INVALID_REQUEST", "credentials_id"),
    ("aws_event_bridge", "aws", {"event_bus_name": None}, 422, "INVALID_REQUEST", "event_bus_name"),
]


@pytest.mark.parametrize(("kind", "creds", "over", "status", "code", "fragment"), BAD)
def test_bad_triggers_are_refused_and_change_nothing(bench: Bench, kind: str, creds: str, over: dict, status: int,
                                                     code: str, fragment: str) -> None:
    current = trigger_body("aws_event_bridge", bench.creds["aws"])
    bench.team.owner.ok("POST", f"/model/{bench.model_id}/retrain-trigger", json=current)
    if creds == "foreign":
        credentials_id = new_credentials(bench.team.outsider, bench.team.other_project_id, "azure")
    else:
        credentials_id = bench.creds.get(creds, "0" * 32)
    body = {**trigger_body(kind, credentials_id), **over}
    response = bench.team.owner.call("POST", f"/model/{bench.model_id}/retrain-trigger", json=body)
    assert fragment in assert_error(response, status, code)["errorMessage"]
    assert bench.trigger() == current


def test_unknown_and_foreign_models_are_not_found(bench: Bench) -> None:
    team = bench.team
    their_task = new_task(team.outsider, team.other_project_id)
    theirs = new_model(team.outsider, their_task)
    their_creds = new_credentials(team.outsider, team.other_project_id, "gcp")
    body = trigger_body("gcp_pubsub", bench.creds["gcp"])
    for wire, model_id in ((team.owner, "0" * 32), (team.owner, theirs), (team.outsider, bench.model_id)):
        assert_error(wire.call("POST", f"/model/{model_id}/retrain-trigger", json=body), 404, "MODEL_NOT_FOUND")
        assert_error(wire.call("DELETE", f"/model/{model_id}/retrain-trigger"), 404, "MODEL_NOT_FOUND")
    team.outsider.ok("POST", f"/model/{theirs}/retrain-trigger", json=trigger_body("gcp_pubsub", their_creds))
    assert team.outsider.ok("GET", f"/model/{theirs}")["retrain_trigger"]["credentials_id"] == their_creds


def test_credentials_used_by_a_trigger_cannot_be_deleted(bench: Bench) -> None:
    azure = new_credentials(bench.team.owner, bench.team.project_id, "azure")
    model_id = new_model(bench.team.owner, bench.task_id)
    bench.team.owner.ok("POST", f"/model/{model_id}/retrain-trigger", json=trigger_body("azure_event_grid", azure))
    response = bench.team.owner.call("DELETE", f"/integration/credentials/{azure}")
    assert "retrain trigger" in assert_error(response, 409, "CONFLICT")["errorMessage"]
    assert bench.team.owner.ok("GET", f"/integration/credentials/{azure}")["credentials_id"] == azure
    bench.team.owner.ok("DELETE", f"/model/{model_id}/retrain-trigger")
    bench.team.owner.ok("DELETE", f"/integration/credentials/{azure}")


def test_our_client_reports_a_wrong_trigger(bench: Bench) -> None:
    client = ML3PlatformClient(url=bench.team.platform.url, api_key=bench.team.owner.api_key)
    with pytest.raises(SDKClientException) as err:
        client.set_retrain_trigger(bench.model_id, GCPPubSubRetrainTrigger(credentials_id=bench.creds["aws"],
                                                                           topic_name="retrain"))
    assert err.value.error_code == "INVALID_PARAMETERS" and "needs gcp" in err.value.error_message


# --- RBAC ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rbac_bench(platform: Platform) -> Bench:
    return make_bench(platform)


ACTIONS = {
    "set": lambda b, w: w.call("POST", f"/model/{b.model_id}/retrain-trigger",
                               json=trigger_body("gcp_pubsub", b.creds["gcp"], topic_name="other-topic")),
    "remove": lambda b, w: w.call("DELETE", f"/model/{b.model_id}/retrain-trigger"),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_trigger_rbac(rbac_bench: Bench, action: str, role: str) -> None:
    current = trigger_body("aws_event_bridge", rbac_bench.creds["aws"])
    rbac_bench.team.owner.ok("POST", f"/model/{rbac_bench.model_id}/retrain-trigger", json=current)
    response = ACTIONS[action](rbac_bench, wire_of(rbac_bench.team, role))
    if role in WORKERS:
        assert 200 <= response.status_code < 300, (action, role, response.text)
        return
    assert_error(response, 404 if role == "outsider" else 403)
    assert rbac_bench.trigger() == current
