"""Models over real HTTP: the client's happy path, versions, every creation rule, RBAC and tenancy."""

from __future__ import annotations

import pytest

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import DataStructure, ModelMetricName, SuggestionType, TaskType
from mlcube_nb.exceptions import CreateModelException, SDKClientException, SetModelSuggestionTypeException
from tests.conftest import Platform
from tests.server.conftest import Team, make_team
from tests.server.task_helpers import (
    READERS,
    ROLES,
    WORKERS,
    model_body,
    new_model,
    new_task,
    regression_schema,
    unique,
    wire_of,
)
from tests.wire import assert_error


@pytest.fixture(scope="module")
def crew(platform: Platform) -> Team:
    return make_team(platform)


def _client(team: Team) -> ML3PlatformClient:
    return ML3PlatformClient(url=team.platform.url, api_key=team.owner.api_key)


def test_model_lifecycle_through_our_client(crew: Team, capsys: pytest.CaptureFixture[str]) -> None:
    client = _client(crew)
    task_id = client.create_task(crew.project_id, unique(), [], TaskType.REGRESSION, DataStructure.TABULAR)
    model_id = client.create_model(task_id, "forest", "1.0", False, ModelMetricName.RMSE,
                                   preferred_suggestion_type=SuggestionType.RESAMPLED_DATASET, retraining_cost=12.5,
                                   resampled_dataset_size=500)
    model = client.get_model(model_id)
    assert (model.model_id, model.task_id, model.name, model.version, model.metric_name, model.retraining_cost) == (
        model_id, task_id, "forest", "1.0", ModelMetricName.RMSE, 12.5)
    assert (model.preferred_suggestion_type, model.resampled_dataset_size) == (SuggestionType.RESAMPLED_DATASET, 500)
    assert model.creation_datetime is not None and model.retrain_trigger is None and model.status is None
    assert [m.model_id for m in client.get_models(task_id)] == [model_id]
    assert client.get_model_by_name_and_version(task_id, "forest", "1.0") == model
    client.show_models(task_id)
    assert "forest" in capsys.readouterr().out

    client.set_model_suggestion_type(model_id, SuggestionType.SAMPLE_WEIGHTS)
    model = client.get_model(model_id)
    assert (model.preferred_suggestion_type, model.resampled_dataset_size) == (SuggestionType.SAMPLE_WEIGHTS, None)

    new_id = client.update_model_version(model_id, "2.0")
    assert new_id != model_id
    second = client.get_model(new_id)
    assert (second.name, second.version, second.metric_name, second.retraining_cost,
            second.preferred_suggestion_type) == ("forest", "2.0", ModelMetricName.RMSE, 12.5,
                                                  SuggestionType.SAMPLE_WEIGHTS)
    assert client.get_model_by_name_and_version(task_id, "forest", "2.0").model_id == new_id
    assert client.get_model_by_name_and_version(task_id, "forest", "1.0").model_id == model_id
    assert [m.version for m in client.get_models(task_id)] == ["1.0", "2.0"]
    with pytest.raises(SDKClientException) as err:
        client.get_model_by_name_and_version(task_id, "forest", "3.0")
    assert err.value.error_code == "MODEL_NOT_FOUND"


@pytest.mark.parametrize(("task_type", "metric"), [
    ("regression", "rmse"), ("regression", "rsquare"), ("timeseries", "rmse"),
    ("classification_binary", "accuracy"), ("classification_multiclass", "accuracy"),
    ("classification_multilabel", "accuracy"), ("object_detection", "average_precision"), ("rag", None),
])
def test_metric_suiting_the_task_is_accepted(crew: Team, task_type: str, metric: str | None) -> None:
    structure = {"rag": "text", "object_detection": "image"}.get(task_type, "tabular")
    task_id = new_task(crew.owner, crew.project_id, task_type, structure)
    model_id = new_model(crew.owner, task_id, metric_name=metric)
    assert crew.owner.ok("GET", f"/model/{model_id}")["metric_name"] == metric


@pytest.fixture(scope="module")
def tasks(crew: Team) -> dict[str, str]:
    """A regression task with a schema and an existing model, and a RAG task."""
    regression = new_task(crew.owner, crew.project_id)
    crew.owner.ok("POST", "/data-schema", json={"task_id": regression, "data_schema": {
        "columns": regression_schema()}})
    new_model(crew.owner, regression, name="taken", version="1")
    return {"regression": regression, "rag": new_task(crew.owner, crew.project_id, "rag", "text")}


