"""Integration credentials over real HTTP: every provider, defaults, names, validation, RBAC and secrecy."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from mlcube_nb import ML3PlatformClient
from mlcube_nb.client.credentials import INVALID_CREDENTIALS_FORMAT
from mlcube_nb.enums import ExternalIntegration
from mlcube_nb.exceptions import SDKClientException
from mlcube_nb.models import AWSCompatibleCredentials, AWSCredentials, AzureCredentials, GCPCredentials
from mlcube_nb.server.db.engine import make_session_factory
from mlcube_nb.server.db.tables import CredentialsRow
from mlcube_nb.server.errors import BadRequest
from mlcube_nb.server.secrets_box import KEY_FILE_NAME, decrypt_secret, encrypt_secret, load_credentials_secret
from mlcube_nb.server.settings import Settings
from tests.conftest import Platform
from tests.server.conftest import Team, make_team
from tests.server.integration_helpers import (
    BODIES,
    CREATE_PATHS,
    UPDATERS,
    account_info,
    aws_body,
    aws_compatible_body,
    azure_body,
    database_bytes,
    gcp_body,
    new_credentials,
    principal,
    private_key,
    secret_text,
)
from tests.server.task_helpers import ROLES, WORKERS, unique, wire_of
from tests.wire import assert_error


@pytest.fixture(scope="module")
def crew(platform: Platform) -> Team:
    return make_team(platform)


def _listed(team: Team, project_id: str | None = None) -> list[dict]:
    return team.owner.ok("GET", f"/project/{project_id or team.project_id}/integration-credentials")


def _stored_row(platform: Platform, credentials_id: str) -> CredentialsRow:
    with make_session_factory(platform.handle.engine)() as session:
        row = session.get(CredentialsRow, credentials_id)
        assert row is not None
        session.expunge(row)
        return row


# --- happy paths ---------------------------------------------------------------------------------------------


def test_every_provider_through_our_client(crew: Team) -> None:
    client = ML3PlatformClient(url=crew.platform.url, api_key=crew.owner.api_key)
    project = crew.owner.ok("POST", "/project", json={"name": unique("p"), "description": None,
                                                      "default_storage_policy": "mlcube"})
    aws = client.create_aws_integration_credentials("role", True, project, "arn:aws:iam::123456789012:role/ml")
    policy = json.loads(aws.trust_policy)
    external_id = policy["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"]
    assert policy["Statement"][0]["Action"] == "sts:AssumeRole" and external_id.startswith("mlcube-")
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert (aws.name, aws.default, aws.type, aws.role_arn) == ("role", True, ExternalIntegration.AWS,
                                                               "arn:aws:iam::123456789012:role/ml")
    s3 = client.create_aws_compatible_integration_credentials("minio", False, project, "AKIA1", "s3cr3t-value")
    assert (s3.access_key_id, s3.endpoint_url, s3.default) == ("AKIA1", None, False)
    gcp = client.create_gcp_integration_credentials("gcp", True, project, json.dumps(account_info()),
                                                    scopes=["https://www.googleapis.com/auth/pubsub"])
    assert (gcp.gcp_project_id, gcp.client_email, gcp.client_id) == (
        "acme-ml", "retrain@acme-ml.iam.gserviceaccount.com", "1098765432")
    az_json = json.dumps({"appId": "app-1", "displayName": "sp", "password": "pw-value", "tenant": "t-1"})
    azure = client.create_azure_integration_credentials("azure", False, project, az_json)
    assert (azure.app_id, azure.display_name, azure.tenant) == ("app-1", "sp", "t-1")

    fetched = client.get_integration_credentials(aws.credentials_id)
    assert type(fetched) is AWSCredentials and not hasattr(fetched, "trust_policy")
    assert type(client.get_integration_credentials(s3.credentials_id)) is AWSCompatibleCredentials
    assert client.get_integration_credentials(gcp.credentials_id) == gcp
    assert type(client.get_integration_credentials(azure.credentials_id)) is AzureCredentials
    listed = client.get_all_project_integration_credentials(project)
    assert [c.credentials_id for c in listed] == [aws.credentials_id, s3.credentials_id, gcp.credentials_id,
                                                  azure.credentials_id]
    assert [type(c) for c in listed] == [AWSCredentials, AWSCompatibleCredentials, GCPCredentials, AzureCredentials]

    client.delete_integration_credentials(azure.credentials_id)
    assert len(client.get_all_project_integration_credentials(project)) == 3
    assert_error(crew.owner.call("GET", f"/integration/credentials/{azure.credentials_id}"), 404,
                 "CREDENTIALS_NOT_FOUND")


def test_the_stored_shapes_decrypt_to_the_secret_part(crew: Team) -> None:
    settings = crew.platform.handle.settings
    bodies = {kind: BODIES[kind](crew.project_id) for kind in CREATE_PATHS}
    ids = {kind: crew.owner.ok("POST", CREATE_PATHS[kind], json=body)["credentials_id"]
           for kind, body in bodies.items()}
    rows = {kind: _stored_row(crew.platform, ids[kind]) for kind in ids}
    assert {kind: row.type for kind, row in rows.items()} == {kind: kind for kind in ids}
    assert rows["aws"].public == {"role_arn": bodies["aws"]["role_arn"]}
    assert set(load_credentials_secret(settings, rows["aws"])) == {"external_id"}
    assert rows["aws_compatible"].public == {"access_key_id": "AKIAEXAMPLE", "endpoint_url": "http://127.0.0.1:9000"}
    assert load_credentials_secret(settings, rows["aws_compatible"]) == {
        "secret_access_key": bodies["aws_compatible"]["secret_access_key"]}
    assert rows["gcp"].public == {"gcp_project_id": "acme-ml", "client_id": "1098765432",
                                  "client_email": "retrain@acme-ml.iam.gserviceaccount.com"}
    assert load_credentials_secret(settings, rows["gcp"]) == bodies["gcp"]["account_info"]
    credentials = bodies["azure"]["credentials"]
    assert rows["azure"].public == {key: credentials[key] for key in ("app_id", "display_name", "tenant")}
    assert load_credentials_secret(settings, rows["azure"]) == {"password": credentials["password"]}


def test_one_default_per_type_per_project(crew: Team) -> None:
    project = crew.owner.ok("POST", "/project", json={"name": unique("p"), "description": None,
                                                      "default_storage_policy": "mlcube"})
    first = new_credentials(crew.owner, project, "aws_compatible", default=True)
    gcp = new_credentials(crew.owner, project, "gcp", default=True)
    second = new_credentials(crew.owner, project, "aws_compatible", default=True)
    defaults = {c["credentials_id"]: c["default"] for c in _listed(crew, project)}
    assert defaults == {first: False, gcp: True, second: True}
    crew.owner.ok("POST", f"/integration/credentials/{first}/default")
    defaults = {c["credentials_id"]: c["default"] for c in _listed(crew, project)}
    assert defaults == {first: True, gcp: True, second: False}
    other = new_credentials(crew.owner, crew.project_id, "aws_compatible", default=True)  # another project
    assert {c["credentials_id"]: c["default"] for c in _listed(crew, project)}[first] is True
    assert crew.owner.ok("GET", f"/integration/credentials/{other}")["default"] is True


def test_names_are_unique_per_project(crew: Team) -> None:
    name = unique("same")
    new_credentials(crew.owner, crew.project_id, "azure", name=name)
    before = _listed(crew)
    assert_error(crew.owner.call("POST", CREATE_PATHS["gcp"], json=gcp_body(crew.project_id, name=name)),
                 409, "ALREADY_EXISTS")
    assert _listed(crew) == before
    project = crew.owner.ok("POST", "/project", json={"name": unique("p"), "description": None,
                                                      "default_storage_policy": "mlcube"})
    new_credentials(crew.owner, project, "gcp", name=name)
    assert [c["name"] for c in _listed(crew, project)] == [name]


# --- validation ----------------------------------------------------------------------------------------------

BAD = [
    ("aws", {"role_arn": "my-role"}, 400, "INVALID_PARAMETERS", "role_arn"),
    ("aws", {"role_arn": None}, 422, "INVALID_REQUEST", "role_arn"),
    ("aws_compatible", {"secret_access_key": "  "}, 400, "INVALID_CREDENTIALS", "secret_access_key"),
    ("aws_compatible", {"access_key_id": ""}, 400, "INVALID_CREDENTIALS", "access_key_id"),
    ("aws_compatible", {"endpoint_url": "ftp://files.example.com"}, 400, "INVALID_PARAMETERS", "endpoint_url"),
    ("gcp", {"account_info": account_info(type="authorized_user")}, 400, "INVALID_CREDENTIALS", "account_info.type"),
    ("gcp", {"account_info": account_info(private_key="")}, 400, "INVALID_CREDENTIALS", "account_info.private_key"),
    ("gcp", {"account_info": account_info(private_key="not a key")}, 400, "INVALID_CREDENTIALS", "PEM"),
    ("gcp", {"account_info": account_info(client_email="robot")}, 400, "INVALID_CREDENTIALS", "client_email"),
    ("gcp", {"account_info": account_info(token_uri="")}, 400, "INVALID_CREDENTIALS", "token_uri"),
    ("gcp", {"account_info": {k: v for k, v in account_info().items() if k != "private_key_id"}}, 422,
     "INVALID_REQUEST", "private_key_id"),
    ("azure", {"credentials": {k: v for k, v in principal().items() if k != "password"}}, 422, "INVALID_REQUEST",
     "password"),
    ("azure", {"credentials": principal(tenant=" ")}, 400, "INVALID_CREDENTIALS", "credentials.tenant"),
    ("azure", {"credentials": principal(app_id="")}, 400, "INVALID_CREDENTIALS", "credentials.app_id"),
    ("azure", {"name": ""}, 422, "INVALID_REQUEST", "name"),
    ("gcp", {"project_id": "0" * 32}, 404, "PROJECT_NOT_FOUND", "not found"),
]


@pytest.mark.parametrize(("kind", "over", "status", "code", "names"), BAD)
def test_bad_credentials_are_refused_and_change_nothing(crew: Team, kind: str, over: dict, status: int, code: str,
                                                        names: str) -> None:
    before = _listed(crew)
    body = {**BODIES[kind](crew.project_id), **over}
    error = assert_error(crew.owner.call("POST", CREATE_PATHS[kind], json=body), status, code)
    assert names in error["errorMessage"]
    assert _listed(crew) == before


def test_our_client_refuses_malformed_json_before_sending(crew: Team) -> None:
    client = ML3PlatformClient(url=crew.platform.url, api_key=crew.owner.api_key)
    before = _listed(crew)
    with pytest.raises(SDKClientException) as err:
        client.create_gcp_integration_credentials("g", False, crew.project_id, "{not json")
    assert err.value.error_code == INVALID_CREDENTIALS_FORMAT
    azure_json = json.dumps({"appId": "a", "displayName": "d", "tenant": "t"})
    with pytest.raises(SDKClientException) as err:
        client.create_azure_integration_credentials("a", False, crew.project_id, azure_json)
    assert err.value.error_code == INVALID_CREDENTIALS_FORMAT and "password" in err.value.error_message
    assert _listed(crew) == before


def test_unknown_and_foreign_credentials_are_not_found(team: Team) -> None:
    mine = new_credentials(team.owner, team.project_id, "azure")
    theirs = new_credentials(team.outsider, team.other_project_id, "azure")
    for wire, credentials_id in ((team.owner, "0" * 32), (team.owner, theirs), (team.outsider, mine)):
        assert_error(wire.call("GET", f"/integration/credentials/{credentials_id}"), 404, "CREDENTIALS_NOT_FOUND")
        assert_error(wire.call("DELETE", f"/integration/credentials/{credentials_id}"), 404, "CREDENTIALS_NOT_FOUND")
        assert_error(wire.call("POST", f"/integration/credentials/{credentials_id}/default"), 404,
                     "CREDENTIALS_NOT_FOUND")
    assert_error(team.owner.call("GET", f"/project/{team.other_project_id}/integration-credentials"), 404,
                 "PROJECT_NOT_FOUND")
    assert_error(team.owner.call("POST", CREATE_PATHS["aws"], json=aws_body(team.other_project_id)), 404,
                 "PROJECT_NOT_FOUND")
    assert [c["credentials_id"] for c in team.outsider.ok(
        "GET", f"/project/{team.other_project_id}/integration-credentials")] == [theirs]
    assert team.owner.ok("GET", f"/integration/credentials/{mine}")["credentials_id"] == mine


# --- secrecy -------------------------------------------------------------------------------------------------


def test_secrets_never_leave_in_clear(crew: Team) -> None:
    """No secret in any response, in the server log, or (SQLite) in the database file on disk."""
    s3_secret, pk_marker, key_id, password = (secret_text(p) for p in ("s3", "pk", "keyid", "pw"))
    bodies = [
        (CREATE_PATHS["aws_compatible"], aws_compatible_body(crew.project_id, secret_access_key=s3_secret)),
        (CREATE_PATHS["gcp"], gcp_body(crew.project_id, account_info=account_info(
            private_key=private_key(pk_marker), private_key_id=key_id))),
        (CREATE_PATHS["azure"], azure_body(crew.project_id, credentials=principal(password=password))),
    ]
    responses = [crew.owner.call("POST", path, json=body) for path, body in bodies]
    aws = crew.owner.call("POST", CREATE_PATHS["aws"], json=aws_body(crew.project_id))
    external_id = json.loads(aws.json()["trust_policy"])["Statement"][0]["Condition"]["StringEquals"][
        "sts:ExternalId"]
    ids = [r.json()["credentials_id"] for r in [*responses, aws]]
    responses += [crew.owner.call("GET", f"/integration/credentials/{i}") for i in ids]
    responses.append(crew.owner.call("GET", f"/project/{crew.project_id}/integration-credentials"))
    bad_key = gcp_body(crew.project_id, account_info=account_info(private_key="bad " + pk_marker))
    responses.append(crew.owner.call("POST", CREATE_PATHS["gcp"], json=bad_key))  # errors must not echo it either
    assert all(r.status_code < 500 for r in responses)
    secrets_in_clear = [s3_secret, pk_marker, key_id, password]
    for response in responses:
        assert not any(secret in response.text for secret in [*secrets_in_clear, external_id]), response.text
    logs = crew.platform.logs.text()
    assert "/integration/" in logs  # the access log saw the calls...
    assert not any(secret in logs for secret in [*secrets_in_clear, external_id])  # ...but no secret
    if crew.platform.dialect == "sqlite":
        stored = database_bytes(crew.platform.handle.settings.home)
        assert stored and not any(secret.encode() in stored for secret in [*secrets_in_clear, external_id])


# --- the secret box ------------------------------------------------------------------------------------------


def test_key_file_is_private_generated_once_and_reused(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    # spaces and "!" are outside the token's base64 alphabet: a two-letter secret could appear in it by chance
    secret = "my secret pw!"
    token = encrypt_secret(settings, {"password": secret})
    key_file = settings.home / KEY_FILE_NAME
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    first_key = key_file.read_bytes()
    assert decrypt_secret(Settings(home=settings.home), token) == {"password": secret}
    assert key_file.read_bytes() == first_key and secret.encode() not in token.encode()
    with pytest.raises(BadRequest) as err:
        decrypt_secret(Settings(home=tmp_path / "other"), token)
    assert err.value.error_code == "INVALID_CREDENTIALS" and err.value.status_code == 400


def test_secret_key_setting_takes_a_fernet_key_or_a_passphrase(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    fernet_key = Fernet.generate_key().decode()
    monkeypatch.setenv("MLCUBE_SECRET_KEY", fernet_key)
    from_env = Settings(home=tmp_path)
    token = encrypt_secret(from_env, {"k": "v"})
    assert Fernet(fernet_key.encode()).decrypt(token.encode()) == b'{"k":"v"}'
    assert not (tmp_path / KEY_FILE_NAME).exists()
    monkeypatch.delenv("MLCUBE_SECRET_KEY")
    phrase = Settings(home=tmp_path, secret_key="correct horse battery staple")
    token = encrypt_secret(phrase, {"k": "v"})
    assert decrypt_secret(Settings(home=tmp_path / "elsewhere", secret_key="correct horse battery staple"),
                          token) == {"k": "v"}
    with pytest.raises(BadRequest):
        decrypt_secret(Settings(home=tmp_path, secret_key="another passphrase"), token)


# --- RBAC ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rbac_team(platform: Platform) -> Team:
    team = make_team(platform)
    team.ids["credentials"] = new_credentials(team.owner, team.project_id, "azure")
    return team


def _create(kind: str):
    return lambda t, w, _: w.call("POST", CREATE_PATHS[kind], json=BODIES[kind](t.project_id))


ACTIONS = {
    "get": (lambda t, w, _: w.call("GET", f"/integration/credentials/{t.ids['credentials']}"), WORKERS),
    "list": (lambda t, w, _: w.call("GET", f"/project/{t.project_id}/integration-credentials"), WORKERS),
    "delete": (lambda t, w, fresh: w.call("DELETE", f"/integration/credentials/{fresh}"), UPDATERS),
    "set_default": (lambda t, w, fresh: w.call("POST", f"/integration/credentials/{fresh}/default"), UPDATERS),
    **{f"create_{kind}": (_create(kind), UPDATERS) for kind in CREATE_PATHS},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_credentials_rbac(rbac_team: Team, action: str, role: str) -> None:
    call, allowed = ACTIONS[action]
    fresh = new_credentials(rbac_team.owner, rbac_team.project_id, "gcp")
    before = _listed(rbac_team)
    response = call(rbac_team, wire_of(rbac_team, role), fresh)
    if role in allowed:
        assert 200 <= response.status_code < 300, (action, role, response.text)
        return
    assert_error(response, 404 if role == "outsider" else 403)
    assert _listed(rbac_team) == before
