"""ArthurAI construction: settings from arguments, config, ARTHUR_* and MLCUBE_* variables; password login;
offline mode without any request; refusal of plain http; verify_ssl; error kinds; enums in step with the server."""

from __future__ import annotations

import types
from collections.abc import Iterator

import pytest
import requests
from requests.adapters import HTTPAdapter

from mlcube_nb import ML3PlatformClient
from mlcube_nb.arthur import ArthurAI, ArthurInternalError, ArthurUserError, InputType, OutputType, Role
from mlcube_nb.arthur._translate import translate
from mlcube_nb.exceptions import (
    ForbiddenException,
    SDKClientException,
    SDKConnectionException,
    SDKTimeoutException,
    UnauthorizedException,
)
from tests.server.accounts.test_login import PASSWORD, user_with_password

ENV = ("ARTHUR_ENDPOINT_URL", "ARTHUR_API_KEY", "ARTHUR_ORGANIZATION_ID", "MLCUBE_URL", "MLCUBE_API_KEY")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Start every test without the variables the client reads."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    yield


class RefusingAdapter(HTTPAdapter):
    """A transport adapter that fails the test on any request and counts the attempts."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        self.calls += 1
        raise AssertionError(f"offline client sent {request.method} {request.url}")


class RecordingAdapter(HTTPAdapter):
    """A real adapter that remembers the ``verify`` flag of every request it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.verify: list[object] = []

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        self.verify.append(kwargs.get("verify"))
        return super().send(request, **kwargs)  # type: ignore[arg-type]


def _session(adapter: HTTPAdapter) -> requests.Session:
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _company(platform, prefix: str = "cfg") -> tuple[str, str]:
    """A fresh user with a company: (api_key, company_id)."""
    _, key = platform.new_user(prefix)
    client = ML3PlatformClient(platform.url, key)
    client.create_company("Config Co", "1 Road", "IT9")
    return key, client.get_company().company_id


# --- offline -------------------------------------------------------------------------------------------


def test_offline_client_makes_no_request() -> None:
    adapter = RefusingAdapter()
    client = ArthurAI(url="https://arthur.example.com", access_key="k", offline=True, organization_id="org-1",
                      session=_session(adapter))
    assert client.get_current_org() == {"id": "org-1"}
    calls = [lambda: client.set_current_org("org-1"), lambda: client.get_service_accounts(),
             lambda: client.create_service_account("d", Role.USER), lambda: client.get_model("m"),
             lambda: client.model(partner_model_id="m", input_type=InputType.Tabular,
                                  output_type=OutputType.Regression),
             lambda: client.get_model_group("g")]
    for call in calls:
        with pytest.raises(ArthurUserError, match="offline=True"):
            call()
    assert adapter.calls == 0


def test_offline_needs_no_server_and_no_credentials() -> None:
    client = ArthurAI(url="http://127.0.0.1:9", offline=True)  # nothing listens on the discard port
    with pytest.raises(ArthurUserError, match="No current organization"):
        client.get_current_org()
    with pytest.raises(ArthurUserError, match="offline"):
        client.get_model("x", id_type="partner_model_id")
    assert ArthurAI(offline=True, login="someone", password="secret").offline
    assert ArthurAI(config={"offline": True}).offline


# --- plain http ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://arthur.example.com", "http://10.0.0.5:8730", "http://localhost.evil.com"])
def test_plain_http_to_a_remote_host_is_refused(url: str) -> None:
    with pytest.raises(ArthurUserError, match="allow_insecure"):
        ArthurAI(url=url, access_key="k", offline=True)
    assert ArthurAI(url=url, access_key="k", offline=True, allow_insecure=True).url == url
    assert ArthurAI(config={"url": url, "allow_insecure": True}, offline=True).url == url


@pytest.mark.parametrize("url", ["http://localhost:8730", "http://127.0.0.1", "http://[::1]:8730",
                                 "https://arthur.example.com"])
def test_local_http_and_https_are_accepted(url: str) -> None:
    assert ArthurAI(url=url, offline=True).url == url


@pytest.mark.parametrize("url", ["ftp://arthur.example.com", "arthur.example.com", "https://"])
def test_urls_that_are_not_http_are_refused(url: str) -> None:
    with pytest.raises(ArthurUserError, match="http:// or https://"):
        ArthurAI(url=url, offline=True, allow_insecure=True)


# --- settings ------------------------------------------------------------------------------------------


def test_missing_url_or_credentials_are_user_errors() -> None:
    with pytest.raises(ArthurUserError, match="ARTHUR_ENDPOINT_URL"):
        ArthurAI(access_key="k")
    with pytest.raises(ArthurUserError, match="access_key"):
        ArthurAI(url="http://localhost:9")
    with pytest.raises(ArthurUserError, match="both login and password"):
        ArthurAI(url="http://localhost:9", login="me")
    with pytest.raises(ArthurUserError, match="not both"):
        ArthurAI(url="http://localhost:9", login="me", password="pw", access_key="k")