BAD_CREATES = {
    "accuracy_on_regression": ("regression", dict(metric_name="accuracy"), 400, "INVALID_PARAMETERS"),
    "precision_on_regression": ("regression", dict(metric_name="average_precision"), 400, "INVALID_PARAMETERS"),
    "metric_on_rag": ("rag", dict(metric_name="rmse"), 400, "INVALID_PARAMETERS"),
    "unknown_metric": ("regression", dict(metric_name="mae"), 422, "INVALID_REQUEST"),
    "probabilistic_regression": ("regression", dict(with_probabilistic_output=True), 400, "INVALID_PARAMETERS"),
    "resampled_without_size": ("regression", dict(preferred_suggestion_type="resampled_dataset"), 400,
                               "INVALID_PARAMETERS"),
    "resampled_with_zero_size": ("regression", dict(preferred_suggestion_type="resampled_dataset",
                                                    resampled_dataset_size=0), 400, "INVALID_PARAMETERS"),
    "size_with_sample_weights": ("regression", dict(preferred_suggestion_type="sample_weights",
                                                    resampled_dataset_size=10), 400, "INVALID_PARAMETERS"),
    "size_without_suggestion": ("regression", dict(resampled_dataset_size=10), 400, "INVALID_PARAMETERS"),
    "suggestion_on_rag": ("rag", dict(preferred_suggestion_type="sample_weights"), 400, "INVALID_PARAMETERS"),
    "negative_retraining_cost": ("regression", dict(retraining_cost=-1), 400, "INVALID_PARAMETERS"),
    "at_sign_in_name": ("regression", dict(name="a@b"), 400, "INVALID_PARAMETERS"),
    "slash_in_version": ("regression", dict(version="1/2"), 422, "INVALID_REQUEST"),
    "same_name_and_version": ("regression", dict(name="taken", version="1"), 409, "ALREADY_EXISTS"),
    "unknown_task": ("unknown", {}, 404, "TASK_NOT_FOUND"),
}


@pytest.mark.parametrize("case", sorted(BAD_CREATES))
def test_bad_create_model_changes_nothing(crew: Team, tasks: dict[str, str], case: str) -> None:
    kind, over, status, code = BAD_CREATES[case]
    task_id = tasks.get(kind, "0" * 32)
    owner = crew.owner
    before = [(owner.ok("GET", f"/models/{t}"), owner.call("GET", f"/data-schema/{t}").text) for t in tasks.values()]
    body = assert_error(owner.call("POST", "/model", json=model_body(task_id, **over)), status, code)
    assert len(body["errorMessage"]) > 15
    assert [(owner.ok("GET", f"/models/{t}"), owner.call("GET", f"/data-schema/{t}").text)
            for t in tasks.values()] == before


def test_client_maps_model_errors(crew: Team, tasks: dict[str, str]) -> None:
    client = _client(crew)
    with pytest.raises(CreateModelException) as err:
        client.create_model(tasks["regression"], unique("m"), "1", False, ModelMetricName.ACCURACY)
    assert err.value.error_code == "INVALID_PARAMETERS" and "rmse" in err.value.error_message
    model_id = client.get_model_by_name_and_version(tasks["regression"], "taken", "1").model_id
    with pytest.raises(SetModelSuggestionTypeException) as err:
        client.set_model_suggestion_type(model_id, SuggestionType.RESAMPLED_DATASET)
    assert err.value.error_code == "INVALID_PARAMETERS" and "resampled_dataset_size" in err.value.error_message


