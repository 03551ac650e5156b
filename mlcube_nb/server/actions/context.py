"""What a delivery needs besides its action: decrypted project credentials and the model's retrain trigger.

Called by the outbox dispatcher inside its claim transaction. A problem that makes the delivery impossible
(no credentials, no trigger) comes back as ``{"error": ...}`` and the delivery fails without retries.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import DetectionEventActionType as Action
from mlcube_nb.server.db.tables import CredentialsRow, ModelRow, TaskRow
from mlcube_nb.server.settings import Settings

ACTION_PROVIDERS: dict[str, tuple[str, ...]] = {
    Action.AWS_EVENT_BRIDGE_NOTIFICATION: ("aws", "aws_compatible"),
    Action.GCP_PUBSUB_NOTIFICATION: ("gcp",),
    Action.AZURE_EVENT_GRID_NOTIFICATION: ("azure",),
}
TRIGGER_PROVIDERS: dict[str, tuple[str, ...]] = {
    "aws_event_bridge": ("aws", "aws_compatible"),
    "gcp_pubsub": ("gcp",),
    "azure_event_grid": ("azure",),
}


class _Missing(Exception):
    """Why the delivery cannot be attempted (shown to users; names no secret)."""


def _row(session: Session, project_id: str, credentials_id: str | None, kinds: tuple[str, ...]) -> CredentialsRow:
    """The credentials named by *credentials_id*, or the project's default of one of *kinds*."""
    if credentials_id:
        row = session.get(CredentialsRow, credentials_id)
        if row is None or row.project_id != project_id:
            raise _Missing(f"credentials {credentials_id} no longer exist in the task's project")
        if row.type not in kinds:
            raise _Missing(f"credentials {credentials_id} are {row.type} credentials; {' or '.join(kinds)} needed")
        return row
    query = (select(CredentialsRow).where(CredentialsRow.project_id == project_id, CredentialsRow.type.in_(kinds),
                                          CredentialsRow.is_default.is_(True)).limit(1))
    row = session.scalars(query).first()
    if row is None:
        raise _Missing(f"no credentials_id given and the project has no default {' or '.join(kinds)} credentials")
    return row


def _decrypted(row: CredentialsRow, settings: Settings) -> dict[str, Any]:
    """``{"type": ..., **public, **secret}`` for *row*."""
    try:
        from mlcube_nb.server.secrets_box import load_credentials_secret
    except ImportError as exc:
        raise _Missing("this server cannot read stored credentials") from exc
    try:
        secret = dict(load_credentials_secret(settings, row) or {})
    except Exception as exc:  # noqa: BLE001 - a wrong key or corrupt ciphertext; the message may not be safe
        raise _Missing(f"the secret part of credentials {row.id} cannot be decrypted ({type(exc).__name__})") from exc
    return {**dict(row.public or {}), **secret, "type": row.type}


def _context(session: Session, task: TaskRow | None, model: ModelRow | None, action: dict[str, Any],
             settings: Settings) -> dict[str, Any]:
    kind = str(action.get("type"))
    if kind == Action.RETRAIN:
        if model is None:
            raise _Missing("a retrain action needs a model-related event; this event names no model")
        trigger = dict(model.retrain_trigger or {})
        if not trigger:
            raise _Missing(f"model {model.name} has no retrain trigger: set one with set_retrain_trigger")
        return _trigger_context(session, task, trigger, settings, f"the retrain trigger of model {model.name}")
    if kind in ACTION_PROVIDERS:
        return {"credentials": _credentials(session, task, action, ACTION_PROVIDERS[kind], settings)}
    return {}


def _trigger_context(session: Session, task: TaskRow | None, trigger: dict[str, Any], settings: Settings,
                     what: str) -> dict[str, Any]:
    kinds = TRIGGER_PROVIDERS.get(str(trigger.get("type")))
    if kinds is None:
        raise _Missing(f"{what} has an unknown type {trigger.get('type')}")
    return {"trigger": trigger, "credentials": _credentials(session, task, trigger, kinds, settings)}


def trigger_context(session: Session, task: TaskRow, trigger: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """``trigger`` and decrypted ``credentials`` to fire *trigger* (not necessarily stored), or ``error``."""
    try:
        return _trigger_context(session, task, trigger, settings, "the retrain trigger")
    except _Missing as exc:
        return {"error": str(exc)}


def _credentials(session: Session, task: TaskRow | None, holder: dict[str, Any], kinds: tuple[str, ...],
                 settings: Settings) -> dict[str, Any]:
    if task is None:
        raise _Missing("the task of this delivery no longer exists")
    return _decrypted(_row(session, task.project_id, holder.get("credentials_id"), kinds), settings)


def delivery_context(session: Session, task: TaskRow | None, model: ModelRow | None, action: dict[str, Any],
                     settings: Settings | None = None) -> dict[str, Any]:
    """``credentials`` and ``trigger`` for *action*, or ``error`` saying why it cannot be delivered.

    *settings* locate the encryption key; without them they are read from the environment.
    """
    try:
        return _context(session, task, model, action, settings or Settings())
    except _Missing as exc:
        return {"error": str(exc)}
