"""Data schemas over real HTTP: templates of every task kind, each validation rule, model columns, RBAC."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import ColumnRole, DataStructure, DataType, TaskType
from mlcube_nb.exceptions import AddDataSchemaException, NotFoundException
from mlcube_nb.models import ColumnInfo, DataSchema
from tests.conftest import Platform
from tests.server.conftest import Team, make_team
from tests.server.task_helpers import (
    COMBOS,
    READERS,
    ROLES,
    WORKERS,
    column,
    new_model,
    new_task,
    regression_schema,
    wire_of,
)
from tests.wire import Wire, assert_error

PROBABILISTIC = {"classification_binary", "classification_multiclass", "classification_multilabel", "rag"}


@pytest.fixture(scope="module")
def crew(platform: Platform) -> Team:
    return make_team(platform)


def _add(wire: Wire, task_id: str, columns: list[dict]):
    return wire.call("POST", "/data-schema", json={"task_id": task_id, "data_schema": {"columns": columns}})


def _schema(wire: Wire, task_id: str) -> list[dict] | None:
    response = wire.call("GET", f"/data-schema/{task_id}")
    if response.status_code == 404:
        assert_error(response, 404, "SCHEMA_NOT_FOUND")
        return None
    assert response.status_code == 200, response.text
    return response.json()["columns"]


def _user_part(columns: list[dict]) -> list[dict]:
    return [c for c in columns if c["model_id"] is None]


def test_schema_lifecycle_through_our_client(crew: Team, capsys: pytest.CaptureFixture[str]) -> None:
    client = ML3PlatformClient(url=crew.platform.url, api_key=crew.owner.api_key)
    task_id = client.create_task(crew.project_id, "schema-task", [], TaskType.REGRESSION, DataStructure.TABULAR)
    with pytest.raises(NotFoundException) as err:
        client.get_data_schema(task_id)
    assert err.value.error_code == "SCHEMA_NOT_FOUND"
    template = client.get_data_schema_template(task_id)
    assert {c.role for c in template.columns} >= {ColumnRole.ID, ColumnRole.TIME_ID, ColumnRole.INPUT,
                                                   ColumnRole.TARGET}
    schema = DataSchema(columns=[
        ColumnInfo(name="id", role=ColumnRole.ID, is_nullable=False, data_type=DataType.STRING),
        ColumnInfo(name="ts", role=ColumnRole.TIME_ID, is_nullable=False, data_type=DataType.FLOAT),
        ColumnInfo(name="age", role=ColumnRole.INPUT, is_nullable=True, data_type=DataType.INTEGER),
        ColumnInfo(name="city", role=ColumnRole.INPUT, is_nullable=False, data_type=DataType.CATEGORICAL,
                   possible_values=["Rome", "Milan"]),
        ColumnInfo(name="price", role=ColumnRole.TARGET, is_nullable=False, data_type=DataType.FLOAT),
    ])
    client.add_data_schema(task_id, schema)
    assert client.get_data_schema(task_id) == schema
    client.show_data_schema(task_id)
    out = capsys.readouterr().out
    assert "city" in out and "categorical" in out
    with pytest.raises(AddDataSchemaException) as bad:
        client.add_data_schema(task_id, DataSchema(columns=schema.columns[1:]))
    assert bad.value.error_code == "INVALID_SCHEMA" and "id" in bad.value.error_message
    assert client.get_data_schema(task_id) == schema


@pytest.mark.parametrize(("task_type", "structure"), COMBOS)
def test_template_of_every_kind_is_a_valid_schema(crew: Team, task_type: str, structure: str) -> None:
    owner = crew.owner
    task_id = new_task(owner, crew.project_id, task_type, structure)
    model_id = new_model(owner, task_id, with_probabilistic_output=task_type in PROBABILISTIC)
    template = owner.ok("GET", f"/data-schema-template/{task_id}")["columns"]
    model_columns = [c for c in template if c["model_id"] == model_id]
    assert model_columns and all(c["model_name"] for c in model_columns)
    assert (len(model_columns) > 1) == (task_type in PROBABILISTIC or task_type in {"object_detection",
                                                                                     "semantic_segmentation"})
    owner.ok("POST", "/data-schema", json={"task_id": task_id, "data_schema": {"columns": template}})
    assert _schema(owner, task_id) == template


def test_multi_turn_rag_template_has_session_and_turn(crew: Team) -> None:
    task_id = new_task(crew.owner, crew.project_id, "rag", "text", multi_turn=True)
    template = crew.owner.ok("GET", f"/data-schema-template/{task_id}")["columns"]
    assert {c["subrole"] for c in template if c["role"] == "metadata"} == {"session_id", "turn_id"}
    crew.owner.ok("POST", "/data-schema", json={"task_id": task_id, "data_schema": {"columns": template}})


def test_rag_accepts_v1_roles_for_its_texts(crew: Team) -> None:
    task_id = new_task(crew.owner, crew.project_id, "rag", "text")
    columns = [column("id", "id", "string"), column("ts", "time_id", "float"),
               column("question", "user_input", "string"), column("context", "retrieved_context", "string"),
               column("prompt", "input", "string", subrole="sys_prompt")]
    crew.owner.ok("POST", "/data-schema", json={"task_id": task_id, "data_schema": {"columns": columns}})
    assert [c["role"] for c in _schema(crew.owner, task_id)] == [c["role"] for c in columns]


def test_model_columns_follow_the_schema(crew: Team) -> None:
    owner = crew.owner
    task_id = new_task(owner, crew.project_id, "classification_binary", "tabular", positive_class=1)
    early = new_model(owner, task_id, name="early", version="1", with_probabilistic_output=True)
    schema = [column("id", "id", "integer"), column("ts", "time_id", "float"), column("x", "input", "float"),
              column("label", "target", "categorical", possible_values=[0, 1])]
    owner.ok("POST", "/data-schema", json={"task_id": task_id, "data_schema": {"columns": schema}})
    stored = _schema(owner, task_id)
    assert _user_part(stored) == [{**c, "model_name": None} for c in schema]
    prediction, probability = [c for c in stored if c["model_id"] == early]
    assert (prediction["name"], prediction["role"], prediction["data_type"], prediction["possible_values"],
            prediction["predicted_target"]) == ("early@1", "prediction", "categorical", [0, 1], "label")
    assert (probability["name"], probability["subrole"], probability["data_type"]) == (
        "early_probability@1", "model_probability", "float")
    late = new_model(owner, task_id, name="late", version="2")
    assert [c["name"] for c in _schema(owner, task_id) if c["model_id"] == late] == ["late@2"]
    # Replacing the schema (no data yet) keeps the models' columns, recomputed for the new target.
    schema[3] = column("label", "target", "categorical", possible_values=[1, 2])
    owner.ok("POST", "/data-schema", json={"task_id": task_id, "data_schema": {"columns": schema}})
    stored = _schema(owner, task_id)
    assert [c["name"] for c in stored if c["model_id"]] == ["early@1", "early_probability@1", "late@2"]
    assert all(c["possible_values"] == [1, 2] for c in stored if c["name"] in ("early@1", "late@2"))
    # Sending the stored schema back (model columns included) is accepted and changes nothing.
    owner.ok("POST", "/data-schema", json={"task_id": task_id, "data_schema": {"columns": stored}})
    assert _schema(owner, task_id) == stored


def test_model_version_adds_its_columns(crew: Team) -> None:
    owner = crew.owner
    task_id = new_task(owner, crew.project_id)
    owner.ok("POST", "/data-schema", json={"task_id": task_id, "data_schema": {"columns": regression_schema()}})
    model_id = new_model(owner, task_id, name="reg", version="a")
    new_id = owner.ok("PATCH", "/model-version", json={"model_id": model_id, "new_model_version": "b"})
    assert [(c["name"], c["model_id"]) for c in _schema(owner, task_id) if c["model_id"]] == [
        ("reg@a", model_id), ("reg@b", new_id)]


def test_prediction_columns_without_a_model_are_refused(crew: Team) -> None:
    task_id = new_task(crew.owner, crew.project_id)
    columns = regression_schema(column("ghost@v1", "prediction", "float"))
    assert "create a model" in assert_error(_add(crew.owner, task_id, columns), 400, "INVALID_SCHEMA")["errorMessage"]
    assert _schema(crew.owner, task_id) is None


def test_model_column_name_clash_is_refused(crew: Team) -> None:
    task_id = new_task(crew.owner, crew.project_id)
    new_model(crew.owner, task_id, name="m", version="1")
    assert_error(_add(crew.owner, task_id, regression_schema(column("m@1", "input", "float"))), 400,
                 "INVALID_SCHEMA")
    assert _schema(crew.owner, task_id) is None
    other = new_task(crew.owner, crew.project_id)
    crew.owner.ok("POST", "/data-schema", json={"task_id": other, "data_schema": {
        "columns": regression_schema(column("m@1", "input", "float"))}})
    before = _schema(crew.owner, other)
    response = crew.owner.call("POST", "/model", json={"task_id": other, "name": "m", "version": "1",
                                                       "metric_name": None, "retraining_cost": 0,
                                                       "preferred_suggestion_type": None,
                                                       "resampled_dataset_size": None,
                                                       "with_probabilistic_output": False})
    assert_error(response, 409, "ALREADY_EXISTS")
    assert crew.owner.ok("GET", f"/models/{other}") == [] and _schema(crew.owner, other) == before


def test_optional_target_allows_a_schema_without_target(crew: Team) -> None:
    for task_type in ("regression", "classification_multiclass"):
        task_id = new_task(crew.owner, crew.project_id, task_type, optional_target=True)
        new_model(crew.owner, task_id)
        crew.owner.ok("POST", "/data-schema", json={"task_id": task_id, "data_schema": {
            "columns": regression_schema()[:3]}})
        prediction = [c for c in _schema(crew.owner, task_id) if c["model_id"]][0]
        assert prediction["predicted_target"] is None


Mutation = Callable[[list[dict]], list[dict]]


def drop(role: str, subrole: str | None = None) -> Mutation:
    return lambda cols: [c for c in cols if not (c["role"] == role and c["subrole"] == subrole)]


def patch(target: str, /, **fields) -> Mutation:
    return lambda cols: [{**c, **fields} if c["name"] == target else c for c in cols]


def add(*extra: dict) -> Mutation:
    return lambda cols: cols + list(extra)


KINDS = {
    "regression": ("regression", "tabular", {}),
    "binary": ("classification_binary", "tabular", {"positive_class": "yes"}),
    "multiclass": ("classification_multiclass", "tabular", {}),
    "multilabel": ("classification_multilabel", "tabular", {}),
    "text": ("regression", "text", {}),
    "embedding": ("classification_multiclass", "embedding", {}),
    "image": ("regression", "image", {}),
    "rag": ("rag", "text", {}),
    "detection": ("object_detection", "image", {}),
    "timeseries": ("timeseries", "tabular", {}),
}

BAD_SCHEMAS: dict[str, tuple[str, Mutation]] = {
    "no_columns": ("regression", lambda cols: []),
    "no_id": ("regression", drop("id")),
    "two_ids": ("regression", add(column("id2", "id", "string"))),
    "no_time_id": ("regression", drop("time_id")),
    "time_id_not_float": ("regression", patch("timestamp", data_type="string")),
    "nullable_id": ("regression", patch("sample_id", is_nullable=True)),
    "id_of_array_type": ("regression", patch("sample_id", data_type="array_1", dims=[3])),
    "no_target": ("regression", drop("target")),
    "two_targets": ("regression", add(column("target2", "target", "float"))),
    "target_of_wrong_type": ("regression", patch("target", data_type="string")),
    "no_input": ("regression", drop("input")),
    "duplicate_names": ("regression", patch("feature_numeric", name="feature_category")),
    "blank_name": ("regression", patch("feature_numeric", name=" ")),
    "categorical_without_values": ("regression", patch("feature_category", possible_values=None)),
    "repeated_possible_values": ("regression", patch("feature_category", possible_values=["a", "a"])),
    "possible_values_on_float": ("regression", patch("feature_numeric", possible_values=[1, 2])),
    "dims_on_float": ("regression", patch("feature_numeric", dims=[2])),
    "prediction_role": ("regression", add(column("p", "prediction", "float"))),
    "prediction_embedding_role": ("regression", add(column("pe", "prediction_additional_embedding", "array_1",
                                                           dims=[4]))),
    "error_role": ("regression", add(column("e", "error", "float"))),
    "input_mask_role": ("regression", add(column("mask", "input_mask", "float"))),
    "model_id_set": ("regression", patch("feature_numeric", model_id="0" * 32)),
    "subrole_of_other_role": ("regression", patch("feature_numeric", subrole="object_label_target")),
    "rag_subrole_outside_rag": ("regression", patch("feature_numeric", subrole="user_input", data_type="string")),
    "user_input_role_outside_rag": ("regression", patch("feature_numeric", role="user_input",
                                                        data_type="string")),
    "platform_subrole": ("regression", patch("target", subrole="model_probability")),
    "timeseries_mode_outside_timeseries": ("regression", patch("feature_numeric", timeseries_mode="additive")),
    "classes_names_outside_multilabel": ("regression", patch("target", classes_names=["a"])),
    "image_mode_on_tabular": ("regression", patch("feature_numeric", image_mode="rgb")),
    "negative_tol": ("regression", patch("feature_numeric", tol=-1)),
    "embedding_column_on_tabular": ("regression", add(column("emb", "input_additional_embedding", "array_1",
                                                             dims=[8]))),
    "binary_without_positive_class": ("binary", patch("target", possible_values=["no", "maybe"])),
    "binary_with_three_values": ("binary", patch("target", possible_values=["yes", "no", "maybe"])),
    "binary_positive_class_of_other_type": ("binary", patch("target", possible_values=[True, False])),
    "multiclass_with_one_value": ("multiclass", patch("target", possible_values=["a"])),
    "multilabel_without_classes_names": ("multilabel", patch("target", classes_names=None)),
    "multilabel_names_not_matching_dims": ("multilabel", patch("target", classes_names=["a", "b"])),
    "multilabel_any_length": ("multilabel", patch("target", dims=[-1])),
    "multilabel_bad_possible_values": ("multilabel", patch("target", possible_values=["a", "b"])),
    "array_of_wrong_rank": ("multilabel", patch("target", dims=[3, 1])),
    "zero_dimension": ("multilabel", patch("target", dims=[0])),
    "two_text_inputs": ("text", add(column("text2", "input", "string"))),
    "text_input_not_string": ("text", patch("text", data_type="float")),
    "two_embedding_columns": ("text", add(column("e1", "input_additional_embedding", "array_1", dims=[4]),
                                          column("e2", "input_additional_embedding", "array_1", dims=[4]))),
    "embedding_input_not_array": ("embedding", patch("embedding", data_type="float", dims=None)),
    "embedding_without_dims": ("embedding", patch("embedding", dims=None)),
    "image_without_mode": ("image", patch("image", image_mode=None)),
    "grayscale_image_of_rank_3": ("image", patch("image", image_mode="grayscale")),
    "rag_without_user_input": ("rag", drop("input", "user_input")),
    "rag_input_without_subrole": ("rag", add(column("extra", "input", "string"))),
    "rag_two_user_inputs": ("rag", add(column("q2", "input", "string", subrole="user_input"))),
    "rag_context_not_string": ("rag", patch("retrieved_context", data_type="integer")),
    "rag_two_turn_ids": ("rag", add(column("t1", "metadata", "integer", subrole="turn_id"),
                                    column("t2", "metadata", "integer", subrole="turn_id"))),
    "detection_target_dims": ("detection", patch("target", dims=[-1, 5])),
    "labels_without_target": ("detection", drop("target")),
    "target_embedding_without_target": ("rag", add(column("te", "target_additional_embedding", "array_1",
                                                          dims=[4]))),
    "timeseries_mode_on_target": ("timeseries", patch("target", timeseries_mode="additive")),
}


@pytest.fixture(scope="module")
def kinds(crew: Team) -> dict[str, tuple[str, list[dict]]]:
    """One task per kind with its template: (task_id, template columns)."""
    out = {}
    for kind, (task_type, structure, over) in KINDS.items():
        task_id = new_task(crew.owner, crew.project_id, task_type, structure, **over)
        out[kind] = (task_id, crew.owner.ok("GET", f"/data-schema-template/{task_id}")["columns"])
    return out


@pytest.mark.parametrize("case", sorted(BAD_SCHEMAS))
def test_bad_schema_is_refused_and_changes_nothing(crew: Team, kinds: dict, case: str) -> None:
    kind, mutate = BAD_SCHEMAS[case]
    task_id, template = kinds[kind]
    body = assert_error(_add(crew.owner, task_id, mutate([dict(c) for c in template])), 400, "INVALID_SCHEMA")
    assert len(body["errorMessage"]) > 20
    assert _schema(crew.owner, task_id) is None


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_unmodified_templates_of_the_rule_tasks_are_valid(crew: Team, kinds: dict, kind: str) -> None:
    # The negative cases above mutate these templates; they must be valid to start with. Checked on a twin
    # task so the rule tasks stay schema-less.
    task_type, structure, over = KINDS[kind]
    twin = new_task(crew.owner, crew.project_id, task_type, structure, **over)
    crew.owner.ok("POST", "/data-schema", json={"task_id": twin, "data_schema": {"columns": kinds[kind][1]}})


def test_schema_requests_for_unknown_or_foreign_tasks(crew: Team) -> None:
    theirs = new_task(crew.outsider, crew.other_project_id)
    for task_id in ("0" * 32, theirs):
        assert_error(_add(crew.owner, task_id, regression_schema()), 404, "TASK_NOT_FOUND")
        assert_error(crew.owner.call("GET", f"/data-schema/{task_id}"), 404, "TASK_NOT_FOUND")
        assert_error(crew.owner.call("GET", f"/data-schema-template/{task_id}"), 404, "TASK_NOT_FOUND")
    assert _schema(crew.outsider, theirs) is None


@pytest.fixture(scope="module")
def rbac_team(platform: Platform) -> Team:
    team = make_team(platform)
    team.ids["task"] = new_task(team.owner, team.project_id)
    team.owner.ok("POST", "/data-schema", json={"task_id": team.ids["task"],
                                                "data_schema": {"columns": regression_schema()}})
    return team


ACTIONS = {
    "add_data_schema": (lambda t, w: _add(w, t.ids["task"], regression_schema()), WORKERS),
    "get_data_schema": (lambda t, w: w.call("GET", f"/data-schema/{t.ids['task']}"), READERS),
    "get_data_schema_template": (lambda t, w: w.call("GET", f"/data-schema-template/{t.ids['task']}"), READERS),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_schema_rbac(rbac_team: Team, action: str, role: str) -> None:
    call, allowed = ACTIONS[action]
    response = call(rbac_team, wire_of(rbac_team, role))
    if role in allowed:
        assert 200 <= response.status_code < 300, (action, role, response.text)
        return
    assert_error(response, 404 if role == "outsider" else 403)
    assert _schema(rbac_team.owner, rbac_team.ids["task"]) == [{**c, "model_name": None}
                                                                for c in regression_schema()]
