"""The wire contract (enums, models, exceptions): exact wire names, unions, v1 compatibility, isolation."""

from __future__ import annotations

import enum
import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from mlcube_nb import enums, exceptions, models
from mlcube_nb.enums import DetectionEventSeverity, ErrorCode

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "mlcube_nb"
V1_ONLY_ENUMS = {"ErrorCode"}  # ours only; every other enum must equal v1's member for member


# --- enums -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enum_cls", "count"),
    [
        (enums.TaskType, 10),
        (enums.MonitoringTarget, 13),
        (enums.MonitoringMetric, 34),
        (enums.MonitoringEvaluationMetric, 18),
        (enums.DetectionEventActionType, 10),
        (enums.ExternalIntegration, 9),
        (enums.ColumnRole, 13),
        (enums.ColumnSubRole, 14),
        (enums.DataCategory, 10),
    ],
)
def test_enum_sizes_match_platform_md(enum_cls: type[enum.Enum], count: int) -> None:
    assert len(enum_cls) == count


def test_enums_equal_v1_member_for_member() -> None:
    v1_enums = pytest.importorskip("ml3_platform_sdk.enums")
    v1_core = pytest.importorskip("ml3_platform_sdk.core.enums")
    for name in enums.__all__:
        if name in V1_ONLY_ENUMS:
            continue
        v1_cls = getattr(v1_enums, name, None) or getattr(v1_core, name)
        ours = getattr(enums, name)
        assert [(m.name, m.value) for m in ours] == [(m.name, m.value) for m in v1_cls], name


def test_str_enums_print_their_value_and_plain_enums_stay_plain() -> None:
    assert str(enums.ProductKeyStatus.IN_USE) == "in use"
    assert f"{enums.ExternalIntegration.AZURE_OPENAI}" == "azure-openai"
    assert enums.UserCompanyRole.COMPANY_OWNER == "COMPANY_OWNER"
    for plain in (enums.DataBatchType, enums.DataCategory, enums.RawDataSourceType):
        assert not issubclass(plain, str)
    assert enums.RawDataSourceType.ABS.value == "azure_blob_storage"


def test_severity_rank_orders_low_medium_high() -> None:
    ranked = sorted(DetectionEventSeverity, key=lambda s: s.rank)
    assert ranked == [DetectionEventSeverity.LOW, DetectionEventSeverity.MEDIUM, DetectionEventSeverity.HIGH]


def test_error_codes_are_their_own_names() -> None:
    assert all(code.value == code.name for code in ErrorCode)
    for required in ("USER_ALREADY_IN_COMPANY", "SCHEMA_IMMUTABLE", "CHECKSUM_MISMATCH", "JOB_WAIT_TIMEOUT"):
        assert ErrorCode(required).value == required


# --- unions ----------------------------------------------------------------------------------------------

COST_INFOS = [
    ({"currency": "euro", "overestimation_cost": 1.0, "underestimation_cost": 2.0}, "RegressionTaskCostInfo"),
    (
        {"currency": "dollar", "false_positive_cost": 1.0, "false_negative_cost": 3.0},
        "BinaryClassificationTaskCostInfo",
    ),
    (
        {"currency": "euro", "misclassification_cost": {"a": 1.0, "b": 2.0}},
        "MulticlassClassificationTaskCostInfo",
    ),
    (
        {"currency": "euro", "false_positive_costs": {"x": 1.0}, "false_negative_costs": {"x": 2.0}},
        "MultilabelClassificationTaskCostInfo",
    ),
]


@pytest.mark.parametrize(("body", "cls_name"), COST_INFOS)
def test_cost_info_union_picks_variant_by_shape(body: dict[str, Any], cls_name: str) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(models.TaskCostInfoUnion)
    parsed = adapter.validate_json(json.dumps(body))
    assert type(parsed).__name__ == cls_name
    assert adapter.dump_python(parsed, mode="json") == body


def test_cost_info_with_currency_only_is_rejected() -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(models.TaskCostInfoUnion).validate_python({"currency": "euro"})


