"""Tasks over real HTTP: the client's happy path, every creation rule, updates, RBAC and tenancy."""

from __future__ import annotations

import pytest

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import Currency, DataStructure, TaskType, TextLanguage
from mlcube_nb.exceptions import CreateTaskException, UpdateTaskException
from mlcube_nb.models import BinaryClassificationTaskCostInfo, RegressionTaskCostInfo
from mlcube_nb.server.embedded import serve_in_thread
from mlcube_nb.server.settings import Settings
from tests.conftest import LogCapture, Platform
from tests.server.conftest import Team, make_team
from tests.server.task_helpers import COMBOS, READERS, ROLES, WORKERS, new_task, task_body, unique, wire_of
from tests.wire import Wire, assert_error


@pytest.fixture(scope="module")
def crew(platform: Platform) -> Team:
    return make_team(platform)


def _client(team: Team, role: str = "owner") -> ML3PlatformClient:
    return ML3PlatformClient(url=team.platform.url, api_key=wire_of(team, role).api_key)


def _tasks(team: Team) -> list[dict]:
    return team.owner.ok("GET", f"/tasks/{team.project_id}")


def test_task_lifecycle_through_our_client(crew: Team, capsys: pytest.CaptureFixture[str]) -> None:
    client = _client(crew)
    costs = BinaryClassificationTaskCostInfo(currency=Currency.EURO, false_positive_cost=1.5, false_negative_cost=4)
    name = unique("churn")
    task_id = client.create_task(crew.project_id, name, ["prod", "eu"], TaskType.CLASSIFICATION_BINARY,
                                 DataStructure.TABULAR, cost_info=costs, positive_class="yes")
    task = client.get_task(task_id)
    assert (task.task_id, task.name, task.type, task.optional_target) == (task_id, name, TaskType.CLASSIFICATION_BINARY,
                                                                          False)
    assert task.cost_info == costs and task.monitoring_status == []
    assert (task.project_id, task.data_structure, task.tags, task.positive_class) == (
        crew.project_id, DataStructure.TABULAR, ["prod", "eu"], "yes")
    assert task.creation_datetime is not None
    assert task_id in [t.task_id for t in client.get_tasks(crew.project_id)]
    client.show_tasks(crew.project_id)
    assert name in capsys.readouterr().out

    new_costs = BinaryClassificationTaskCostInfo(currency=Currency.DOLLAR, false_positive_cost=2, false_negative_cost=3)
    client.update_task(task_id, name=name + "-v2", cost_info=new_costs)
    task = client.get_task(task_id)
    assert (task.name, task.tags, task.cost_info) == (name + "-v2", ["prod", "eu"], new_costs)  # None keeps tags
    client.update_task(task_id, tags=[])
    task = client.get_task(task_id)
    assert (task.name, task.tags, task.cost_info) == (name + "-v2", [], new_costs)  # [] clears, None keeps


def test_text_and_rag_settings_are_kept(crew: Team) -> None:
    client = _client(crew)
    rag_id = client.create_task(crew.project_id, unique("rag"), [], TaskType.RAG, DataStructure.TEXT,
                                optional_target=False, text_language=TextLanguage.ITALIAN,
                                rag_contexts_separator="\n---\n", multi_turn=True)
    rag = client.get_task(rag_id)
    assert rag.optional_target is True  # RAG's target is always optional
    assert (rag.text_language, rag.rag_contexts_separator) == (TextLanguage.ITALIAN, "\n---\n")
    regression = client.get_task(client.create_task(crew.project_id, unique(), [], TaskType.REGRESSION,
                                                    DataStructure.EMBEDDING, optional_target=True))
    assert regression.optional_target is True and regression.cost_info is None


@pytest.mark.parametrize(("task_type", "structure"), COMBOS)
def test_every_supported_type_and_structure(crew: Team, task_type: str, structure: str) -> None:
    task_id = new_task(crew.owner, crew.project_id, task_type, structure)
    task = crew.owner.ok("GET", f"/task/{task_id}")
    assert (task["type"], task["data_structure"], task["monitoring_status"]) == (task_type, structure, [])


