"""E-mail sender against a real SMTP server (aiosmtpd) on 127.0.0.1: plain, login, STARTTLS and refusals."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from mlcube_nb.server.actions.dispatch import deliver
from mlcube_nb.server.settings import Settings
from tests.actions.conftest import assert_names_event
from tests.actions.receivers import free_port

USER, PASSWORD = "mailer", "s3cret-smtp-pass"


class Inbox:
    """An aiosmtpd handler that keeps every message; some recipients are refused on purpose."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        if address.startswith("later@"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), mail))
        return "250 Message accepted"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and \
        auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., tuple[Inbox, int]]]:
    """Start SMTP servers on free ports with the given aiosmtpd options; all are stopped afterwards."""
    controllers: list[Controller] = []

    def start(**options: Any) -> tuple[Inbox, int]:
        """A running server with these options: its inbox and port."""
        inbox, port = Inbox(), free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return inbox, port

    yield start
    for controller in controllers:
        controller.stop()


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, written as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "smtp-cert.pem", tmp_path / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _mail(address: str, notice: dict[str, Any], settings: Settings) -> Any:
    return deliver({"type": "email_notification", "address": address}, notice, credentials=None, trigger=None,
                   settings=settings)


def test_email_arrives_with_subject_and_plain_body(smtp_server: Any, notice: dict[str, Any], tmp_path: Path) -> None:
    inbox, port = smtp_server()
    settings = Settings(home=tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_sender="alerts@mlcube.test")
    result = _mail("ops@example.com", notice, settings)
    assert result.ok and result.error is None and result.status_code is None
    ((sender, recipients, mail),) = inbox.messages
    assert sender == "alerts@mlcube.test" and recipients == ["ops@example.com"]
    assert mail["Subject"] == "[mlcube] DRIFT ON — task churn / input (high)"
    assert mail["From"] == "alerts@mlcube.test" and mail["X-Mlcube-Event-Id"] == "ev0123456789"
    assert mail.get_content_type() == "text/plain"
    assert_names_event(mail.get_content())


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_with_the_configured_user(smtp_server: Any, notice: dict[str, Any], tmp_path: Path) -> None:
    inbox, port = smtp_server(authenticator=_authenticator, auth_require_tls=False, auth_required=True)
    good = Settings(home=tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_username=USER, smtp_password=PASSWORD)
    assert _mail("ops@example.com", notice, good).ok and len(inbox.messages) == 1
    bad = Settings(home=tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_username=USER,
                   smtp_password="wrong-pass-123")
    result = _mail("ops@example.com", notice, bad)
    assert not result.ok and not result.retryable and "refused the login" in result.error
    assert "wrong-pass-123" not in result.error and len(inbox.messages) == 1


def test_starttls_when_configured(smtp_server: Any, notice: dict[str, Any], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = _self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    inbox, port = smtp_server(tls_context=tls, require_starttls=True)
    settings = Settings(home=tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=True)
    untrusted = _mail("ops@example.com", notice, settings)
    assert not untrusted.ok and not untrusted.retryable and "TLS" in untrusted.error
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    assert _mail("ops@example.com", notice, settings).ok
    assert len(inbox.messages) == 1
    plain = _mail("ops@example.com", notice, Settings(home=tmp_path, smtp_host="127.0.0.1", smtp_port=port))
    assert not plain.ok and len(inbox.messages) == 1


def test_refused_recipients(smtp_server: Any, notice: dict[str, Any], tmp_path: Path) -> None:
    inbox, port = smtp_server()
    settings = Settings(home=tmp_path, smtp_host="127.0.0.1", smtp_port=port)
    permanent = _mail("nobody@example.com", notice, settings)
    assert not permanent.ok and not permanent.retryable and "550" in permanent.error
    transient = _mail("later@example.com", notice, settings)
    assert not transient.ok and transient.retryable and "451" in transient.error
    assert inbox.messages == []


def test_configuration_errors_are_not_retryable(notice: dict[str, Any], tmp_path: Path) -> None:
    unset = _mail("ops@example.com", notice, Settings(home=tmp_path))
    assert not unset.ok and not unset.retryable and "MLCUBE_SMTP_HOST" in unset.error
    configured = Settings(home=tmp_path, smtp_host="127.0.0.1", smtp_port=free_port())
    for address in ("not-an-address", "a@b.c, d@e.f", "x@y.z\r\nBcc: evil@example.com"):
        result = _mail(address, notice, configured)
        assert not result.ok and not result.retryable and "fix the action" in result.error


def test_unreachable_smtp_server_is_retryable(notice: dict[str, Any], tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_password="pw-never-shown")
    result = _mail("ops@example.com", notice, settings)
    assert not result.ok and result.retryable and "could not connect to the SMTP server" in result.error
