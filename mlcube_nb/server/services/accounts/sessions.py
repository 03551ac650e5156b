"""Password login: checks the scrypt hash and hands out a session key that expires.

A session key is an ordinary API key row with ``is_session`` set, so :func:`identity.authenticate`
accepts it until ``expires_at``; it never shows in the user's key listings.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mlcube_nb.enums import ErrorCode
from mlcube_nb.server.auth import mint_key, verify_password
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.tables import ApiKeyRow, UserRow
from mlcube_nb.server.errors import Forbidden, Unauthorized

SESSION_TTL = timedelta(hours=12)
"""How long a session key works after login."""

SESSION_EXPIRATION_OPTION = "session"
"""``expiration_option`` of session keys (they expire after :data:`SESSION_TTL`, not by a user's choice)."""

_WRONG_LOGIN = "Wrong username or password: check both and try again"


def _check_password(session: Session, username: str, password: str) -> UserRow:
    """The user whose password this is; one error for an unknown user and a wrong password.

    ``verify_password`` runs scrypt against a dummy hash when there is no user (or no password), so the
    answer takes as long either way.
    """
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    matches = verify_password(password, user.password_hash if user is not None else None)
    if user is None or not matches:
        raise Unauthorized(ErrorCode.INVALID_CREDENTIALS, _WRONG_LOGIN)
    return user


def login(*, session: Session, username: str, password: str) -> tuple[str, datetime]:
    """A fresh session key for *username* and its expiry; refuses a temporary password that must change."""
    user = _check_password(session, username, password)
    if user.must_change_password:
        raise Forbidden(ErrorCode.PASSWORD_CHANGE_REQUIRED,
                        "Your password is temporary and must be changed before you can log in with it; "
                        "use an API key until then")
    now = utcnow()
    session.execute(delete(ApiKeyRow).where(ApiKeyRow.user_id == user.id, ApiKeyRow.is_session.is_(True),
                                            ApiKeyRow.expires_at <= now))  # forget this user's stale sessions
    key = mint_key()
    expires_at = now + SESSION_TTL
    session.add(ApiKeyRow(key_id=key.key_id, key_hash=key.key_hash, user_id=user.id, name="session",
                          expiration_option=SESSION_EXPIRATION_OPTION, expires_at=expires_at, is_session=True))
    return key.secret, expires_at
