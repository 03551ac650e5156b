"""The public ``ml3-platform-sdk`` client creates and reads back tasks, schemas, models and KPIs on our server."""

from __future__ import annotations

import pytest

from tests.conftest import Platform
from tests.server.task_helpers import unique
from tests.wire import Wire

sdk = pytest.importorskip("ml3_platform_sdk.client")
sdk_enums = pytest.importorskip("ml3_platform_sdk.enums")
sdk_models = pytest.importorskip("ml3_platform_sdk.models")
sdk_exceptions = pytest.importorskip("ml3_platform_sdk.exceptions")


@pytest.fixture
def v1(platform: Platform):
    """The public client (a singleton, re-initialised by keyword arguments) for a fresh company's owner."""
    _, key = platform.new_user("v1")
    owner = Wire(platform.url, key)
    owner.ok("POST", "/company", json={"name": "V1 Co", "address": "Via Roma 1", "vat": "IT0002"})
    client = sdk.ML3PlatformClient(url=platform.url, api_key=key, timeout=30)
    project_id = client.create_project(name=unique("v1"), description=None,
                                       default_storage_policy=sdk_enums.StoragePolicy.MLCUBE)
    return client, project_id


def test_public_sdk_task_schema_model_kpi(v1) -> None:
    client, project_id = v1
    E, M = sdk_enums, sdk_models
    costs = M.BinaryClassificationTaskCostInfo(currency=E.Currency.EURO, false_positive_cost=1.0,
                                               false_negative_cost=5.0)
    task_id = client.create_task(project_id=project_id, name="fraud", tags=["v1"],
                                 task_type=E.TaskType.CLASSIFICATION_BINARY, data_structure=E.DataStructure.TABULAR,
                                 cost_info=costs, positive_class=1)
    task = client.get_task(task_id)
    assert (task.task_id, task.name, task.type, task.optional_target, task.monitoring_status) == (
        task_id, "fraud", E.TaskType.CLASSIFICATION_BINARY, False, [])
    assert isinstance(task.cost_info, M.BinaryClassificationTaskCostInfo) and task.cost_info.false_negative_cost == 5
    assert [t.task_id for t in client.get_tasks(project_id)] == [task_id]
    client.update_task(task_id=task_id, name="fraud-2", tags=[])
    assert client.get_task(task_id).name == "fraud-2"

    template = client.get_data_schema_template(task_id)
    assert {c.role for c in template.columns} >= {E.ColumnRole.ID, E.ColumnRole.TIME_ID, E.ColumnRole.TARGET}
    schema = M.DataSchema(columns=[
        M.ColumnInfo(name="id", role=E.ColumnRole.ID, is_nullable=False, data_type=E.DataType.STRING),
        M.ColumnInfo(name="ts", role=E.ColumnRole.TIME_ID, is_nullable=False, data_type=E.DataType.FLOAT),
        M.ColumnInfo(name="amount", role=E.ColumnRole.INPUT, is_nullable=False, data_type=E.DataType.FLOAT),
        M.ColumnInfo(name="is_fraud", role=E.ColumnRole.TARGET, is_nullable=False,
                     data_type=E.DataType.CATEGORICAL, possible_values=[0, 1]),
    ])
    client.add_data_schema(task_id=task_id, data_schema=schema)
    with pytest.raises(sdk_exceptions.AddDataSchemaException) as err:
        client.add_data_schema(task_id=task_id, data_schema=M.DataSchema(columns=schema.columns[:2]))
    assert err.value.error_code == "INVALID_SCHEMA"

    model_id = client.create_model(task_id=task_id, name="gbm", version="1", with_probabilistic_output=True,
                                   metric_name=E.ModelMetricName.ACCURACY,
                                   preferred_suggestion_type=E.SuggestionType.RESAMPLED_DATASET,
                                   resampled_dataset_size=1000)
    model = client.get_model(model_id)
    assert (model.name, model.version, model.metric_name, model.retraining_cost) == (
        "gbm", "1", E.ModelMetricName.ACCURACY, 0.0)
    assert client.get_model_by_name_and_version(task_id, "gbm", "1").model_id == model_id
    client.set_model_suggestion_type(model_id=model_id, preferred_suggestion_type=E.SuggestionType.SAMPLE_WEIGHTS)
    new_id = client.update_model_version(model_id=model_id, new_model_version="2")
    assert client.get_model_by_name_and_version(task_id, "gbm", "2").model_id == new_id

    stored = client.get_data_schema(task_id)
    names = [c.name for c in stored.columns]
    assert names == ["id", "ts", "amount", "is_fraud", "gbm@1", "gbm_probability@1", "gbm@2", "gbm_probability@2"]
    prediction = stored.columns[4]
    assert (prediction.role, prediction.model_id, prediction.possible_values) == (E.ColumnRole.PREDICTION, model_id,
                                                                                  [0, 1])
    client.show_data_schema(task_id)
    client.show_models(task_id)
    client.show_tasks(project_id)

    kpi_id = client.create_kpi(project_id=project_id, name="revenue")
    kpi = client.get_kpi(kpi_id)
    assert (kpi.kpi_id, kpi.name, kpi.status) == (kpi_id, "revenue", E.KPIStatus.NOT_INITIALIZED)
    assert [k.kpi_id for k in client.get_kpis(project_id)] == [kpi_id]
    client.show_kpis(project_id)


def test_public_sdk_text_tasks_and_errors(v1) -> None:
    client, project_id = v1
    E = sdk_enums
    rag_id = client.create_task(project_id=project_id, name="assistant", tags=[], task_type=E.TaskType.RAG,
                                data_structure=E.DataStructure.TEXT, text_language=E.TextLanguage.ENGLISH,
                                rag_contexts_separator="###")
    template = client.get_data_schema_template(rag_id)
    assert {c.subrole for c in template.columns if c.role == E.ColumnRole.INPUT} == {
        E.ColumnSubRole.RAG_USER_INPUT, E.ColumnSubRole.RAG_RETRIEVED_CONTEXT}
    client.add_data_schema(task_id=rag_id, data_schema=template)
    assert client.get_task(rag_id).optional_target is True
    client.create_model(task_id=rag_id, name="llm", version="a", with_probabilistic_output=False, metric_name=None)
    assert [c.name for c in client.get_data_schema(rag_id).columns if c.role == E.ColumnRole.PREDICTION] == ["llm@a"]

    with pytest.raises(sdk_exceptions.CreateTaskException) as err:
        client.create_task(project_id=project_id, name="no language", tags=[], task_type=E.TaskType.REGRESSION,
                           data_structure=E.DataStructure.TEXT)
    assert err.value.error_code == "INVALID_PARAMETERS"
    with pytest.raises(sdk_exceptions.CreateModelException) as err:
        client.create_model(task_id=rag_id, name="llm", version="a", with_probabilistic_output=False,
                            metric_name=None)
    assert err.value.error_code == "ALREADY_EXISTS"
    with pytest.raises(sdk_exceptions.SDKClientException) as err:  # v1 maps every 422 to the base class
        client.create_kpi(project_id=project_id, name="")
    assert err.value.error_code == "UNPROCESSABLE_ENTITY"
    assert [t.name for t in client.get_tasks(project_id)] == ["assistant"]
