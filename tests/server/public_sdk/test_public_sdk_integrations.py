"""The public ``ml3-platform-sdk`` client creates and reads back credentials, rules and triggers on our server."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Platform
from tests.server.integration_helpers import account_info
from tests.server.task_helpers import new_model, new_task, unique
from tests.wire import Wire

sdk = pytest.importorskip("ml3_platform_sdk.client")
sdk_enums = pytest.importorskip("ml3_platform_sdk.enums")
sdk_models = pytest.importorskip("ml3_platform_sdk.models")
sdk_exceptions = pytest.importorskip("ml3_platform_sdk.exceptions")

# v1 reads rule actions through pydantic's deprecated ``__fields__``: its warning, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:The `__fields__` attribute is deprecated:DeprecationWarning")


@pytest.fixture
def v1(platform: Platform):
    """The public client for a fresh company's owner, a project, and a raw wire with the same key."""
    _, key = platform.new_user("v1")
    owner = Wire(platform.url, key)
    owner.ok("POST", "/company", json={"name": "V1 Integrations", "address": "Via Roma 2", "vat": "IT0003"})
    client = sdk.ML3PlatformClient(url=platform.url, api_key=key, timeout=30)
    project_id = client.create_project(name=unique("v1"), description=None,
                                       default_storage_policy=sdk_enums.StoragePolicy.MLCUBE)
    return client, project_id, owner


def test_public_sdk_credentials(v1) -> None:
    client, project_id, _ = v1
    E, M = sdk_enums, sdk_models
    aws = client.create_aws_integration_credentials(name="role", default=True, project_id=project_id,
                                                    role_arn="arn:aws:iam::123456789012:role/retrain")
    assert isinstance(aws, M.SecretAWSCredentials) and "sts:ExternalId" in aws.trust_policy
    gcp = client.create_gcp_integration_credentials("gcp", False, project_id, json.dumps(account_info()),
                                                    ["https://www.googleapis.com/auth/pubsub"])
    assert (gcp.type, gcp.gcp_project_id, gcp.client_id) == (E.ExternalIntegration.GCP, "acme-ml", "1098765432")
    principal = {"appId": "app-9", "displayName": "retrainer", "password": "sp-password", "tenant": "tenant-9"}
    azure = client.create_azure_integration_credentials("azure", True, project_id, json.dumps(principal))
    assert (azure.app_id, azure.display_name, azure.tenant, azure.default) == ("app-9", "retrainer", "tenant-9", True)

    fetched = client.get_integration_credentials(aws.credentials_id)
    assert type(fetched) is M.AWSCredentials and fetched.role_arn == aws.role_arn and fetched.default is True
    assert type(client.get_integration_credentials(gcp.credentials_id)) is M.GCPCredentials
    listed = client.get_all_project_integration_credentials(project_id)
    assert [(type(c), c.credentials_id) for c in listed] == [
        (M.AWSCredentials, aws.credentials_id), (M.GCPCredentials, gcp.credentials_id),
        (M.AzureCredentials, azure.credentials_id)]
    client.set_integration_credentials_as_default(gcp.credentials_id)
    assert client.get_integration_credentials(gcp.credentials_id).default is True
    client.delete_integration_credentials(azure.credentials_id)
    assert len(client.get_all_project_integration_credentials(project_id)) == 2

    s3 = client.create_aws_compatible_integration_credentials("minio", False, project_id, "AKIA2", "s3-secret",
                                                              endpoint_url="http://127.0.0.1:9000")
    assert type(client.get_integration_credentials(s3.credentials_id)) is M.AWSCompatibleCredentials
    with pytest.raises(NotImplementedError):  # v1's list parser has no aws_compatible branch (PLATFORM.md #79)
        client.get_all_project_integration_credentials(project_id)

    with pytest.raises(sdk_exceptions.SDKClientException) as err:
        client.create_aws_integration_credentials(name="bad", default=False, project_id=project_id, role_arn="x")
    assert err.value.error_code == "INVALID_PARAMETERS" and "role_arn" in err.value.error_message
    with pytest.raises(sdk_exceptions.SDKClientException) as err:
        client.create_gcp_integration_credentials("gcp", False, project_id, json.dumps(account_info()), None)
    assert err.value.error_code == "ALREADY_EXISTS"


def test_public_sdk_rule_and_trigger(v1) -> None:
    client, project_id, owner = v1
    E, M = sdk_enums, sdk_models
    task_id = new_task(owner, project_id)
    model_id = new_model(owner, task_id)
    aws = client.create_aws_integration_credentials(name="role", default=True, project_id=project_id,
                                                    role_arn="arn:aws:iam::123456789012:role/retrain")
    trigger = M.AWSEventBridgeRetrainTrigger(credentials_id=aws.credentials_id, aws_region_name="eu-west-1",
                                             event_bus_name="retraining")
    client.set_retrain_trigger(model_id, trigger)
    assert client.get_model(model_id).retrain_trigger == trigger

    actions = [
        M.SlackNotificationAction(webhook="https://hooks.slack.com/services/T/B/X"),
        M.EmailNotificationAction(address="ops@example.com"),
        M.MqttNotificationAction(connection_string="mqtt://broker.example.com:1883", topic="mlcube/drift"),
        M.AWSEventBridgeNotificationAction(credentials_id=None, aws_region_name="eu-west-1", event_bus_name="default"),
        M.DetectionEventAction(type=E.DetectionEventActionType.RETRAIN),
    ]
    rule_id = client.create_detection_event_rule(
        name="drift", task_id=task_id, detection_event_type=E.DetectionEventType.DRIFT_ON, actions=actions,
        severity=E.DetectionEventSeverity.HIGH, monitoring_targets=[E.MonitoringTarget.INPUT],
        segment_ids=[None])
    rule = client.get_detection_event_rule(rule_id)
    assert [type(a) for a in rule.actions] == [type(a) for a in actions]
    assert rule.actions[:4] == actions[:4] and rule.actions[4].type == E.DetectionEventActionType.RETRAIN
    assert (rule.monitoring_targets, rule.monitoring_metrics, rule.monitoring_evaluation_metrics,
            rule.generic_monitoring_dimensions, rule.segment_ids, rule.severity) == (
        [E.MonitoringTarget.INPUT], {}, [], [], [None], E.DetectionEventSeverity.HIGH)
    assert [r.rule_id for r in client.get_detection_event_rules(task_id)] == [rule_id]

    answer = client.update_detection_event_rule(rule_id=rule_id, detection_event_type=E.DetectionEventType.WARNING_ON,
                                                actions=actions[:1], name="warnings")
    assert answer == rule_id
    rule = client.get_detection_event_rule(rule_id)
    assert (rule.name, rule.severity, rule.actions, rule.monitoring_targets, rule.segment_ids) == (
        "warnings", None, actions[:1], [], [])

    with pytest.raises(sdk_exceptions.CreateDetectionEventRuleException) as err:
        client.create_detection_event_rule(name="bad", task_id=task_id,
                                           detection_event_type=E.DetectionEventType.WARNING_ON,
                                           actions=[M.DiscordNotificationAction(webhook="not a url")])
    assert err.value.error_code == "INVALID_PARAMETERS" and "webhook" in err.value.error_message
    client.delete_detection_event_rule(rule_id)
    assert client.get_detection_event_rules(task_id) == []

    client.set_retrain_trigger(model_id, None)
    assert client.get_model(model_id).retrain_trigger is None
