"""``delivery_context`` on a real platform database: credentials made over HTTP come back decrypted.

Ends with the whole path the outbox takes: context, then ``deliver`` to EventBridge (moto) with the
stored aws_compatible credentials.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from sqlalchemy.orm import Session

from mlcube_nb.server.actions.context import delivery_context
from mlcube_nb.server.actions.dispatch import deliver
from mlcube_nb.server.db.tables import ModelRow, TaskRow
from tests.actions.aws_helpers import REGION, arrived, bus_to_queue
from tests.conftest import Platform
from tests.server.conftest import make_team
from tests.server.task_helpers import new_model, new_task, unique
from tests.wire import Wire


def _gcp_body(project_id: str, private_key: str) -> dict[str, Any]:
    info = {"type": "service_account", "project_id": "acme-ml", "private_key_id": "kid-7", "private_key": private_key,
            "client_email": "retrain@acme-ml.iam.gserviceaccount.com", "client_id": "1098765432",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/retrain",
            "universe_domain": "googleapis.com"}
    return {"name": unique("gcp"), "default": True, "project_id": project_id, "account_info": info, "scopes": None}


class World:
    """A team with a task, a model, and credentials of three kinds in its project."""

    def __init__(self, platform: Platform, moto_url: str) -> None:
        self.platform, self.team = platform, make_team(platform)
        owner, project = self.team.owner, self.team.project_id
        self.task_id = new_task(owner, project)
        self.model_id = new_model(owner, self.task_id)
        self.s3_secret = f"s3secret-{secrets.token_hex(8)}"
        self.pem = f"-----BEGIN PRIVATE KEY-----\nMIIE{secrets.token_hex(8)}\n-----END PRIVATE KEY-----\n"
        self.s3_id = owner.ok("POST", "/integration/aws-compatible/credentials", json={
            "name": unique("s3"), "default": False, "project_id": project, "access_key_id": "AKIAEXAMPLE",
            "secret_access_key": self.s3_secret, "endpoint_url": moto_url})["credentials_id"]
        self.gcp_id = owner.ok("POST", "/integration/gcp/credentials",
                               json=_gcp_body(project, self.pem))["credentials_id"]
        other: Wire = self.team.outsider
        self.foreign_id = other.ok("POST", "/integration/aws-compatible/credentials", json={
            "name": unique("s3"), "default": True, "project_id": self.team.other_project_id,
            "access_key_id": "AKIAOTHER", "secret_access_key": "other-secret", "endpoint_url": None})["credentials_id"]

    def context(self, action: dict[str, Any], *, with_model: bool = True) -> dict[str, Any]:
        """``delivery_context`` for *action* on this world's task (and model), in a fresh session."""
        from mlcube_nb.server.db.engine import make_session_factory

        with make_session_factory(self.platform.handle.engine)() as session:
            return self._context(session, action, with_model)

    def _context(self, session: Session, action: dict[str, Any], with_model: bool) -> dict[str, Any]:
        task = session.get(TaskRow, self.task_id)
        model = session.get(ModelRow, self.model_id) if with_model else None
        return delivery_context(session, task, model, action, settings=self.platform.handle.settings)


@pytest.fixture(scope="module")
def world(platform: Platform, moto_url: str) -> World:
    """One world per database dialect, shared by this module's tests."""
    return World(platform, moto_url)


def _eventbridge(credentials_id: str | None, bus: str = "bus") -> dict[str, Any]:
    return {"type": "aws_event_bridge_notification", "credentials_id": credentials_id, "aws_region_name": REGION,
            "event_bus_name": bus}


def test_chat_actions_need_nothing(world: World) -> None:
    assert world.context({"type": "slack_notification", "webhook": "https://hooks.example.com/x"}) == {}


def test_named_and_default_credentials_come_back_decrypted(world: World) -> None:
    named = world.context(_eventbridge(world.s3_id))["credentials"]
    assert named["type"] == "aws_compatible" and named["secret_access_key"] == world.s3_secret
    assert named["access_key_id"] == "AKIAEXAMPLE"
    default = world.context({"type": "gcp_pubsub_notification", "credentials_id": None, "topic_name": "t"})
    gcp = default["credentials"]
    assert gcp["type"] == "gcp" and gcp["private_key"] == world.pem and gcp["gcp_project_id"] == "acme-ml"
    assert gcp["token_uri"] == "https://oauth2.googleapis.com/token"


def test_missing_foreign_or_mismatched_credentials_are_errors(world: World) -> None:
    grid = {"type": "azure_event_grid_notification", "credentials_id": None, "topic_endpoint": "https://x/api/events"}
    assert "no default azure credentials" in world.context(grid)["error"]
    assert "no longer exist" in world.context(_eventbridge(world.foreign_id))["error"]
    assert "gcp credentials; aws or aws_compatible needed" in world.context(_eventbridge(world.gcp_id))["error"]
    assert "no default aws or aws_compatible" in world.context(_eventbridge(None))["error"]
    for result in (world.context(grid), world.context(_eventbridge(world.foreign_id))):
        assert "other-secret" not in json.dumps(result)


def test_retrain_takes_the_model_trigger(world: World) -> None:
    assert "has no retrain trigger" in world.context({"type": "retrain"})["error"]
    assert "names no model" in world.context({"type": "retrain"}, with_model=False)["error"]
    trigger = {"type": "aws_event_bridge", "credentials_id": world.s3_id, "aws_region_name": REGION,
               "event_bus_name": "retrain-bus"}
    world.team.owner.ok("POST", f"/model/{world.model_id}/retrain-trigger", json=trigger)
    context = world.context({"type": "retrain"})
    assert context["trigger"] == trigger and context["credentials"]["secret_access_key"] == world.s3_secret


def test_context_then_deliver_reaches_eventbridge(world: World, moto_url: str, notice: dict[str, Any],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bus, sqs, queue_url = bus_to_queue(moto_url, "mlcube.platform")
    action = _eventbridge(world.s3_id, bus)
    context = world.context(action)
    result = deliver(action, notice, credentials=context.get("credentials"), trigger=context.get("trigger"),
                     settings=world.platform.handle.settings)
    assert result.ok, result
    (event,) = arrived(sqs, queue_url)
    assert event["detail"]["event_id"] == notice["event_id"]
