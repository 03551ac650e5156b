"""GCP Pub/Sub and Azure Event Grid senders against fake token and publish endpoints on local HTTP servers.

The Google token request (google-auth) is checked for a JWT signed RS256 with the service account's key
(generated here). azure-identity only talks to an https authority, so the Entra ID endpoints (tenant
discovery and token) run on a local HTTPS receiver with a self-signed certificate trusted through
``REQUESTS_CA_BUNDLE``, the variable users set for a private CA too.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import ssl
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from mlcube_nb.server.actions.dispatch import deliver
from mlcube_nb.server.settings import Settings
from tests.actions.receivers import Receiver, start_receiver

SA_EMAIL = "publisher@proj-x.iam.gserviceaccount.com"
PUBLISH_PATH = "/pubsub/v1/projects/proj-x/topics/drift-events:publish"


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    """The service account's RSA key, made for this test module."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def gcp(receiver: Receiver, rsa_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """Decrypted gcp credentials whose token and Pub/Sub endpoints are the local receiver."""
    pytest.importorskip("google.oauth2", reason="the [gcp] extra is not installed")
    pem = rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    receiver.answer("/gcp/token", 200, {"access_token": "ya29.gcp-token", "expires_in": 3600, "token_type": "Bearer"})
    receiver.answer(PUBLISH_PATH, 200, {"messageIds": ["1"]})
    return {"type": "gcp", "gcp_project_id": "proj-x", "client_email": SA_EMAIL, "client_id": "1234",
            "private_key": pem, "private_key_id": "kid-1", "token_uri": f"{receiver.url}/gcp/token",
            "pubsub_endpoint": f"{receiver.url}/pubsub"}


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key (both PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture(scope="module")
def entra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Receiver, Path]]:
    """A local HTTPS receiver standing in for Entra ID, and the certificate that makes it trusted."""
    cert_path, key_path = _self_signed(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    rec, server = start_receiver(tls=context)
    yield rec, cert_path
    server.shutdown()
    server.server_close()


@pytest.fixture
def azure(entra: tuple[Receiver, Path], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Decrypted azure credentials whose authority host is the local HTTPS receiver."""
    pytest.importorskip("azure.identity", reason="the [azure] extra is not installed")
    receiver, cert_path = entra
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path))
    tenant = f"{receiver.url}/aad/tenant-1"
    receiver.answer("/aad/tenant-1/v2.0/.well-known/openid-configuration", 200, {
        "token_endpoint": f"{tenant}/oauth2/v2.0/token", "authorization_endpoint": f"{tenant}/oauth2/v2.0/authorize",
        "issuer": f"{tenant}/v2.0"})
    receiver.answer("/aad/tenant-1/oauth2/v2.0/token", 200, {"access_token": "eyJ.azure-token", "expires_in": 3599,
                                                            "token_type": "Bearer"})
    return {"type": "azure", "app_id": "app-1", "display_name": "mlcube", "tenant": "tenant-1",
            "password": "azure-client-secret-7", "authority_host": f"{receiver.url}/aad"}


def _pubsub_action() -> dict[str, Any]:
    return {"type": "gcp_pubsub_notification", "credentials_id": None, "topic_name": "drift-events"}


def _published(receiver: Receiver) -> dict[str, Any]:
    request = receiver.at(PUBLISH_PATH)[-1]
    assert request.headers["Authorization"] == "Bearer ya29.gcp-token"
    (message,) = request.json()["messages"]
    return {"data": json.loads(base64.b64decode(message["data"])), "attributes": message["attributes"]}


def test_pubsub_publishes_with_a_signed_jwt_grant(receiver: Receiver, gcp: dict[str, Any], notice: dict[str, Any],
                                                  settings: Settings, rsa_key: rsa.RSAPrivateKey) -> None:
    result = deliver(_pubsub_action(), notice, credentials=gcp, trigger=None, settings=settings)
    assert result.ok and result.status_code == 200, result
    form = receiver.at("/gcp/token")[-1].form()
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    header, claims, signature = form["assertion"].split(".")
    assert json.loads(_unb64(header)) == {"alg": "RS256", "typ": "JWT", "kid": "kid-1"}
    payload = json.loads(_unb64(claims))
    # google-auth addresses the grant to Google's token endpoint, whatever token_uri it is posted to.
    assert payload["iss"] == SA_EMAIL and payload["aud"] == "https://oauth2.googleapis.com/token"
    assert payload["scope"] == "https://www.googleapis.com/auth/pubsub" and payload["exp"] - payload["iat"] == 3600
    rsa_key.public_key().verify(_unb64(signature), f"{header}.{claims}".encode(), padding.PKCS1v15(),
                                hashes.SHA256())
    message = _published(receiver)
    assert message["data"]["event_id"] == "ev0123456789" and message["data"]["source"] == "mlcube.platform"
    assert message["data"]["title"] == "[mlcube] DRIFT ON — task churn / input (high)"
    assert message["attributes"] == {"source": "mlcube.platform", "event_type": "drift_on", "severity": "high",
                                     "task_id": "task42", "model_id": "model9", "monitoring_target": "input",
                                     "test": "false"}


def test_google_token_is_reused(receiver: Receiver, gcp: dict[str, Any], notice: dict[str, Any],
                                settings: Settings) -> None:
    tokens_before = len(receiver.at("/gcp/token"))
    for _ in range(3):
        assert deliver(_pubsub_action(), notice, credentials=gcp, trigger=None, settings=settings).ok
    assert len(receiver.at("/gcp/token")) == tokens_before + 1


def test_pubsub_retrain_trigger_message(receiver: Receiver, gcp: dict[str, Any], notice: dict[str, Any],
                                        settings: Settings) -> None:
    trigger = {"type": "gcp_pubsub", "credentials_id": "c1", "topic_name": "drift-events"}
    assert deliver({"type": "retrain"}, notice, credentials=gcp, trigger=trigger, settings=settings).ok
    data = _published(receiver)["data"]
    assert {key: data[key] for key in ("project_id", "topic_name", "source", "event_type")} == {
        "project_id": "proj-x", "topic_name": "drift-events", "source": "ml3_platform",
        "event_type": "retrain_trigger"}
    assert data["payload"]["model_id"] == "model9"


def test_google_token_failures(receiver: Receiver, gcp: dict[str, Any], notice: dict[str, Any],
                               settings: Settings) -> None:
    receiver.answer("/gcp/token", 400, {"error": "invalid_grant", "echo": gcp["private_key"]})
    refused = deliver(_pubsub_action(), notice, credentials=gcp, trigger=None, settings=settings)
    assert not refused.ok and not refused.retryable and refused.status_code == 400
    assert "PRIVATE KEY" not in refused.error and "Google token endpoint" in refused.error
    receiver.answer("/gcp/token", 503, "down")
    down = deliver(_pubsub_action(), notice, credentials=gcp, trigger=None, settings=settings)
    assert not down.ok and down.retryable and down.status_code == 503
    bad_key = deliver(_pubsub_action(), notice, credentials={**gcp, "private_key": "not a key"}, trigger=None,
                      settings=settings)
    assert not bad_key.ok and not bad_key.retryable and "private_key" in bad_key.error


def test_pubsub_server_error_is_retryable(receiver: Receiver, gcp: dict[str, Any], notice: dict[str, Any],
                                          settings: Settings) -> None:
    receiver.answer(PUBLISH_PATH, 500, {"error": {"code": 500}})
    result = deliver(_pubsub_action(), notice, credentials=gcp, trigger=None, settings=settings)
    assert not result.ok and result.retryable and result.status_code == 500


def test_event_grid_custom_topic_gets_the_event_grid_schema(receiver: Receiver, azure: dict[str, Any],
                                                            entra: tuple[Receiver, Path], notice: dict[str, Any],
                                                            settings: Settings) -> None:
    endpoint = receiver.answer("/eg/api/events", 200)
    action = {"type": "azure_event_grid_notification", "credentials_id": None, "topic_endpoint": endpoint}
    result = deliver(action, notice, credentials=azure, trigger=None, settings=settings)
    assert result.ok and result.status_code == 200, result
    form = entra[0].at("/aad/tenant-1/oauth2/v2.0/token")[-1].form()
    assert {key: form.get(key) for key in ("grant_type", "client_id", "client_secret", "scope")} == {
        "grant_type": "client_credentials", "client_id": "app-1", "client_secret": "azure-client-secret-7",
        "scope": "https://eventgrid.azure.net/.default"}
    tokens_before = len(entra[0].at("/aad/tenant-1/oauth2/v2.0/token"))
    assert deliver(action, notice, credentials=azure, trigger=None, settings=settings).ok
    assert len(entra[0].at("/aad/tenant-1/oauth2/v2.0/token")) == tokens_before  # the token is reused
    request = receiver.at("/eg/api/events")[-1]
    assert request.headers["Authorization"] == "Bearer eyJ.azure-token"
    assert request.headers["Content-Type"] == "application/json"
    (event,) = request.json()
    assert set(event) == {"id", "eventType", "subject", "eventTime", "dataVersion", "data"}
    assert event["eventType"] == "mlcube.platform.detection_event"
    assert event["subject"] == "tasks/task42/detection-events/ev0123456789"
    assert event["data"]["severity"] == "high" and event["data"]["model_name"] == "churn-xgb"


def test_event_grid_namespace_topic_gets_a_cloud_event(receiver: Receiver, azure: dict[str, Any],
                                                       notice: dict[str, Any], settings: Settings) -> None:
    path = "/ns/topics/drift:publish?api-version=2023-11-01"
    endpoint = receiver.answer(path, 200)
    action = {"type": "azure_event_grid_notification", "credentials_id": None, "topic_endpoint": endpoint}
    assert deliver(action, notice, credentials=azure, trigger=None, settings=settings).ok
    request = receiver.at(path)[-1]
    assert request.headers["Content-Type"].startswith("application/cloudevents+json")
    event = request.json()
    assert event["specversion"] == "1.0" and event["source"] == "mlcube.platform"
    assert event["type"] == "mlcube.platform.detection_event" and event["data"]["event_id"] == "ev0123456789"


def test_event_grid_retrain_trigger(receiver: Receiver, azure: dict[str, Any], notice: dict[str, Any],
                                    settings: Settings) -> None:
    endpoint = receiver.answer("/retrain/api/events", 200)
    trigger = {"type": "azure_event_grid", "credentials_id": "c1", "topic_endpoint": endpoint}
    assert deliver({"type": "retrain"}, notice, credentials=azure, trigger=trigger, settings=settings).ok
    (event,) = receiver.at("/retrain/api/events")[-1].json()
    assert (event["subject"], event["eventType"], event["dataVersion"]) == ("ml3_platform", "retrain_trigger", "1.0")
    assert event["data"]["model_id"] == "model9"


def test_azure_refused_login_hides_the_password(receiver: Receiver, azure: dict[str, Any],
                                                entra: tuple[Receiver, Path], notice: dict[str, Any],
                                                settings: Settings) -> None:
    entra[0].answer("/aad/tenant-1/oauth2/v2.0/token", 401, {"error": "invalid_client",
                                                             "error_description": "bad azure-client-secret-7"})
    endpoint = receiver.answer("/eg2/api/events", 200)
    action = {"type": "azure_event_grid_notification", "credentials_id": None, "topic_endpoint": endpoint}
    result = deliver(action, notice, credentials=azure, trigger=None, settings=settings)
    assert not result.ok and not result.retryable and result.status_code == 401
    assert "azure-client-secret-7" not in result.error and receiver.at("/eg2/api/events") == []


def test_cloud_actions_need_matching_credentials(azure: dict[str, Any], gcp: dict[str, Any], notice: dict[str, Any],
                                                 settings: Settings) -> None:
    grid = {"type": "azure_event_grid_notification", "credentials_id": None, "topic_endpoint": "https://x/api/events"}
    for action, credentials in ((_pubsub_action(), azure), (_pubsub_action(), None), (grid, gcp), (grid, None)):
        result = deliver(action, notice, credentials=credentials, trigger=None, settings=settings)
        assert not result.ok and not result.retryable and "credentials" in result.error


def test_azure_token_endpoint_down_is_retryable(receiver: Receiver, azure: dict[str, Any],
                                                entra: tuple[Receiver, Path], notice: dict[str, Any],
                                                settings: Settings) -> None:
    entra[0].answer("/aad/tenant-1/oauth2/v2.0/token", 503, "down")
    grid = {"type": "azure_event_grid_notification", "credentials_id": None,
            "topic_endpoint": receiver.answer("/eg3/api/events", 200)}
    down = deliver(grid, notice, credentials=azure, trigger=None, settings=settings)
    assert not down.ok and down.retryable and down.status_code == 503 and "Azure token endpoint" in down.error
    plain = deliver(grid, notice, credentials={**azure, "authority_host": "http://127.0.0.1:9/aad"}, trigger=None,
                    settings=settings)
    assert not plain.ok and not plain.retryable and "https" in plain.error


def test_token_answers_without_a_token_are_refused(receiver: Receiver, gcp: dict[str, Any], azure: dict[str, Any],
                                                   entra: tuple[Receiver, Path], notice: dict[str, Any],
                                                   settings: Settings) -> None:
    grid = {"type": "azure_event_grid_notification", "credentials_id": None,
            "topic_endpoint": receiver.answer("/eg4/api/events", 200)}
    published_before = len(receiver.at(PUBLISH_PATH))
    for body in ("<html>proxy</html>", ["x"], {"token_type": "Bearer"}):
        receiver.answer("/gcp/token", 200, body)
        entra[0].answer("/aad/tenant-1/oauth2/v2.0/token", 200, body)
        for action, credentials in ((_pubsub_action(), gcp), (grid, azure)):
            result = deliver(action, notice, credentials=credentials, trigger=None, settings=settings)
            assert not result.ok and not result.retryable and "without a usable access_token" in result.error, result
    assert len(receiver.at(PUBLISH_PATH)) == published_before and receiver.at("/eg4/api/events") == []


@pytest.mark.parametrize(("module", "extra"), [("google.oauth2", "gcp"), ("azure.identity", "azure")])
def test_a_missing_extra_is_named(module: str, extra: str, gcp: dict[str, Any], azure: dict[str, Any],
                                  notice: dict[str, Any], settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # what a Python without the package would import
    grid = {"type": "azure_event_grid_notification", "credentials_id": None, "topic_endpoint": "https://x/api/events"}
    action, credentials = (_pubsub_action(), gcp) if extra == "gcp" else (grid, azure)
    result = deliver(action, notice, credentials=credentials, trigger=None, settings=settings)
    assert not result.ok and not result.retryable and f"pip install 'mlcube-nb[{extra}]'" in result.error