REGRESSION_COSTS = {"currency": "euro", "overestimation_cost": 1.0, "underestimation_cost": 2.0}
BINARY_COSTS = {"currency": "euro", "false_positive_cost": 1.0, "false_negative_cost": 2.0}
BAD_CREATES = {
    "rag_on_tabular": (dict(task_type="rag", structure="tabular"), 400, "INVALID_PARAMETERS"),
    "detection_on_text": (dict(task_type="object_detection", structure="text"), 400, "INVALID_PARAMETERS"),
    "segmentation_on_tabular": (dict(task_type="semantic_segmentation", structure="tabular"), 400,
                                "INVALID_PARAMETERS"),
    "timeseries_on_image": (dict(task_type="timeseries", structure="image"), 400, "INVALID_PARAMETERS"),
    "binary_without_positive_class": (dict(task_type="classification_binary", positive_class=None), 400,
                                      "INVALID_PARAMETERS"),
    "positive_class_outside_binary": (dict(task_type="classification_multiclass", positive_class="a"), 400,
                                      "INVALID_PARAMETERS"),
    "text_without_language": (dict(structure="text", text_language=None), 400, "INVALID_PARAMETERS"),
    "language_on_tabular": (dict(text_language="english"), 400, "INVALID_PARAMETERS"),
    "separator_outside_rag": (dict(rag_contexts_separator="|"), 400, "INVALID_PARAMETERS"),
    "empty_separator": (dict(task_type="rag", structure="text", rag_contexts_separator=""), 400,
                        "INVALID_PARAMETERS"),
    "cost_info_of_another_type": (dict(cost_info=BINARY_COSTS), 400, "INVALID_PARAMETERS"),
    "cost_info_on_rag": (dict(task_type="rag", structure="text", cost_info=REGRESSION_COSTS), 400,
                         "INVALID_PARAMETERS"),
    "negative_cost": (dict(cost_info={**REGRESSION_COSTS, "underestimation_cost": -1}), 400,
                      "INVALID_PARAMETERS"),
    "cost_info_with_currency_only": (dict(cost_info={"currency": "euro"}), 422, "INVALID_REQUEST"),
    "multi_turn_outside_rag": (dict(multi_turn=True), 400, "INVALID_PARAMETERS"),
    "ocr_mode_outside_ocr": (dict(ocr_mode="plain_text"), 400, "INVALID_PARAMETERS"),
    "unknown_task_type": (dict(task_type="forecasting"), 422, "INVALID_REQUEST"),
    "blank_name": (dict(name="  "), 422, "INVALID_REQUEST"),
    "unknown_project": (dict(project_id="0" * 32), 404, "PROJECT_NOT_FOUND"),
}


@pytest.mark.parametrize("case", sorted(BAD_CREATES))
def test_bad_create_task_changes_nothing(crew: Team, case: str) -> None:
    over, status, code = BAD_CREATES[case]
    over = dict(over)
    project_id = over.pop("project_id", crew.project_id)
    body = task_body(project_id, over.pop("task_type", "regression"), over.pop("structure", "tabular"), **over)
    before = _tasks(crew)
    body_message = assert_error(crew.owner.call("POST", "/task", json=body), status, code)["errorMessage"]
    assert len(body_message) > 15
    assert _tasks(crew) == before


def test_task_names_are_unique_in_a_project(crew: Team) -> None:
    name = unique()
    new_task(crew.owner, crew.project_id, name=name)
    before = _tasks(crew)
    assert_error(crew.owner.call("POST", "/task", json=task_body(crew.project_id, name=name)), 409, "ALREADY_EXISTS")
    assert _tasks(crew) == before
    other = new_task(crew.owner, crew.project_id)
    assert_error(crew.owner.call("PATCH", "/task", json={"task_id": other, "name": name, "tags": None,
                                                         "cost_info": None}), 409, "ALREADY_EXISTS")
    assert _tasks(crew) == before + [crew.owner.ok("GET", f"/task/{other}")]
    # The same name is fine in another project.
    project = crew.owner.ok("POST", "/project", json={"name": unique("p"), "description": None,
                                                      "default_storage_policy": "mlcube"})
    new_task(crew.owner, project, name=name)


