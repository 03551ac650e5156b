"""Shape checks of the addresses users hand the platform: URLs, e-mail, MQTT brokers and cloud resource names.

Each check raises a 400 ``INVALID_PARAMETERS`` whose message names the field (``label``) and what a valid
value looks like; the rejected value itself is never echoed, since it may carry a token.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from mlcube_nb.enums import ErrorCode
from mlcube_nb.server.errors import BadRequest

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$")
_AWS_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$")
_EVENT_BUS = re.compile(r"^(?:arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus/)?[A-Za-z0-9._/-]{1,256}$")
_PUBSUB_TOPIC = re.compile(r"^(?:projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/topics/)?[A-Za-z][A-Za-z0-9._~+%-]{2,254}$")
_MQTT_SCHEMES = ("mqtt", "mqtts")


def bad(label: str, message: str) -> BadRequest:
    """A 400 ``INVALID_PARAMETERS`` about the field *label*."""
    return BadRequest(ErrorCode.INVALID_PARAMETERS, f"{label}: {message}")


def _port_ok(parts: SplitResult) -> bool:
    """Whether the URL's port (if any) is a number from 1 to 65535."""
    try:
        port = parts.port  # raises ValueError when not a number or out of range
    except ValueError:
        return False
    return port is None or port > 0


def is_http_url(value: str) -> bool:
    """Whether *value* is an absolute ``http://`` or ``https://`` URL with a host, a valid port and no spaces."""
    parts = urlsplit(value)
    return (parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in value)
            and len(value) <= 2048 and _port_ok(parts))


def is_email(value: str) -> bool:
    """Whether *value* is one e-mail address like ``name@example.com``."""
    return len(value) <= 320 and _EMAIL.match(value) is not None


def check_http_url(value: str, label: str) -> None:
    """An absolute ``http://`` or ``https://`` URL with a host and no spaces."""
    if not is_http_url(value):
        raise bad(label, "is not a valid URL; give an absolute http:// or https:// address such as "
                         "https://hooks.example.com/path")


def check_email(value: str, label: str) -> None:
    """A single e-mail address like ``name@example.com``."""
    if not is_email(value):
        raise bad(label, "is not an e-mail address; give one address such as alerts@example.com")


def check_mqtt(connection_string: str, topic: str, label: str) -> None:
    """A broker ``mqtt://host[:port]`` or ``mqtts://host[:port]`` and a topic to publish on (no wildcards)."""
    parts = urlsplit(connection_string.strip())
    if parts.scheme not in _MQTT_SCHEMES or not parts.hostname or not _port_ok(parts) or \
            parts.path not in ("", "/") or parts.query or parts.fragment:
        raise bad(f"{label}.connection_string",
                  "is not an MQTT broker address; give mqtt://host[:port] or mqtts://host[:port]")
    if parts.username is not None or parts.password is not None:
        raise bad(f"{label}.connection_string", "must not embed a user name or password: they would be stored "
                                                "and shown in clear; give mqtt://host[:port]")
    if not topic or len(topic.encode("utf-8")) > 65535 or "\x00" in topic:
        raise bad(f"{label}.topic", "give a topic name such as mlcube/alerts")
    if "+" in topic or "#" in topic or topic.startswith("$"):
        raise bad(f"{label}.topic", "cannot contain the wildcards '+' or '#' or start with '$'; give the "
                                    "exact topic to publish on")


def check_aws_region(value: str, label: str) -> None:
    """An AWS region name such as ``eu-west-1``."""
    if not _AWS_REGION.match(value):
        raise bad(label, "is not an AWS region name; give one such as eu-west-1")


def check_event_bus(value: str, label: str) -> None:
    """An EventBridge bus: its name (letters, digits, ``._-/``) or its ARN."""
    if not _EVENT_BUS.match(value):
        raise bad(label, "is not an EventBridge bus; give its name (e.g. default) or its ARN")


def check_pubsub_topic(value: str, label: str) -> None:
    """A Pub/Sub topic id (3–255 characters, starting with a letter) or ``projects/<p>/topics/<id>``."""
    if not _PUBSUB_TOPIC.match(value) or value.rsplit("/", 1)[-1].startswith("goog"):
        raise bad(label, "is not a Pub/Sub topic; give a topic id such as retrain-requests "
                         "(or projects/<project>/topics/<id>)")