def test_arthur_environment_variables(platform, monkeypatch: pytest.MonkeyPatch) -> None:
    key, company_id = _company(platform)
    monkeypatch.setenv("ARTHUR_ENDPOINT_URL", platform.url)
    monkeypatch.setenv("ARTHUR_API_KEY", key)
    monkeypatch.setenv("ARTHUR_ORGANIZATION_ID", company_id)
    assert ArthurAI().get_current_org() == {"id": company_id, "name": "Config Co"}
    monkeypatch.setenv("ARTHUR_ORGANIZATION_ID", "not-mine")
    with pytest.raises(ArthurUserError, match="do not belong"):
        ArthurAI()
    assert ArthurAI(organization_id=company_id).get_current_org()["id"] == company_id  # argument wins


def test_mlcube_variables_are_the_fallback(platform, monkeypatch: pytest.MonkeyPatch) -> None:
    key, company_id = _company(platform)
    monkeypatch.setenv("MLCUBE_URL", platform.url)
    monkeypatch.setenv("MLCUBE_API_KEY", key)
    assert ArthurAI().get_current_org()["id"] == company_id
    monkeypatch.setenv("ARTHUR_API_KEY", "mlc_000000000000_wrong")  # ARTHUR_* comes before MLCUBE_*
    with pytest.raises(ArthurUserError) as refused:
        ArthurAI()
    assert refused.value.error_code == "UNAUTHORIZED"
    assert ArthurAI(access_key=key).get_current_org()["id"] == company_id


def test_config_object_or_mapping(platform) -> None:
    key, company_id = _company(platform)
    as_object = types.SimpleNamespace(url=platform.url, access_key=key, organization_id=company_id)
    assert ArthurAI(config=as_object).get_current_org()["id"] == company_id
    assert ArthurAI(config={"url": platform.url, "access_key": key}).get_current_org()["id"] == company_id
    with pytest.raises(ArthurUserError):  # arguments override the config
        ArthurAI(config={"url": platform.url, "access_key": key}, access_key="mlc_000000000000_wrong")


def test_login_and_password(platform) -> None:
    username, key = user_with_password(platform)
    client = ArthurAI(url=platform.url, login=username, password=PASSWORD)
    with pytest.raises(ArthurUserError, match="No current organization"):
        client.get_current_org()
    with pytest.raises(ArthurUserError) as wrong:
        ArthurAI(url=platform.url, login=username, password="wrong password")
    assert wrong.value.error_code == "INVALID_CREDENTIALS" and "wrong password" not in str(wrong.value)
    temporary, _ = user_with_password(platform, must_change=True)
    with pytest.raises(ArthurUserError) as refused:
        ArthurAI(config={"url": platform.url, "login": temporary, "password": PASSWORD})
    assert refused.value.error_code == "PASSWORD_CHANGE_REQUIRED"


def test_verify_ssl_reaches_every_request(platform) -> None:
    key, _ = _company(platform)
    for given, expected in ((None, True), (False, False), (True, True)):
        adapter = RecordingAdapter()
        client = ArthurAI(url=platform.url, access_key=key, verify_ssl=given, session=_session(adapter))
        client.get_service_accounts()
        # requests may turn True into the path of its CA bundle; False always stays False
        assert len(adapter.verify) == 2 and all((v is not False) == expected for v in adapter.verify)
    adapter = RecordingAdapter()
    ArthurAI(config={"url": platform.url, "access_key": key, "verify_ssl": False}, session=_session(adapter))
    assert adapter.verify == [False]


def test_unreachable_server_is_a_user_error() -> None:
    with pytest.raises(ArthurUserError, match="check the url"):
        ArthurAI(url="http://127.0.0.1:9", access_key="k", timeout=2)


# --- error kinds and enums -----------------------------------------------------------------------------


@pytest.mark.parametrize(("exc", "kind"), [
    (UnauthorizedException("INVALID_CREDENTIALS", "Wrong username or password"), ArthurUserError),
    (ForbiddenException(), ArthurUserError),
    (SDKClientException("INVALID_PARAMETERS", "bad"), ArthurUserError),
    (SDKConnectionException("CONNECTION_ERROR", "Could not reach"), ArthurUserError),
    (SDKClientException("INTERNAL_ERROR", "bug"), ArthurInternalError),
    (SDKClientException("HTTP_502", "bad gateway"), ArthurInternalError),
    (SDKClientException("INVALID_RESPONSE", "not json"), ArthurInternalError),
    (SDKTimeoutException("TIMEOUT", "no answer"), ArthurInternalError),
])
def test_errors_map_to_user_or_internal(exc: SDKClientException, kind: type) -> None:
    translated = translate(exc)
    assert type(translated) is kind and translated.error_code == exc.error_code


