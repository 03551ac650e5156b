"""ArthurAI organisations and service accounts over real HTTP: membership, tokens shown once, roles."""

from __future__ import annotations

import pytest

from mlcube_nb import ML3PlatformClient
from mlcube_nb.arthur import ArthurAI, ArthurUserError, InputType, OutputType, Role
from tests.server.conftest import Team
from tests.wire import Wire, assert_error


def _org_id(wire: Wire) -> str:
    return wire.ok("GET", "/company")["company_id"]


def test_current_org_is_the_callers_company(team: Team, arthur) -> None:
    client = arthur(team.owner)
    assert client.get_current_org() == {"id": _org_id(team.owner), "name": "Acme"}
    assert arthur(team.outsider).get_current_org() == {"id": _org_id(team.outsider), "name": "Other"}


def test_set_current_org_accepts_only_own_organisations(team: Team, arthur) -> None:
    client = arthur(team.member)
    own, theirs = _org_id(team.owner), _org_id(team.outsider)
    client.set_current_org(own)
    assert client.get_current_org()["id"] == own
    for foreign in (theirs, "0" * 32):
        with pytest.raises(ArthurUserError, match="do not belong"):
            client.set_current_org(foreign)
        assert client.get_current_org()["id"] == own  # unchanged


def test_organization_id_argument_is_checked(team: Team, platform) -> None:
    own = _org_id(team.owner)
    client = ArthurAI(url=platform.url, access_key=team.admin.api_key, organization_id=own)
    assert client.get_current_org()["id"] == own
    with pytest.raises(ArthurUserError, match="do not belong"):
        ArthurAI(url=platform.url, access_key=team.admin.api_key, organization_id=_org_id(team.outsider))


def test_user_without_company_has_no_current_org(platform, arthur) -> None:
    _, key = platform.new_user("loner")
    client = arthur(key)
    with pytest.raises(ArthurUserError, match="No current organization"):
        client.get_current_org()
    ML3PlatformClient(platform.url, key).create_company("Later", "1 Road", "IT7")
    company_id = ML3PlatformClient(platform.url, key).get_company().company_id
    client.set_current_org(company_id)
    assert client.get_current_org() == {"id": company_id, "name": "Later"}


def test_create_service_account_shows_the_token_once(team: Team, arthur) -> None:
    owner = arthur(team.owner)
    account = owner.create_service_account("nightly scorer", Role.MODEL_OWNER)
    assert set(account) == {"id", "organization_id", "description", "token"}
    assert account["organization_id"] == _org_id(team.owner) and account["description"] == "nightly scorer"
    assert account["token"].startswith("mlc_")
    listed = owner.get_service_accounts()
    assert [a["id"] for a in listed] == [account["id"]]
    assert listed[0]["token"] is None and listed[0]["description"] == "nightly scorer"
    as_service = arthur(account["token"])
    assert as_service.get_current_org()["id"] == _org_id(team.owner)
    users = {u["user_id"]: u for u in team.owner.ok("GET", "/company-user")}
    assert users[account["id"]]["company_role"] == "COMPANY_USER"  # a user of the company with an API key


def test_get_service_accounts_filters_by_description_and_by_company(team: Team, arthur) -> None:
    owner, admin = arthur(team.owner), arthur(team.admin)
    first = owner.create_service_account("reader", Role.USER)
    second = admin.create_service_account("writer", "Model Owner")
    third = owner.create_service_account("reader", "USER")
    assert [a["id"] for a in owner.get_service_accounts()] == [first["id"], second["id"], third["id"]]
    assert [a["id"] for a in admin.get_service_accounts(description="reader")] == [first["id"], third["id"]]
    assert owner.get_service_accounts(description="nobody") == []
    assert arthur(team.outsider).get_service_accounts() == []


def test_only_owners_and_admins_manage_service_accounts(team: Team, arthur) -> None:
    for wire in (team.member, team.p_admin, team.none):
        client = ArthurAI(url=team.platform.url, access_key=wire.api_key)
        with pytest.raises(ArthurUserError) as denied:
            client.create_service_account("x", Role.USER)
        assert denied.value.error_code in {"FORBIDDEN", "COMPANY_NOT_FOUND"}
        with pytest.raises(ArthurUserError):
            client.get_service_accounts()
    assert arthur(team.owner).get_service_accounts() == []  # nothing was created


def test_administrator_accounts_need_the_owner(team: Team, arthur) -> None:
    with pytest.raises(ArthurUserError, match="owner") as denied:
        arthur(team.admin).create_service_account("ops", Role.ADMINISTRATOR)
    assert denied.value.error_code == "FORBIDDEN"
    account = arthur(team.owner).create_service_account("ops", Role.ADMINISTRATOR)
    as_admin = arthur(account["token"])
    helper = as_admin.create_service_account("helper", Role.USER)  # an admin may create non-admin accounts
    assert {a["id"] for a in as_admin.get_service_accounts()} == {account["id"], helper["id"]}


def test_a_service_accounts_role_limits_its_token(team: Team, arthur) -> None:
    owner = arthur(team.owner)
    model = owner.model(partner_model_id="shared", input_type=InputType.Tabular, output_type=OutputType.Regression)
    reader = arthur(owner.create_service_account("reader", Role.USER)["token"])
    writer = arthur(owner.create_service_account("writer", Role.MODEL_OWNER)["token"])
    assert reader.get_model("shared", id_type="partner_model_id").id == model.id
    with pytest.raises(ArthurUserError) as denied:
        reader.model(partner_model_id="nope", input_type=InputType.Tabular, output_type=OutputType.Regression)
    assert denied.value.error_code == "FORBIDDEN"
    for client in (reader, writer):
        with pytest.raises(ArthurUserError) as no_accounts:
            client.create_service_account("escalate", Role.ADMINISTRATOR)
        assert no_accounts.value.error_code == "FORBIDDEN"
    made = writer.model(partner_model_id="by-writer", input_type="TABULAR", output_type="REGRESSION")
    assert reader.get_model(made.id).partner_model_id == "by-writer"
    with pytest.raises(ArthurUserError):
        reader.get_model("nope", id_type="partner_model_id")  # the refused create left nothing behind


def test_bad_role_is_refused_before_and_by_the_server(team: Team, arthur) -> None:
    with pytest.raises(ArthurUserError, match="role must be one of"):
        arthur(team.owner).create_service_account("x", "Superuser")
    response = team.owner.call("POST", "/arthur/service-accounts", json={"description": "x", "role": "Superuser"})
    assert_error(response, 422, "INVALID_REQUEST")
    assert_error(team.owner.call("POST", "/arthur/service-accounts", json={"description": "", "role": "User"}), 422)
    assert team.owner.ok("GET", "/arthur/service-accounts") == []
