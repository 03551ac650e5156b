"""ArthurAI models over real HTTP: creation mapped onto tasks and models, lookups, isolation, model groups."""

from __future__ import annotations

import pytest

from mlcube_nb import ML3PlatformClient
from mlcube_nb.arthur import ArthurModel, ArthurUserError, InputType, OutputType, TextDelimiter
from tests.server.conftest import Team


def _ml3(team: Team, wire=None) -> ML3PlatformClient:
    return ML3PlatformClient(team.platform.url, (wire or team.owner).api_key, timeout=30)


def _arthur_tasks(team: Team) -> list:
    """Tasks of the company's Arthur project (empty when it does not exist yet)."""
    project = next((p for p in _ml3(team).get_projects() if p.name == "Arthur models"), None)
    return [] if project is None else list(_ml3(team).get_tasks(project.project_id))


def test_tabular_regression_model_becomes_a_task_and_its_model(team: Team, arthur) -> None:
    model = arthur(team.owner).model(
        partner_model_id="credit-risk", input_type=InputType.Tabular, output_type=OutputType.Regression,
        display_name="Credit risk", description="scores loans", tags=["finance", "v1"], is_batch=True,
        expected_throughput_gb_per_day=3)
    assert isinstance(model, ArthurModel)
    assert (model.partner_model_id, model.display_name, model.description) == ("credit-risk", "Credit risk",
                                                                               "scores loans")
    assert (model.input_type, model.output_type, model.is_batch) == (InputType.Tabular, OutputType.Regression, True)
    assert (model.tags, model.expected_throughput_gb_per_day, model.classifier_threshold) == (["finance", "v1"], 3,
                                                                                              None)
    assert (model.version_label, model.version_sequence_num, model.model_group_id) == ("1", 1, model.task_id)
    task = _ml3(team).get_task(model.task_id)
    assert (task.type, task.name, task.tags) == ("regression", "credit-risk", ["finance", "v1"])
    assert task.data_structure == "tabular"
    ours = _ml3(team).get_model(model.id)
    assert (ours.task_id, ours.name, ours.version) == (model.task_id, "credit-risk", "1")


def test_nlp_and_image_models_keep_their_settings(team: Team, arthur) -> None:
    client = arthur(team.admin)
    nlp = client.model(partner_model_id="tickets", input_type=InputType.NLP, output_type=OutputType.Multiclass,
                       text_delimiter=TextDelimiter.WHITESPACE)
    assert (nlp.text_delimiter, nlp.classifier_threshold) == (TextDelimiter.WHITESPACE, 0.5)  # Arthur's default
    task = _ml3(team).get_task(nlp.task_id)
    assert (task.type, task.data_structure, task.text_language) == ("classification_multiclass", "text",
                                                                     "multilanguage")
    image = client.model(display_name="Shelf scanner", input_type="IMAGE", output_type=OutputType.ObjectDetection,
                         pixel_height=480, pixel_width=640)
    assert (image.pixel_height, image.pixel_width) == (480, 640)
    assert image.partner_model_id.startswith("Shelf-scanner-") and image.display_name == "Shelf scanner"
    assert _ml3(team).get_task(image.task_id).type == "object_detection"
    binary = client.model(partner_model_id="churn", input_type=InputType.Tabular, output_type=OutputType.Multiclass,
                          classifier_threshold=0.7)
    labels = client.model(partner_model_id="labels", input_type=InputType.Tabular, output_type="Multilabel")
    assert binary.classifier_threshold == 0.7
    assert _ml3(team).get_task(labels.task_id).type == "classification_multilabel"


def test_deprecated_model_type_still_works(team: Team, arthur) -> None:
    with pytest.warns(DeprecationWarning, match="output_type"):
        model = arthur(team.owner).model(partner_model_id="old", input_type=InputType.Tabular,
                                         model_type=OutputType.Regression)
    assert model.output_type is OutputType.Regression
    with pytest.warns(DeprecationWarning), pytest.raises(ArthurUserError, match="disagree"):
        arthur(team.owner).model(partner_model_id="x", input_type=InputType.Tabular,
                                 output_type=OutputType.Multiclass, model_type=OutputType.Regression)


