"""Detection event rules over real HTTP: every action type, both request shapes, validation, matching and RBAC."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import (
    DetectionEventSeverity,
    DetectionEventType,
    MonitoringMetric,
    MonitoringTarget,
)
from mlcube_nb.exceptions import CreateDetectionEventRuleException
from mlcube_nb.models import EmailNotificationAction, MqttNotificationAction, SlackNotificationAction
from mlcube_nb.server.db.engine import make_session_factory
from mlcube_nb.server.db.tables import DetectionEventRuleRow
from mlcube_nb.server.db.tables.monitoring import DetectionEventRow
from mlcube_nb.server.services.integrations.rule_matching import rule_matches
from tests.conftest import Platform
from tests.server.conftest import Team, make_team
from tests.server.integration_helpers import SLACK, new_credentials, rule_body, trigger_body
from tests.server.task_helpers import READERS, ROLES, WORKERS, new_model, new_task, unique, wire_of
from tests.wire import Wire, assert_error

ACTION_KEYS = {
    "discord_notification": {"type", "webhook"}, "slack_notification": {"type", "webhook"},
    "email_notification": {"type", "address"}, "teams_notification": {"type", "webhook"},
    "mqtt_notification": {"type", "connection_string", "topic"},
    "aws_event_bridge_notification": {"type", "credentials_id", "aws_region_name", "event_bus_name"},
    "gcp_pubsub_notification": {"type", "credentials_id", "topic_name"},
    "azure_event_grid_notification": {"type", "credentials_id", "topic_endpoint"},
    "retrain": {"type"}, "new_plot_configuration": {"type"},
}
"""The exact key set of each action type in a response (PLATFORM.md §5.14)."""


@dataclass
class Scene:
    """A team whose project has a task with one model (with a retrain trigger) and credentials of each type."""

    team: Team
    task_id: str
    model_id: str
    model_name: str
    creds: dict[str, str]

    @property
    def owner(self) -> Wire:
        return self.team.owner

    def rules(self, task_id: str | None = None) -> list[dict]:
        return self.owner.ok("GET", "/task/detection-event/rules", params={"task_id": task_id or self.task_id})

    def every_action(self) -> list[dict]:
        return [
            {"type": "discord_notification", "webhook": "https://discord.com/api/webhooks/1/abc"},
            SLACK,
            {"type": "email_notification", "address": "ml-ops@example.com"},
            {"type": "teams_notification", "webhook": "https://acme.webhook.office.com/webhookb2/x"},
            {"type": "mqtt_notification", "connection_string": "mqtts://broker.example.com:8883",
             "topic": "mlcube/alerts"},
            {"type": "aws_event_bridge_notification", "credentials_id": self.creds["aws"],
             "aws_region_name": "eu-west-1", "event_bus_name": "default"},
            {"type": "gcp_pubsub_notification", "credentials_id": None, "topic_name": "drift-events"},
            {"type": "azure_event_grid_notification", "credentials_id": self.creds["azure"],
             "topic_endpoint": "https://drift.westeurope-1.eventgrid.azure.net/api/events"},
            {"type": "retrain"},
            {"type": "new_plot_configuration"},
        ]


def make_scene(platform: Platform) -> Scene:
    team = make_team(platform)
    task_id = new_task(team.owner, team.project_id)
    name = unique("m")
    model_id = new_model(team.owner, task_id, name=name)
    creds = {kind: new_credentials(team.owner, team.project_id, kind, default=True)
             for kind in ("aws", "aws_compatible", "gcp", "azure")}
    team.owner.ok("POST", f"/model/{model_id}/retrain-trigger", json=trigger_body("gcp_pubsub", creds["gcp"]))
    return Scene(team, task_id, model_id, name, creds)


@pytest.fixture(scope="module")
def scene(platform: Platform) -> Scene:
    return make_scene(platform)


# --- happy paths ---------------------------------------------------------------------------------------------


def test_every_action_type_round_trips_with_exact_keys(scene: Scene) -> None:
    actions = scene.every_action()
    body = rule_body(scene.task_id, actions, severity="medium", detection_event_type="drift_on")
    rule_id = scene.owner.ok("POST", "/task/detection-event/rule", json=body)
    rule = scene.owner.ok("GET", f"/task/detection-event/rule/{rule_id}")
    assert rule == {"rule_id": rule_id, "name": body["name"], "task_id": scene.task_id, "model_name": None,
                    "severity": "medium", "detection_event_type": "drift_on", "actions": actions,
                    "monitoring_targets": [], "monitoring_metrics": {}, "monitoring_evaluation_metrics": [],
                    "generic_monitoring_dimensions": [], "segment_ids": []}
    assert [set(a) for a in rule["actions"]] == [ACTION_KEYS[a["type"]] for a in actions]
    assert rule in scene.rules()


def test_seed_shaped_rules_through_our_client(scene: Scene) -> None:
    client = ML3PlatformClient(url=scene.team.platform.url, api_key=scene.owner.api_key)
    slack = SlackNotificationAction(webhook=SLACK["webhook"])
    plain = client.create_detection_event_rule("plain", scene.task_id, None, DetectionEventType.WARNING_ON,
                                               MonitoringTarget.INPUT, [slack])
    rule = client.get_detection_event_rule(plain)
    assert (rule.monitoring_targets, rule.monitoring_metrics, rule.actions) == ([MonitoringTarget.INPUT], {}, [slack])
    metric = client.create_detection_event_rule(
        "metric", scene.task_id, DetectionEventSeverity.HIGH, DetectionEventType.DRIFT_ON, MonitoringTarget.ERROR,
        [slack], monitoring_metric=MonitoringMetric.LOG_LIKELIHOOD, model_name=scene.model_name)
    rule = client.get_detection_event_rule(metric)
    assert (rule.monitoring_targets, rule.monitoring_metrics, rule.model_name, rule.severity) == (
        [], {MonitoringTarget.ERROR: [MonitoringMetric.LOG_LIKELIHOOD]}, scene.model_name,
        DetectionEventSeverity.HIGH)

    client.update_detection_event_rule(metric, name="renamed")  # the seed's partial update keeps the rest
    renamed = client.get_detection_event_rule(metric)
    assert renamed.name == "renamed" and renamed.model_dump(exclude={"name"}) == rule.model_dump(exclude={"name"})
    email = EmailNotificationAction(address="ops@example.com")
    client.update_detection_event_rule(metric, actions=[email, slack],
                                       detection_event_type=DetectionEventType.WARNING_ON)
    updated = client.get_detection_event_rule(metric)
    assert (updated.name, updated.actions, updated.detection_event_type, updated.severity) == (
        "renamed", [email, slack], DetectionEventType.WARNING_ON, None)  # severity only exists on drift_on
    assert {r.rule_id for r in client.get_detection_event_rules(scene.task_id)} >= {plain, metric}


def test_v1_update_replaces_the_whole_rule(scene: Scene) -> None:
    body = rule_body(scene.task_id, [SLACK], severity="low", detection_event_type="drift_on",
                     monitoring_targets=["input"], monitoring_evaluation_metrics=["rmse"], segment_ids=[None, "s1"])
    rule_id = scene.owner.ok("POST", "/task/detection-event/rule", json=body)
    mqtt = {"type": "mqtt_notification", "connection_string": "mqtt://10.0.0.5", "topic": "drift"}
    update = {**rule_body(scene.task_id, [mqtt], name="v1 name", detection_event_type="drift_off"),
              "rule_id": rule_id}
    del update["task_id"]
    assert scene.owner.ok("PATCH", "/task/detection-event/rule", json=update) == rule_id
    rule = scene.owner.ok("GET", f"/task/detection-event/rule/{rule_id}")
    assert rule == {"rule_id": rule_id, "name": "v1 name", "task_id": scene.task_id, "model_name": None,
                    "severity": None, "detection_event_type": "drift_off", "actions": [mqtt],
                    "monitoring_targets": [], "monitoring_metrics": {}, "monitoring_evaluation_metrics": [],
                    "generic_monitoring_dimensions": [], "segment_ids": []}


def _row(platform: Platform, rule_id: str) -> DetectionEventRuleRow:
    with make_session_factory(platform.handle.engine)() as session:
        row = session.get(DetectionEventRuleRow, rule_id)
        assert row is not None
        session.expunge(row)
        return row


def test_stored_rules_are_what_the_matcher_reads(scene: Scene) -> None:
    body = rule_body(scene.task_id, [SLACK], severity="medium", detection_event_type="drift_on",
                     monitoring_targets=["input"], monitoring_metrics={"prediction": ["model_entropy"]},
                     segment_ids=[None, "north"])
    row = _row(scene.team.platform, scene.owner.ok("POST", "/task/detection-event/rule", json=body))

    def event(**over: object) -> DetectionEventRow:
        fields = {"task_id": scene.task_id, "event_type": "drift_on", "monitoring_target": "input",
                  "monitoring_metric": None, "evaluation_metric": None, "severity": "high", "model_name": None,
                  "segment_id": None}
        return DetectionEventRow(**{**fields, **over})

    assert rule_matches(row, event()) and rule_matches(row, event(segment_id="north"))
    assert rule_matches(row, event(monitoring_target="prediction", monitoring_metric="model_entropy"))
    for other in (event(severity="low"), event(segment_id="south"), event(monitoring_target="concept"),
                  event(event_type="warning_on"), event(task_id="elsewhere")):
        assert not rule_matches(row, other)
    anything = _row(scene.team.platform, scene.owner.ok("POST", "/task/detection-event/rule",
                                                        json=rule_body(scene.task_id, [SLACK])))
    assert rule_matches(anything, event(event_type="warning_on", severity=None, monitoring_target="concept"))


def test_retrain_needs_a_model_with_a_trigger(scene: Scene) -> None:
    task_id = new_task(scene.owner, scene.team.project_id)
    first, second = unique("m"), unique("m")
    first_id = new_model(scene.owner, task_id, name=first)
    new_model(scene.owner, task_id, name=second)
    retrain = [{"type": "retrain"}]
    cases = [({}, "model_name"), ({"model_name": first}, "no retrain trigger")]
    for over, fragment in cases:
        response = scene.owner.call("POST", "/task/detection-event/rule", json=rule_body(task_id, retrain, **over))
        assert fragment in assert_error(response, 400, "INVALID_PARAMETERS")["errorMessage"]
    assert scene.rules(task_id) == []
    scene.owner.ok("POST", f"/model/{first_id}/retrain-trigger",
                   json=trigger_body("aws_event_bridge", scene.creds["aws_compatible"]))
    rule_id = scene.owner.ok("POST", "/task/detection-event/rule", json=rule_body(task_id, retrain, model_name=first))
    assert [r["rule_id"] for r in scene.rules(task_id)] == [rule_id]


def test_null_credentials_need_a_project_default(scene: Scene) -> None:
    project = scene.owner.ok("POST", "/project", json={"name": unique("p"), "description": None,
                                                       "default_storage_policy": "mlcube"})
    task_id = new_task(scene.owner, project)
    pubsub = [{"type": "gcp_pubsub_notification", "credentials_id": None, "topic_name": "drift-events"}]
    gcp = new_credentials(scene.owner, project, "gcp")
    response = scene.owner.call("POST", "/task/detection-event/rule", json=rule_body(task_id, pubsub))
    assert "no default gcp" in assert_error(response, 400, "INVALID_PARAMETERS")["errorMessage"]
    scene.owner.ok("POST", f"/integration/credentials/{gcp}/default")
    scene.owner.ok("POST", "/task/detection-event/rule", json=rule_body(task_id, pubsub))


def test_credentials_used_by_a_rule_cannot_be_deleted(scene: Scene) -> None:
    azure = new_credentials(scene.owner, scene.team.project_id, "azure")
    grid = {"type": "azure_event_grid_notification", "credentials_id": azure,
            "topic_endpoint": "https://t.westeurope-1.eventgrid.azure.net/api/events"}
    body = rule_body(scene.task_id, [grid])
    rule_id = scene.owner.ok("POST", "/task/detection-event/rule", json=body)
    response = scene.owner.call("DELETE", f"/integration/credentials/{azure}")
    assert body["name"] in assert_error(response, 409, "CONFLICT")["errorMessage"]
    scene.owner.ok("DELETE", f"/task/detection-event/rule/{rule_id}")
    assert_error(scene.owner.call("GET", f"/task/detection-event/rule/{rule_id}"), 404, "RULE_NOT_FOUND")
    assert_error(scene.owner.call("DELETE", f"/task/detection-event/rule/{rule_id}"), 404, "RULE_NOT_FOUND")
    scene.owner.ok("DELETE", f"/integration/credentials/{azure}")


# --- validation ----------------------------------------------------------------------------------------------

A = "actions[0]"
BAD_ACTIONS = [
    ({"type": "discord_notification", "webhook": "discord"}, 400, "INVALID_PARAMETERS",
     f"{A} (discord_notification).webhook"),
    ({"type": "slack_notification", "webhook": "ftp://hooks.slack.com/x"}, 400, "INVALID_PARAMETERS", "webhook"),
    ({"type": "teams_notification", "webhook": "https://"}, 400, "INVALID_PARAMETERS", "webhook"),
    ({"type": "teams_notification", "webhook": "https://host:99999/x"}, 400, "INVALID_PARAMETERS", "webhook"),
    ({"type": "email_notification", "address": "ops"}, 400, "INVALID_PARAMETERS", "address"),
    ({"type": "email_notification", "address": "a@b.com, c@d.com"}, 400, "INVALID_PARAMETERS", "address"),
    ({"type": "mqtt_notification", "connection_string": "http://broker", "topic": "t"}, 400, "INVALID_PARAMETERS",
     "connection_string"),
    ({"type": "mqtt_notification", "connection_string": "mqtt://user:pw@broker", "topic": "t"}, 400,
     "INVALID_PARAMETERS", "user name or password"),
    ({"type": "mqtt_notification", "connection_string": "mqtt://broker:0", "topic": "t"}, 400, "INVALID_PARAMETERS",
     "connection_string"),
    ({"type": "mqtt_notification", "connection_string": "mqtt://broker", "topic": "alerts/#"}, 400,
     "INVALID_PARAMETERS", "topic"),
    ({"type": "mqtt_notification", "connection_string": "mqtt://broker", "topic": ""}, 400, "INVALID_PARAMETERS",
     "topic"),
    ({"type": "mqtt_notification", "connection_string": "mqtt://broker"}, 422, "INVALID_REQUEST", "topic"),
    ({"type": "aws_event_bridge_notification", "credentials_id": None, "aws_region_name": "Europe",
      "event_bus_name": "default"}, 400, "INVALID_PARAMETERS", "aws_region_name"),
    ({"type": "aws_event_bridge_notification", "credentials_id": None, "aws_region_name": "eu-west-1",
      "event_bus_name": "bad bus!"}, 400, "INVALID_PARAMETERS", "event_bus_name"),
    ({"type": "aws_event_bridge_notification", "credentials_id": "gcp", "aws_region_name": "eu-west-1",
      "event_bus_name": "default"}, 400, "INVALID_PARAMETERS", "needs aws or aws_compatible"),
    ({"type": "aws_event_bridge_notification", "credentials_id": "0" * 32, "aws_region_name": "eu-west-1",
      "event_bus_name": "default"}, 404, "CREDENTIALS_NOT_FOUND", "credentials_id"),
    ({"type": "aws_event_bridge_notification", "credentials_id": "foreign", "aws_region_name": "eu-west-1",
      "event_bus_name": "default"}, 404, "CREDENTIALS_NOT_FOUND", "credentials_id"),
    ({"type": "gcp_pubsub_notification", "credentials_id": None, "topic_name": "9lives"}, 400,
     "INVALID_PARAMETERS", "topic_name"),
    ({"type": "gcp_pubsub_notification", "credentials_id": "azure", "topic_name": "drift"}, 400,
     "INVALID_PARAMETERS", "needs gcp"),
    ({"type": "azure_event_grid_notification", "credentials_id": None, "topic_endpoint": "grid"}, 400,
     "INVALID_PARAMETERS", "topic_endpoint"),
    ({"type": "azure_event_grid_notification", "credentials_id": "aws",
      "topic_endpoint": "https://t.westeurope-1.eventgrid.azure.net/api/events"}, 400, "INVALID_PARAMETERS",
     "needs azure"),
    ({"type": "sms_notification", "number": "+3912345"}, 422, "INVALID_REQUEST", "actions"),
]


def _resolve(scene: Scene, action: dict) -> dict:
    """Replace the placeholders of BAD_ACTIONS by the scene's (or another company's) credentials ids."""
    credentials_id = action.get("credentials_id")
    if credentials_id == "foreign":
        foreign = new_credentials(scene.team.outsider, scene.team.other_project_id, "aws")
        return {**action, "credentials_id": foreign}
    if credentials_id in scene.creds:
        return {**action, "credentials_id": scene.creds[credentials_id]}
    return action


@pytest.mark.parametrize(("action", "status", "code", "fragment"), BAD_ACTIONS)
def test_bad_actions_are_refused_on_create_and_update(scene: Scene, action: dict, status: int, code: str,
                                                      fragment: str) -> None:
    action = _resolve(scene, action)
    before = scene.rules()
    error = assert_error(scene.owner.call("POST", "/task/detection-event/rule",
                                          json=rule_body(scene.task_id, [action])), status, code)
    assert fragment in error["errorMessage"]
    assert scene.rules() == before
    rule_id = scene.owner.ok("POST", "/task/detection-event/rule", json=rule_body(scene.task_id, [SLACK]))
    stored = scene.owner.ok("GET", f"/task/detection-event/rule/{rule_id}")
    update = scene.owner.call("PATCH", "/task/detection-event/rule", json={"rule_id": rule_id, "actions": [action]})
    assert_error(update, status, code)
    assert scene.owner.ok("GET", f"/task/detection-event/rule/{rule_id}") == stored


BAD_RULES = [
    ({"model_name": "ghost"}, 404, "MODEL_NOT_FOUND", "ghost"),
    ({"severity": "high", "detection_event_type": "warning_on"}, 400, "INVALID_PARAMETERS", "severity"),
    ({"actions": []}, 400, "INVALID_PARAMETERS", "at least one action"),
    ({"monitoring_metrics": {"input": []}}, 400, "INVALID_PARAMETERS", "monitoring_metrics.input"),
    ({"monitoring_targets": ["weather"]}, 422, "INVALID_REQUEST", "monitoring_targets"),
    ({"detection_event_type": "drift_maybe"}, 422, "INVALID_REQUEST", "detection_event_type"),
    ({"name": " "}, 422, "INVALID_REQUEST", "name"),
    ({"task_id": "0" * 32}, 404, "TASK_NOT_FOUND", "not found"),
]


@pytest.mark.parametrize(("over", "status", "code", "fragment"), BAD_RULES)
def test_bad_rules_are_refused_and_change_nothing(scene: Scene, over: dict, status: int, code: str,
                                                  fragment: str) -> None:
    before = scene.rules()
    body = {**rule_body(scene.task_id, [SLACK]), **over}
    assert fragment in assert_error(scene.owner.call("POST", "/task/detection-event/rule", json=body), status,
                                    code)["errorMessage"]
    assert scene.rules() == before


def test_unknown_and_foreign_rules_are_not_found(scene: Scene) -> None:
    team = scene.team
    mine = scene.owner.ok("POST", "/task/detection-event/rule", json=rule_body(scene.task_id, [SLACK]))
    their_task = new_task(team.outsider, team.other_project_id)
    theirs = team.outsider.ok("POST", "/task/detection-event/rule", json=rule_body(their_task, [SLACK]))
    for wire, rule_id in ((team.owner, "0" * 32), (team.owner, theirs), (team.outsider, mine)):
        assert_error(wire.call("GET", f"/task/detection-event/rule/{rule_id}"), 404, "RULE_NOT_FOUND")
        assert_error(wire.call("DELETE", f"/task/detection-event/rule/{rule_id}"), 404, "RULE_NOT_FOUND")
        assert_error(wire.call("PATCH", "/task/detection-event/rule", json={"rule_id": rule_id, "name": "x"}), 404,
                     "RULE_NOT_FOUND")
    assert_error(team.owner.call("GET", "/task/detection-event/rules", params={"task_id": their_task}), 404,
                 "TASK_NOT_FOUND")
    assert_error(team.owner.call("POST", "/task/detection-event/rule", json=rule_body(their_task, [SLACK])), 404,
                 "TASK_NOT_FOUND")
    assert [r["rule_id"] for r in team.outsider.ok("GET", "/task/detection-event/rules",
                                                   params={"task_id": their_task})] == [theirs]


def test_our_client_maps_rule_errors(scene: Scene) -> None:
    client = ML3PlatformClient(url=scene.team.platform.url, api_key=scene.owner.api_key)
    mqtt = MqttNotificationAction(connection_string="tcp://broker", topic="t")
    with pytest.raises(CreateDetectionEventRuleException) as err:
        client.create_detection_event_rule("bad", scene.task_id, None, DetectionEventType.WARNING_ON, None, [mqtt])
    assert err.value.error_code == "INVALID_PARAMETERS" and "mqtt://" in err.value.error_message


# --- RBAC ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rbac_scene(platform: Platform) -> Scene:
    scene = make_scene(platform)
    scene.team.ids["rule"] = scene.owner.ok("POST", "/task/detection-event/rule",
                                            json=rule_body(scene.task_id, [SLACK]))
    return scene


def _fresh_rule(scene: Scene) -> str:
    return scene.owner.ok("POST", "/task/detection-event/rule", json=rule_body(scene.task_id, [SLACK]))


ACTIONS = {
    "get": (lambda s, w, _: w.call("GET", f"/task/detection-event/rule/{s.team.ids['rule']}"), READERS),
    "list": (lambda s, w, _: w.call("GET", "/task/detection-event/rules", params={"task_id": s.task_id}), READERS),
    "create": (lambda s, w, _: w.call("POST", "/task/detection-event/rule", json=rule_body(s.task_id, [SLACK])),
               WORKERS),
    "update": (lambda s, w, rule: w.call("PATCH", "/task/detection-event/rule", json={"rule_id": rule, "name": "n"}),
               WORKERS),
    "delete": (lambda s, w, rule: w.call("DELETE", f"/task/detection-event/rule/{rule}"), WORKERS),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_rule_rbac(rbac_scene: Scene, action: str, role: str) -> None:
    call, allowed = ACTIONS[action]
    fresh = _fresh_rule(rbac_scene)
    before = rbac_scene.rules()
    response = call(rbac_scene, wire_of(rbac_scene.team, role), fresh)
    if role in allowed:
        assert 200 <= response.status_code < 300, (action, role, response.text)
        return
    assert_error(response, 404 if role == "outsider" else 403)
    assert rbac_scene.rules() == before