def test_bad_suggestion_type_and_version_changes_nothing(crew: Team, tasks: dict[str, str]) -> None:
    owner = crew.owner
    model_id = new_model(owner, tasks["regression"])
    rag_model = new_model(owner, tasks["rag"])
    before = owner.ok("GET", f"/models/{tasks['regression']}"), owner.ok("GET", f"/models/{tasks['rag']}")
    cases = [
        ("PUT", "/model/suggestion-type", {"model_id": model_id, "preferred_suggestion_type": "resampled_dataset",
                                           "resampled_dataset_size": None}, 400, "INVALID_PARAMETERS"),
        ("PUT", "/model/suggestion-type", {"model_id": model_id, "preferred_suggestion_type": "sample_weights",
                                           "resampled_dataset_size": 3}, 400, "INVALID_PARAMETERS"),
        ("PUT", "/model/suggestion-type", {"model_id": rag_model, "preferred_suggestion_type": "sample_weights",
                                           "resampled_dataset_size": None}, 400, "INVALID_PARAMETERS"),
        ("PUT", "/model/suggestion-type", {"model_id": "0" * 32, "preferred_suggestion_type": "sample_weights",
                                           "resampled_dataset_size": None}, 404, "MODEL_NOT_FOUND"),
        ("PUT", "/model/suggestion-type", {"model_id": model_id, "preferred_suggestion_type": "everything",
                                           "resampled_dataset_size": None}, 422, "INVALID_REQUEST"),
        ("PATCH", "/model-version", {"model_id": model_id, "new_model_version": "v1"}, 409, "ALREADY_EXISTS"),
        ("PATCH", "/model-version", {"model_id": "0" * 32, "new_model_version": "v9"}, 404, "MODEL_NOT_FOUND"),
        ("PATCH", "/model-version", {"model_id": model_id, "new_model_version": "a#b"}, 422, "INVALID_REQUEST"),
    ]
    for method, path, body, status, code in cases:
        assert_error(owner.call(method, path, json=body), status, code)
    assert (owner.ok("GET", f"/models/{tasks['regression']}"), owner.ok("GET", f"/models/{tasks['rag']}")) == before


def test_unknown_and_foreign_models_are_not_found(crew: Team, tasks: dict[str, str]) -> None:
    theirs_task = new_task(crew.outsider, crew.other_project_id)
    theirs = new_model(crew.outsider, theirs_task)
    mine = new_model(crew.owner, tasks["regression"])
    for wire, model_id in ((crew.owner, "0" * 32), (crew.owner, theirs), (crew.outsider, mine)):
        assert_error(wire.call("GET", f"/model/{model_id}"), 404, "MODEL_NOT_FOUND")
    assert_error(crew.owner.call("GET", f"/models/{theirs_task}"), 404, "TASK_NOT_FOUND")
    assert_error(crew.owner.call("POST", "/model", json=model_body(theirs_task)), 404, "TASK_NOT_FOUND")
    assert_error(crew.owner.call("PATCH", "/model-version", json={"model_id": theirs, "new_model_version": "x"}),
                 404, "MODEL_NOT_FOUND")
    assert [m["model_id"] for m in crew.outsider.ok("GET", f"/models/{theirs_task}")] == [theirs]


@pytest.fixture(scope="module")
def rbac_team(platform: Platform) -> Team:
    team = make_team(platform)
    team.ids["task"] = new_task(team.owner, team.project_id)
    team.ids["model"] = new_model(team.owner, team.ids["task"])
    return team


ACTIONS = {
    "create_model": (lambda t, w: w.call("POST", "/model", json=model_body(t.ids["task"])), WORKERS),
    "get_models": (lambda t, w: w.call("GET", f"/models/{t.ids['task']}"), READERS),
    "get_model": (lambda t, w: w.call("GET", f"/model/{t.ids['model']}"), READERS),
    "set_model_suggestion_type": (lambda t, w: w.call("PUT", "/model/suggestion-type", json={
        "model_id": t.ids["model"], "preferred_suggestion_type": "sample_weights", "resampled_dataset_size": None}),
        WORKERS),
    "update_model_version": (lambda t, w: w.call("PATCH", "/model-version", json={
        "model_id": t.ids["model"], "new_model_version": unique("v")}), WORKERS),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_model_rbac(rbac_team: Team, action: str, role: str) -> None:
    call, allowed = ACTIONS[action]
    before = rbac_team.owner.ok("GET", f"/models/{rbac_team.ids['task']}")
    response = call(rbac_team, wire_of(rbac_team, role))
    if role in allowed:
        assert 200 <= response.status_code < 300, (action, role, response.text)
        return
    assert_error(response, 404 if role == "outsider" else 403)
    assert rbac_team.owner.ok("GET", f"/models/{rbac_team.ids['task']}") == before