ACTIONS = [
    ({"type": "discord_notification", "webhook": "https://d"}, models.DiscordNotificationAction),
    ({"type": "slack_notification", "webhook": "https://s"}, models.SlackNotificationAction),
    ({"type": "email_notification", "address": "a@b.c"}, models.EmailNotificationAction),
    ({"type": "teams_notification", "webhook": "https://t"}, models.TeamsNotificationAction),
    (
        {"type": "mqtt_notification", "connection_string": "mqtt://h", "topic": "t"},
        models.MqttNotificationAction,
    ),
    (
        {
            "type": "aws_event_bridge_notification",
            "credentials_id": None,
            "aws_region_name": "eu-west-1",
            "event_bus_name": "bus",
        },
        models.AWSEventBridgeNotificationAction,
    ),
    (
        {"type": "gcp_pubsub_notification", "credentials_id": "c", "topic_name": "t"},
        models.GCPPubSubNotificationAction,
    ),
    (
        {"type": "azure_event_grid_notification", "credentials_id": None, "topic_endpoint": "https://e"},
        models.AzureEventGridNotificationAction,
    ),
    ({"type": "retrain"}, models.RetrainAction),
    ({"type": "new_plot_configuration"}, models.NewPlotConfigurationAction),
]


@pytest.mark.parametrize(("body", "cls"), ACTIONS)
def test_action_union_round_trips_by_type_with_exact_keys(body: dict[str, Any], cls: type[BaseModel]) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(models.DetectionEventActionUnion)
    parsed = adapter.validate_json(json.dumps(body))
    assert type(parsed) is cls
    assert adapter.dump_python(parsed, mode="json") == body  # v1 maps an action only on an exact key set


CREDENTIALS = [
    ({"type": "aws", "role_arn": "arn:aws:iam::1:role/r"}, models.AWSCredentials),
    (
        {"type": "aws_compatible", "access_key_id": "AK", "endpoint_url": None},
        models.AWSCompatibleCredentials,
    ),
    ({"type": "gcp", "gcp_project_id": "p", "client_email": "e", "client_id": "i"}, models.GCPCredentials),
    ({"type": "azure", "app_id": "a", "display_name": "d", "tenant": "t"}, models.AzureCredentials),
    (
        {"type": "google-genai", "priority": 1, "provider": "google", "partial_api_key": "k"},
        models.GoogleGenAICredentials,
    ),
    (
        {
            "type": "azure-openai",
            "priority": 2,
            "provider": "azure_openai",
            "api_version": "v",
            "endpoint": "e",
            "partial_api_key": "k",
        },
        models.AzureOpenAICredentials,
    ),
    (
        {"type": "openai", "priority": 1, "provider": "openai", "partial_api_key": "k", "base_url": "u"},
        models.OpenAICredentials,
    ),
]


@pytest.mark.parametrize(("extra", "cls"), CREDENTIALS)
def test_credentials_union_round_trips_by_type(extra: dict[str, Any], cls: type[BaseModel]) -> None:
    body = {"credentials_id": "c1", "name": "n", "default": True, **extra}
    adapter: TypeAdapter[Any] = TypeAdapter(models.IntegrationCredentialsUnion)
    parsed = adapter.validate_json(json.dumps(body))
    assert type(parsed) is cls
    assert adapter.dump_python(parsed, mode="json") == body
    with pytest.raises(ValidationError):
        adapter.validate_python({**body, "type": "dropbox"})


TRIGGERS = [
    (
        {"type": "aws_event_bridge", "credentials_id": "c", "aws_region_name": "r", "event_bus_name": "b"},
        models.AWSEventBridgeRetrainTrigger,
    ),
    ({"type": "gcp_pubsub", "credentials_id": "c", "topic_name": "t"}, models.GCPPubSubRetrainTrigger),
    (
        {"type": "azure_event_grid", "credentials_id": "c", "topic_endpoint": "e"},
        models.AzureEventGridRetrainTrigger,
    ),
]


