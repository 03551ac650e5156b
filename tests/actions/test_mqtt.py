"""MQTT sender against the Mosquitto broker on 127.0.0.1:1883 (skipped when none answers, unless CI=true)."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from mlcube_nb.server.actions.dispatch import deliver
from mlcube_nb.server.actions.mqtt import parse_connection_string
from mlcube_nb.server.actions.result import DeliveryError
from mlcube_nb.server.settings import Settings
from tests.actions.conftest import IN_CI
from tests.actions.receivers import free_port

BROKER = ("127.0.0.1", 1883)


@pytest.fixture(scope="module")
def broker() -> str:
    """The connection string of the local broker; skip (or fail under CI) when it does not answer."""
    try:
        socket.create_connection(BROKER, timeout=2).close()
    except OSError as exc:
        if IN_CI:
            pytest.fail(f"CI=true but no MQTT broker answers on {BROKER}: {exc}")
        pytest.skip(f"no MQTT broker on {BROKER[0]}:{BROKER[1]}")
    return f"mqtt://{BROKER[0]}:{BROKER[1]}"


class Subscriber:
    """A paho subscriber that collects the messages of one topic."""

    def __init__(self, topic: str) -> None:
        from paho.mqtt.client import CallbackAPIVersion, Client

        self.messages: list[Any] = []
        self.arrived, subscribed = threading.Event(), threading.Event()
        self.client = Client(CallbackAPIVersion.VERSION2)
        self.client.on_connect = lambda client, *_: client.subscribe(topic, qos=1)
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect(*BROKER)
        self.client.loop_start()
        assert subscribed.wait(5), "the test subscriber could not subscribe"

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        self.messages.append(message)
        self.arrived.set()

    def close(self) -> None:
        """Disconnect and stop the network thread."""
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def topic() -> str:
    """A topic no other test publishes on."""
    return f"mlcube-tests/{uuid.uuid4().hex}/events"


@pytest.fixture
def subscriber(broker: str, topic: str) -> Iterator[Subscriber]:
    """A subscriber of *topic*, ready before the test publishes."""
    sub = Subscriber(topic)
    yield sub
    sub.close()


def _publish(connection_string: str, topic: str, notice: dict[str, Any], settings: Settings) -> Any:
    action = {"type": "mqtt_notification", "connection_string": connection_string, "topic": topic}
    return deliver(action, notice, credentials=None, trigger=None, settings=settings)


def test_message_reaches_a_subscriber(broker: str, topic: str, subscriber: Subscriber, notice: dict[str, Any],
                                      settings: Settings) -> None:
    result = _publish(broker, topic, notice, settings)
    assert result.ok and result.error is None
    assert subscriber.arrived.wait(5)
    (message,) = subscriber.messages
    assert message.topic == topic and message.qos == 1
    document = json.loads(message.payload)
    assert document["source"] == "mlcube.platform" and document["type"] == "detection_event"
    assert document["title"] == "[mlcube] DRIFT ON — task churn / input (high)"
    for key in ("event_id", "task_id", "task_name", "model_name", "monitoring_target", "monitoring_metric",
                "event_type", "severity", "time"):
        assert document[key] == notice[key]


def test_bare_host_and_port_connection_string(broker: str, topic: str, subscriber: Subscriber,
                                              notice: dict[str, Any], settings: Settings) -> None:
    assert _publish(f"{BROKER[0]}:{BROKER[1]}", topic, notice, settings).ok
    assert subscriber.arrived.wait(5)


def test_unreachable_broker_is_retryable(notice: dict[str, Any], settings: Settings) -> None:
    result = _publish(f"mqtt://user:pw-not-shown@127.0.0.1:{free_port()}", "a/b", notice, settings)
    assert not result.ok and result.retryable and "could not connect to the MQTT broker" in result.error
    assert "pw-not-shown" not in result.error


def test_silent_broker_times_out(notice: dict[str, Any], tmp_path: Any) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        result = _publish(f"mqtt://127.0.0.1:{port}", "a/b", notice, Settings(home=tmp_path, action_timeout_s=0.5))
    assert not result.ok and result.retryable and "did not accept the connection in time" in result.error
    assert result.duration_ms < 3000


def test_bad_topic_or_connection_string_is_not_retryable(notice: dict[str, Any], settings: Settings) -> None:
    for connection_string, topic in (("mqtt://127.0.0.1", "alerts/#"), ("mqtt://127.0.0.1", "a/+/b"),
                                     ("kafka://127.0.0.1", "a"), ("mqtt://127.0.0.1:99999", "a"), ("mqtt://", "a")):
        result = _publish(connection_string, topic, notice, settings)
        assert not result.ok and not result.retryable, (connection_string, topic, result)


def test_connection_string_forms() -> None:
    tls = parse_connection_string("mqtts://alice:p%40ss@broker.example.com?client_id=mlcube-7")
    assert (tls.host, tls.port, tls.transport, tls.tls) == ("broker.example.com", 8883, "tcp", True)
    assert (tls.username, tls.password, tls.client_id) == ("alice", "p@ss", "mlcube-7")
    ws = parse_connection_string("wss://broker.example.com/ws")
    assert (ws.port, ws.transport, ws.tls, ws.path) == (443, "websockets", True, "/ws")
    bare = parse_connection_string("10.0.0.5:1884")
    assert (bare.host, bare.port, bare.tls, bare.username) == ("10.0.0.5", 1884, False, None)
    with pytest.raises(DeliveryError):
        parse_connection_string("   ")
