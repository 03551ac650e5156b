"""MQTT notifications: publish the event document (JSON, QoS 1) on the action's broker and topic.

The connection string is a URL: ``mqtt://[user:password@]host[:port]`` (also ``tcp://``), ``mqtts://`` or
``ssl://`` for TLS, ``ws://`` / ``wss://`` for WebSockets (the path is the WebSocket path); a bare
``host[:port]`` means plain MQTT. ``?client_id=...`` sets the client id.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from mlcube_nb.server.actions import payloads
from mlcube_nb.server.actions.result import DeliveryError

Transport = Literal["tcp", "websockets"]
_SCHEMES: dict[str, tuple[Transport, bool, int]] = {
    "mqtt": ("tcp", False, 1883), "tcp": ("tcp", False, 1883), "mqtts": ("tcp", True, 8883),
    "ssl": ("tcp", True, 8883), "tls": ("tcp", True, 8883), "ws": ("websockets", False, 80),
    "wss": ("websockets", True, 443),
}
"""scheme -> (paho transport, TLS, default port)."""
_TRANSIENT_CONNACK = frozenset({"Server unavailable", "Server busy", "Quota exceeded", "Connection rate exceeded"})


@dataclass(frozen=True)
class Broker:
    """Where and how to connect, parsed from a connection string."""

    host: str
    port: int
    transport: Transport
    tls: bool
    path: str
    username: str | None
    password: str | None
    client_id: str


def parse_connection_string(connection_string: Any) -> Broker:
    """Parse an MQTT connection string (see the module docstring); a malformed one is a configuration error."""
    if not isinstance(connection_string, str) or not connection_string.strip():
        raise DeliveryError("the MQTT connection string is empty: fix the action", retryable=False)
    raw = connection_string.strip()
    parts = urlsplit(raw if "://" in raw else f"mqtt://{raw}")
    if parts.scheme.lower() not in _SCHEMES:
        raise DeliveryError(f"the MQTT connection string has an unknown scheme '{parts.scheme}': use mqtt://, "
                            "mqtts://, ws:// or wss://", retryable=False)
    transport, tls, default_port = _SCHEMES[parts.scheme.lower()]
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise DeliveryError("the MQTT connection string has an invalid port", retryable=False) from exc
    if not parts.hostname:
        raise DeliveryError("the MQTT connection string names no host", retryable=False)
    client_id = parse_qs(parts.query).get("client_id", [f"mlcube-{uuid.uuid4().hex[:12]}"])[0]
    return Broker(host=parts.hostname, port=port, transport=transport, tls=tls, path=parts.path or "/mqtt",
                  username=unquote(parts.username) if parts.username else None,
                  password=unquote(parts.password) if parts.password else None, client_id=client_id)


def _topic(topic: Any) -> str:
    if not isinstance(topic, str) or not topic or "+" in topic or "#" in topic or "\x00" in topic:
        raise DeliveryError("the MQTT topic must be a non-empty topic name without wildcards (+, #)",
                            retryable=False)
    return topic


def _client(broker: Broker, timeout: float) -> Any:
    from paho.mqtt.client import CallbackAPIVersion, Client

    client = Client(CallbackAPIVersion.VERSION2, client_id=broker.client_id, transport=broker.transport,
                    reconnect_on_failure=False)
    client.connect_timeout = timeout
    if broker.transport == "websockets":
        client.ws_set_options(path=broker.path)
    if broker.tls:
        client.tls_set_context(ssl.create_default_context())
    if broker.username:
        client.username_pw_set(broker.username, broker.password)
    return client


def _connect(client: Any, broker: Broker, deadline: float) -> None:
    """Connect and wait for the broker's CONNACK; refusal and silence become ``DeliveryError``."""
    answered = threading.Event()
    outcome: dict[str, Any] = {}

    def on_connect(_client: Any, _userdata: Any, _flags: Any, reason_code: Any, _properties: Any) -> None:
        outcome["reason"] = reason_code
        answered.set()

    client.on_connect = on_connect
    where = f"{broker.host}:{broker.port}"
    try:
        client.connect(broker.host, broker.port, keepalive=30)
    except ssl.SSLError as exc:
        raise DeliveryError(f"the TLS handshake with the MQTT broker {where} failed", retryable=False) from exc
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"could not connect to the MQTT broker {where}", retryable=True) from exc
    client.loop_start()
    if not answered.wait(max(0.0, deadline - time.monotonic())):
        raise DeliveryError(f"the MQTT broker {where} did not accept the connection in time", retryable=True)
    reason = outcome["reason"]
    if reason.is_failure:
        raise DeliveryError(f"the MQTT broker {where} refused the connection: {reason}",
                            retryable=str(reason) in _TRANSIENT_CONNACK)


def publish(connection_string: Any, topic: Any, notice: dict[str, Any], *, timeout: float) -> None:
    """Publish the event document on *topic* with QoS 1 and wait for the broker's acknowledgement."""
    broker = parse_connection_string(connection_string)
    name = _topic(topic)
    deadline = time.monotonic() + timeout
    client = _client(broker, timeout)
    try:
        _connect(client, broker, deadline)
        info = client.publish(name, json.dumps(payloads.event_document(notice), default=str), qos=1)
        try:
            info.wait_for_publish(max(0.0, deadline - time.monotonic()))
        except (RuntimeError, ValueError) as exc:
            raise DeliveryError(f"the MQTT publish failed ({exc})", retryable=True) from exc
        if not info.is_published():
            raise DeliveryError(f"the MQTT broker did not acknowledge the message within {timeout:g} s",
                                retryable=True)
    finally:
        client.disconnect()
        client.loop_stop()
