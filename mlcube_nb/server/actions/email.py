"""E-mail notifications through the SMTP server of the settings (``MLCUBE_SMTP_*``)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from mlcube_nb.server.actions import payloads
from mlcube_nb.server.actions.result import DeliveryError
from mlcube_nb.server.settings import Settings


def _recipient(address: Any) -> str:
    """The action's address if it looks like one mailbox, else a non-retryable configuration error."""
    if (not isinstance(address, str) or address.count("@") != 1 or any(c in address for c in "\r\n,; <>")
            or not all(address.split("@"))):
        raise DeliveryError("the e-mail address of the action is not a single valid address: fix the action",
                            retryable=False)
    return address


def message(notice: dict[str, Any], *, sender: str, recipient: str) -> EmailMessage:
    """The e-mail for *notice*: subject = the notification title, plain-text body with every fact."""
    mail = EmailMessage()
    mail["Subject"] = payloads.title(notice)
    mail["From"] = sender
    mail["To"] = recipient
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or None)
    mail["X-Mlcube-Event-Id"] = str(notice.get("event_id") or "")
    mail.set_content(payloads.text(notice))
    return mail


def _smtp_failure(exc: smtplib.SMTPException) -> DeliveryError:
    """Map an SMTP error: 4xx replies are transient (retry), 5xx replies and refused logins are not."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return DeliveryError("the SMTP server refused the login: check MLCUBE_SMTP_USERNAME/PASSWORD",
                             retryable=False)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return DeliveryError(f"the SMTP server refused the recipient (reply {codes[0] if codes else '?'})",
                             retryable=bool(codes) and all(400 <= c < 500 for c in codes))
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError("the SMTP server does not support STARTTLS or login: check MLCUBE_SMTP_STARTTLS",
                             retryable=False)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryError("the SMTP server closed the connection", retryable=True)
    code = getattr(exc, "smtp_code", None)
    if isinstance(code, int):
        return DeliveryError(f"the SMTP server answered {code}", retryable=400 <= code < 500)
    return DeliveryError(f"SMTP failure ({type(exc).__name__})", retryable=True)


def send_email(address: Any, notice: dict[str, Any], *, settings: Settings, timeout: float) -> None:
    """Send the notification to *address*; STARTTLS and login when the settings ask for them."""
    recipient = _recipient(address)
    if not settings.smtp_host:
        raise DeliveryError("e-mail actions need an SMTP server: set MLCUBE_SMTP_HOST", retryable=False)
    mail = message(notice, sender=settings.smtp_sender, recipient=recipient)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                smtp.login(settings.smtp_username, password)
            smtp.send_message(mail)
    except smtplib.SMTPException as exc:
        raise _smtp_failure(exc) from exc
    except TimeoutError as exc:
        raise DeliveryError(f"the SMTP server did not answer within {timeout:g} s", retryable=True) from exc
    except ssl.SSLError as exc:
        raise DeliveryError("the TLS handshake with the SMTP server failed", retryable=False) from exc
    except OSError as exc:
        raise DeliveryError(f"could not connect to the SMTP server {settings.smtp_host}:{settings.smtp_port}",
                            retryable=True) from exc