@pytest.mark.parametrize(("arguments", "message"), [
    ({"input_type": InputType.Tabular, "output_type": OutputType.Regression, "classifier_threshold": 0.4},
     "classifier_threshold only applies"),
    ({"input_type": InputType.Tabular, "output_type": OutputType.Multiclass, "text_delimiter": TextDelimiter.COMMA},
     "text_delimiter only applies"),
    ({"input_type": InputType.Tabular, "output_type": OutputType.Regression, "pixel_height": 10, "pixel_width": 10},
     "only apply to IMAGE"),
    ({"input_type": InputType.Image, "output_type": OutputType.Regression, "pixel_height": 10}, "both"),
    ({"input_type": InputType.Tabular, "output_type": OutputType.ObjectDetection}, "needs input_type IMAGE"),
    ({"input_type": InputType.Tabular, "output_type": OutputType.Multiclass, "classifier_threshold": 1.5},
     "classifier_threshold"),
    ({"input_type": InputType.Tabular, "output_type": OutputType.Regression, "partner_model_id": "a@b"}, "'@'"),
    ({"input_type": InputType.Tabular, "output_type": OutputType.Regression, "partner_model_id": None},
     "partner_model_id or a display_name"),
])
def test_bad_arguments_are_user_errors_and_create_nothing(team: Team, arthur, arguments: dict, message: str) -> None:
    client = arthur(team.owner)
    client.model(partner_model_id="baseline", input_type=InputType.Tabular, output_type=OutputType.Regression)
    before = _arthur_tasks(team)
    arguments = {"partner_model_id": "bad", **arguments}
    with pytest.raises(ArthurUserError, match=message) as refused:
        client.model(**arguments)
    assert refused.value.error_code in {"INVALID_PARAMETERS", "INVALID_REQUEST"}
    assert _arthur_tasks(team) == before


def test_client_side_argument_checks(team: Team, arthur) -> None:
    client = arthur(team.owner)
    with pytest.raises(ArthurUserError, match="needs input_type"):
        client.model(partner_model_id="x", output_type=OutputType.Regression)
    with pytest.raises(ArthurUserError, match="input_type must be one of"):
        client.model(partner_model_id="x", input_type="AUDIO", output_type=OutputType.Regression)
    with pytest.raises(ArthurUserError, match="id_type"):
        client.get_model("x", id_type="name")
    with pytest.raises(ArthurUserError, match="model group id"):
        client.get_model_group("")
    assert _arthur_tasks(team) == []


def test_partner_model_id_is_unique_per_organisation(team: Team, arthur) -> None:
    ours, theirs = arthur(team.owner), arthur(team.outsider)
    first = ours.model(partner_model_id="fraud", input_type=InputType.Tabular, output_type=OutputType.Regression)
    before = _arthur_tasks(team)
    with pytest.raises(ArthurUserError, match="already has a model") as clash:
        ours.model(partner_model_id="fraud", input_type=InputType.NLP, output_type=OutputType.Multiclass)
    assert clash.value.error_code == "ALREADY_EXISTS"
    assert _arthur_tasks(team) == before
    other = theirs.model(partner_model_id="fraud", input_type=InputType.Tabular, output_type=OutputType.Regression)
    assert other.id != first.id and other.organization_id != first.organization_id


def test_get_model_by_id_and_partner_id(team: Team, arthur) -> None:
    made = arthur(team.owner).model(partner_model_id="by/slash?#", input_type=InputType.Tabular,
                                    output_type=OutputType.Regression, tags=["t"])
    reader = arthur(team.p_view)  # views another project, has no role on the Arthur project
    with pytest.raises(ArthurUserError) as denied:
        reader.get_model(made.id)
    assert denied.value.error_code == "FORBIDDEN"
    for client in (arthur(team.owner), arthur(team.admin)):
        assert client.get_model(made.id) == made
        assert client.get_model("by/slash?#", id_type="partner_model_id") == made


def test_another_organisations_model_is_not_found(team: Team, arthur) -> None:
    theirs = arthur(team.outsider).model(partner_model_id="secret", input_type=InputType.Tabular,
                                         output_type=OutputType.Regression)
    ours = arthur(team.owner)
    for call in (lambda: ours.get_model(theirs.id), lambda: ours.get_model("secret", id_type="partner_model_id"),
                 lambda: ours.get_model_group(theirs.model_group_id), lambda: ours.get_model_group(theirs)):
        with pytest.raises(ArthurUserError) as missing:
            call()
        assert missing.value.error_code in {"MODEL_NOT_FOUND", "NOT_FOUND"}


def test_model_group_lists_the_versions(team: Team, arthur) -> None:
    client = arthur(team.owner)
    first = client.model(partner_model_id="pricing", display_name="Pricing", input_type=InputType.Tabular,
                         output_type=OutputType.Regression)
    second_id = _ml3(team).update_model_version(first.id, "2")
    group = client.get_model_group(first)
    assert (group.id, group.name, group.organization_id) == (first.model_group_id, "Pricing", first.organization_id)
    assert [v.id for v in group.get_versions()] == [first.id, second_id]
    assert [v.version_sequence_num for v in group.versions] == [1, 2]
    latest = group.get_latest_version()
    assert (latest.version_label, latest.partner_model_id, latest.output_type) == ("2", None, OutputType.Regression)
    assert client.get_model(second_id) == latest  # made through the ML cube API: Arthur fields derived
    assert client.get_model_group(first.model_group_id) == group
    with pytest.raises(ArthurUserError, match="Model group"):
        client.get_model_group("0" * 32)


def test_model_needs_the_arthur_project_role(team: Team, arthur) -> None:
    with pytest.raises(ArthurUserError) as denied:  # a plain member cannot create the Arthur project
        arthur(team.member).model(partner_model_id="m", input_type=InputType.Tabular,
                                  output_type=OutputType.Regression)
    assert denied.value.error_code == "FORBIDDEN"
    assert _arthur_tasks(team) == []