@pytest.mark.parametrize(("body", "cls"), TRIGGERS)
def test_trigger_union_round_trips_by_type(body: dict[str, Any], cls: type[BaseModel]) -> None:
    request = models.TestRetrainTriggerRequest.model_validate({"model_id": "m", "retrain_trigger": body})
    assert type(request.retrain_trigger) is cls
    assert request.model_dump(mode="json") == {"model_id": "m", "retrain_trigger": body}


# --- request bodies: what v1 sends parses; overlong input does not --------------------------------------

V1_HISTORICAL_BODY = (
    '{"task_id":"t","inputs":{"data_structure":"tabular","source":{"storing_process_id":"sp1"}},"metadata":null,'
    '"target":{"data_structure":"tabular","source":{"file_type":"csv","data_source_type":"aws_s3",'
    '"remote_path":"s3://b/x.csv","is_folder":false,"folder_type":null,"credentials_id":"c1",'
    '"storage_policy":null}},"predictions":[["m1",{"data_structure":"tabular","source":{"storing_process_id":"sp2"}}]],'
    '"data_batch_type":"training"}'
)


def test_v1_historical_body_from_platform_md_parses() -> None:
    body = models.AddHistoricalDataRequest.model_validate_json(V1_HISTORICAL_BODY)
    assert isinstance(body.inputs, models.TabularDataInfo)
    assert isinstance(body.inputs.source, models.LocalDataSourceInfo)
    assert isinstance(body.target, models.TabularDataInfo)
    assert isinstance(body.target.source, models.RemoteDataSourceInfo)
    assert body.predictions is not None and body.predictions[0][0] == "m1"
    assert body.data_batch_type is enums.DataBatchType.TRAINING


def test_bodies_built_by_v1_parse() -> None:
    v1 = pytest.importorskip("ml3_platform_sdk.core.requests")
    v1_models = pytest.importorskip("ml3_platform_sdk.models")
    action = v1_models.AWSEventBridgeNotificationAction(
        credentials_id=None, aws_region_name="r", event_bus_name="b"
    )
    sent = [
        (
            v1.CreateTaskRequest(
                project_id="p",
                name="t",
                tags=None,
                task_type="regression",
                data_structure="tabular",
                cost_info=None,
                optional_target=False,
            ),
            models.CreateTaskRequest,
        ),
        (
            v1.CreateDetectionEventRuleRequest(
                name="r",
                task_id="t",
                severity="high",
                detection_event_type="drift_on",
                monitoring_targets=None,
                monitoring_metrics={"input": ["text_length"]},
                monitoring_evaluation_metrics=None,
                generic_monitoring_dimensions=None,
                actions=[action.model_dump()],
                segment_ids=[None, "s1"],
            ),
            models.CreateDetectionEventRuleRequest,
        ),
        (
            v1.UpdateProjectRequest(project_id="p", name=None, description=None, default_storage_policy=None),
            models.UpdateProjectRequest,
        ),
        (
            v1.CreateModelRequest(
                task_id="t",
                name="m",
                version="v1",
                metric_name=None,
                retraining_cost=0.0,
                preferred_suggestion_type=None,
                resampled_dataset_size=None,
                with_probabilistic_output=False,
            ),
            models.CreateModelRequest,
        ),
        (
            v1.CreateAzureIntegrationCredentialsRequest(
                name="az",
                default=False,
                project_id="p",
                credentials=v1.AzureSPCredentials(appId="a", displayName="d", password="pw", tenant="t"),
            ),
            models.CreateAzureIntegrationCredentialsRequest,
        ),
    ]
    for v1_body, ours in sent:
        wire = v1_body.model_dump_json()
        parsed = ours.model_validate_json(wire)
        assert {k: v for k, v in json.loads(wire).items() if k in type(parsed).model_fields} == {
            k: v for k, v in parsed.model_dump(mode="json").items() if k in json.loads(wire)
        }
    rule = models.CreateDetectionEventRuleRequest.model_validate_json(sent[1][0].model_dump_json())
    assert isinstance(rule.actions[0], models.AWSEventBridgeNotificationAction)