def test_update_task_rules_and_immutable_fields(crew: Team) -> None:
    client = _client(crew)
    task_id = new_task(crew.owner, crew.project_id, cost_info=REGRESSION_COSTS, tags=["a"])
    before = crew.owner.ok("GET", f"/task/{task_id}")
    with pytest.raises(UpdateTaskException) as err:
        client.update_task(task_id, cost_info=BinaryClassificationTaskCostInfo(
            currency=Currency.EURO, false_positive_cost=1, false_negative_cost=1))
    assert err.value.error_code == "INVALID_PARAMETERS" and "RegressionTaskCostInfo" in err.value.error_message
    assert_error(crew.owner.call("PATCH", "/task", json={"task_id": task_id, "name": None, "tags": None,
                                                         "cost_info": {**REGRESSION_COSTS, "overestimation_cost": -2}}),
                 400, "INVALID_PARAMETERS")
    assert_error(crew.owner.call("PATCH", "/task", json={"task_id": "0" * 32, "name": "x", "tags": None,
                                                         "cost_info": None}), 404, "TASK_NOT_FOUND")
    # Type, data structure and optional_target are not update fields: sending them changes nothing.
    crew.owner.ok("PATCH", "/task", json={"task_id": task_id, "name": None, "tags": None, "cost_info": None,
                                          "task_type": "rag", "data_structure": "text", "optional_target": True})
    assert crew.owner.ok("GET", f"/task/{task_id}") == before
    client.update_task(task_id, cost_info=RegressionTaskCostInfo(currency=Currency.DOLLAR, overestimation_cost=0,
                                                                 underestimation_cost=9))
    assert client.get_task(task_id).cost_info.currency is Currency.DOLLAR


def test_client_maps_create_errors(crew: Team) -> None:
    client = _client(crew)
    with pytest.raises(CreateTaskException) as err:
        client.create_task(crew.project_id, unique(), [], TaskType.CLASSIFICATION_BINARY, DataStructure.TABULAR)
    assert err.value.error_code == "INVALID_PARAMETERS" and "positive_class" in err.value.error_message


def test_unknown_and_foreign_tasks_are_not_found(crew: Team) -> None:
    task_id = new_task(crew.owner, crew.project_id)
    theirs = new_task(crew.outsider, crew.other_project_id)
    for wire, tid in ((crew.owner, "0" * 32), (crew.owner, theirs), (crew.outsider, task_id)):
        assert_error(wire.call("GET", f"/task/{tid}"), 404, "TASK_NOT_FOUND")
    assert_error(crew.owner.call("GET", f"/tasks/{crew.other_project_id}"), 404, "PROJECT_NOT_FOUND")
    assert_error(crew.owner.call("POST", "/task", json=task_body(crew.other_project_id)), 404, "PROJECT_NOT_FOUND")
    assert_error(crew.owner.call("PATCH", "/task", json={"task_id": theirs, "name": "mine", "tags": None,
                                                         "cost_info": None}), 404, "TASK_NOT_FOUND")
    assert crew.outsider.ok("GET", f"/task/{theirs}")["name"] != "mine"


ACTIONS = {
    "create_task": (lambda t, w: w.call("POST", "/task", json=task_body(t.project_id)), WORKERS),
    "update_task": (lambda t, w: w.call("PATCH", "/task", json={"task_id": t.ids["task"], "name": None,
                                                                "tags": [unique()], "cost_info": None}), WORKERS),
    "get_tasks": (lambda t, w: w.call("GET", f"/tasks/{t.project_id}"), READERS),
    "get_task": (lambda t, w: w.call("GET", f"/task/{t.ids['task']}"), READERS),
}


@pytest.fixture(scope="module")
def rbac_team(platform: Platform) -> Team:
    team = make_team(platform)
    team.ids["task"] = new_task(team.owner, team.project_id)
    return team


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_task_rbac(rbac_team: Team, action: str, role: str) -> None:
    call, allowed = ACTIONS[action]
    before = _tasks(rbac_team)
    response = call(rbac_team, wire_of(rbac_team, role))
    if role in allowed:
        assert 200 <= response.status_code < 300, (action, role, response.text)
        return
    assert_error(response, 404 if role == "outsider" else 403)
    assert _tasks(rbac_team) == before


def test_max_tasks_quota(tmp_path) -> None:
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'q.db'}", max_tasks=1,
                        log_level="warning")
    handle = serve_in_thread(settings)
    try:
        local = Platform(handle=handle, dialect="sqlite", logs=LogCapture())
        owner = Wire(local.url, local.new_user()[1])
        owner.ok("POST", "/company", json={"name": "Q", "address": "a", "vat": "v"})
        project = owner.ok("POST", "/project", json={"name": "p", "description": None,
                                                     "default_storage_policy": "mlcube"})
        new_task(owner, project)
        assert_error(owner.call("POST", "/task", json=task_body(project)), 403, "LIMIT_EXCEEDED")
        assert len(owner.ok("GET", f"/tasks/{project}")) == 1
        plan = owner.ok("GET", "/company/current-subscription")
        tasks_quota = next(f for f in plan["numeric_licence_features"] if f["feature"] == "max_tasks")
        assert (tasks_quota["max_value"], tasks_quota["used_value"]) == (1, 1)
    finally:
        handle.stop()
