"""Password login (not under API-key auth): ``POST /session`` trades a username and password for a session key."""

from __future__ import annotations

from fastapi import APIRouter

from mlcube_nb.server.arthur_wire import LoginRequest, SessionKey
from mlcube_nb.server.routes.deps import SessionDep
from mlcube_nb.server.services.accounts import sessions

router = APIRouter(tags=["session"])


@router.post("/session", operation_id="login")
def login(body: LoginRequest, session: SessionDep) -> SessionKey:
    api_key, expires_at = sessions.login(session=session, username=body.username, password=body.password)
    return SessionKey(api_key=api_key, expires_at=expires_at)