def test_update_rule_accepts_seed_partial_body_and_v1_full_body() -> None:
    partial = models.UpdateDetectionEventRuleRequest.model_validate({"rule_id": "r", "name": "new"})
    assert partial.actions is None and partial.detection_event_type is None
    full = models.UpdateDetectionEventRuleRequest.model_validate(
        {
            "rule_id": "r",
            "name": "n",
            "severity": None,
            "detection_event_type": "warning_on",
            "monitoring_targets": None,
            "monitoring_metrics": None,
            "monitoring_evaluation_metrics": None,
            "generic_monitoring_dimensions": None,
            "actions": [{"type": "retrain"}],
            "segment_ids": None,
            "unknown_future_key": 1,
        }
    )
    assert isinstance(full.actions and full.actions[0], models.RetrainAction)


@pytest.mark.parametrize(
    ("cls", "body"),
    [
        (models.CreateCompanyRequest, {"name": "x" * 256, "address": "a", "vat": "v"}),
        (models.CreateCompanyRequest, {"name": "   ", "address": "a", "vat": "v"}),
        (models.CreateCompanyRequest, {"name": "n", "address": "a" * 256, "vat": "v"}),
        (
            models.CreateProjectRequest,
            {"name": "p", "description": "d" * 2001, "default_storage_policy": "mlcube"},
        ),
        (
            models.CreateTaskRequest,
            {"project_id": "p", "name": "", "task_type": "rag", "data_structure": "text"},
        ),
        (models.CreateModelRequest, {"task_id": "t", "name": "m", "version": "v/1", "retraining_cost": 0}),
        (
            models.CreateCompanyUserRequest,
            {
                "name": "a",
                "surname": "b",
                "username": "c",
                "password": "short",
                "email": "a@b.c",
                "company_role": "COMPANY_USER",
            },
        ),
        (
            models.CreateCompanyUserRequest,
            {
                "name": "a",
                "surname": "b",
                "username": "c",
                "password": "longenough",
                "email": "not-an-email",
                "company_role": "COMPANY_USER",
            },
        ),
    ],
)
def test_requests_reject_bad_user_strings(cls: type[BaseModel], body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        cls.model_validate(body)


def test_password_is_not_shown_in_repr() -> None:
    user = models.CreateCompanyUserRequest(
        name="a",
        surname="b",
        username="c",
        password="s3cretpass",
        email="a@b.c",
        company_role=enums.UserCompanyRole.COMPANY_USER,
    )
    assert "s3cretpass" not in repr(user) and user.model_dump()["password"] == "s3cretpass"


# --- responses: our dumps parse in v1; required-nullable keys are required ------------------------------


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # v1 itself reads pydantic's __fields__
def test_our_rule_parses_in_v1_with_subclassed_actions() -> None:
    v1_models = pytest.importorskip("ml3_platform_sdk.models")
    rule = models.DetectionEventRule(
        rule_id="r",
        name="n",
        task_id="t",
        detection_event_type=enums.DetectionEventType.DRIFT_ON,
        actions=[
            models.SlackNotificationAction(webhook="w"),
            models.GCPPubSubNotificationAction(credentials_id=None, topic_name="t"),
        ],
        monitoring_targets=[],
        monitoring_metrics={},
        monitoring_evaluation_metrics=[],
        generic_monitoring_dimensions=[],
        segment_ids=[None],
    )
    v1_rule = v1_models.DetectionEventRule(**json.loads(rule.model_dump_json()))
    assert [type(a).__name__ for a in v1_rule.actions] == [
        "SlackNotificationAction",
        "GCPPubSubNotificationAction",
    ]


def test_required_nullable_keys_must_be_present() -> None:
    event = {
        "event_id": "e",
        "event_type": "drift_on",
        "insert_datetime": "2024-01-01",
        "sample_timestamp": 1.0,
        "sample_customer_id": "s",
    }
    with pytest.raises(ValidationError):
        models.DetectionEvent.model_validate(event)
    assert (
        models.DetectionEvent.model_validate({**event, "monitoring_evaluation_metric": None}).event_id == "e"
    )


def test_data_source_folder_type_validator() -> None:
    with pytest.raises(ValidationError):
        models.LocalDataSource(file_type=enums.FileType.PNG, is_folder=True, file_path="x.zip")
    with pytest.raises(ValidationError):
        models.LocalDataSource(
            file_type=enums.FileType.CSV, is_folder=False, folder_type=enums.FolderType.ZIP, file_path="x.csv"
        )
    remote = models.S3DataSource(file_type=enums.FileType.CSV, is_folder=False, object_path="s3://b/k")
    assert remote.to_source_info().model_dump(mode="json")["data_source_type"] == "aws_s3"


def test_models_all_is_sorted_and_complete() -> None:
    assert models.__all__ == sorted(models.__all__)
    assert all(hasattr(models, name) for name in models.__all__)
    exported = {getattr(models, name) for name in models.__all__ if isinstance(getattr(models, name), type)}
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("mlcube_nb.models."):
            for name, obj in vars(module).items():
                if isinstance(obj, type) and obj.__module__ == module_name and not name.startswith("_"):
                    assert obj in exported, name


# --- exceptions ------------------------------------------------------------------------------------------


def test_exceptions_carry_code_and_message() -> None:
    default = exceptions.SDKClientException()
    assert (default.error_code, default.error_message) == ("UNEXPECTED", "An unexpected error occurred")
    exc = exceptions.CreateTaskException(ErrorCode.TASK_NOT_FOUND, "no such task")
    assert exc.error_code == "TASK_NOT_FOUND" and exc.error_message == "no such task"
    assert str(exc) == "TASK_NOT_FOUND: no such task"
    clone = pickle.loads(pickle.dumps(exc))
    assert type(clone) is exceptions.CreateTaskException and clone.error_message == "no such task"
    assert exceptions.UnauthorizedException().error_code == "UNAUTHORIZED"
    assert exceptions.SDKTimeoutException().error_code == "TIMEOUT"


def test_exception_tree_lets_either_name_catch() -> None:
    assert exceptions.CreateKPIException is exceptions.CreateKpiException
    assert issubclass(exceptions.AddModelReferenceException, exceptions.SetModelReferenceException)
    assert issubclass(
        exceptions.UpdateDetectionEventRuleException, exceptions.CreateDetectionEventRuleException
    )
    assert issubclass(exceptions.SDKTimeoutException, exceptions.SDKConnectionException)
    assert exceptions.__all__ == sorted(exceptions.__all__)
    v1 = pytest.importorskip("ml3_platform_sdk.exceptions")
    v1_names = {n for n, o in vars(v1).items() if isinstance(o, type) and issubclass(o, Exception)}
    missing = v1_names - set(exceptions.__all__) - {"Exception"}
    assert not missing
    for name in exceptions.__all__:
        assert issubclass(getattr(exceptions, name), exceptions.SDKClientException)


# --- boundary --------------------------------------------------------------------------------------------

_ISOLATED_IMPORT = """
import importlib, json, sys, types
before = set(sys.modules)
pkg = types.ModuleType("mlcube_nb")   # stand-in parent, so the package __init__ (client, notebook) is not run
pkg.__path__ = [sys.argv[1]]
sys.modules["mlcube_nb"] = pkg
for name in ("mlcube_nb.enums", "mlcube_nb.exceptions", "mlcube_nb.models"):
    importlib.import_module(name)
print(json.dumps(sorted(set(sys.modules) - before)))
"""
_ALLOWED_THIRD_PARTY = {
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "typing_extensions",
    "typing_inspection",
}


def test_contract_imports_only_pydantic_and_stdlib() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _ISOLATED_IMPORT, str(PACKAGE_DIR)], capture_output=True, text=True, check=True
    )
    loaded = json.loads(result.stdout)
    for name in loaded:
        top = name.split(".")[0]
        if top == "mlcube_nb":
            assert name == "mlcube_nb" or name.split(".")[1] in {"enums", "exceptions", "models"}, name
        else:
            assert top in sys.stdlib_module_names or top in _ALLOWED_THIRD_PARTY or top.startswith("_"), name
