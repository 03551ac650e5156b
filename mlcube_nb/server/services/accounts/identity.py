"""Who is calling: API-key authentication and the bootstrap of the first user."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import ApiKeyExpirationTime, ErrorCode, UserCompanyRole, UserProjectRole
from mlcube_nb.server.auth import adopt_key, hash_key, mint_key
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.tables import ApiKeyRow, ProjectRoleRow, UserRow
from mlcube_nb.server.errors import Unauthorized
from mlcube_nb.server.rbac import Caller

_UNAUTHORIZED = "Unauthorized: send a valid, unexpired API key in the X-Api-Key header"


def caller_for_user(session: Session, user: UserRow) -> Caller:
    """Build the Caller of *user*, loading their project roles once."""
    roles = session.scalars(select(ProjectRoleRow).where(ProjectRoleRow.user_id == user.id)).all()
    return Caller(
        user_id=user.id,
        username=user.username,
        company_id=user.company_id,
        company_role=UserCompanyRole(user.company_role),
        project_roles={r.project_id: UserProjectRole(r.role) for r in roles},
    )


def authenticate(*, session: Session, api_key: str | None) -> Caller:
    """Resolve an API key to its Caller; 401 for a missing, unknown, deleted or expired key."""
    if not api_key:
        raise Unauthorized(ErrorCode.UNAUTHORIZED, _UNAUTHORIZED)
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == hash_key(api_key)))
    if row is None or (row.expires_at is not None and row.expires_at <= utcnow()):
        raise Unauthorized(ErrorCode.UNAUTHORIZED, _UNAUTHORIZED)
    user = session.get(UserRow, row.user_id)
    if user is None:
        raise Unauthorized(ErrorCode.UNAUTHORIZED, _UNAUTHORIZED)
    return caller_for_user(session, user)


def _get_or_create_user(session: Session, username: str, email: str | None) -> UserRow:
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    if user is None:
        user = UserRow(username=username, email=email, company_role=UserCompanyRole.COMPANY_NONE.value)
        session.add(user)
        session.flush()
    return user


def bootstrap_user(*, session: Session, username: str, email: str | None = None) -> tuple[UserRow, str]:
    """Create (or reuse) *username* and give them a fresh never-expiring key; returns (user, key)."""
    user = _get_or_create_user(session, username, email)
    key = mint_key()
    session.add(ApiKeyRow(key_id=key.key_id, key_hash=key.key_hash, user_id=user.id, name="bootstrap",
                          expiration_option=ApiKeyExpirationTime.NEVER.value, expires_at=None))
    return user, key.secret


def ensure_bootstrap_key(*, session: Session, username: str, api_key: str) -> UserRow:
    """Make sure a user holding exactly *api_key* exists (for scripted set-ups); idempotent."""
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == hash_key(api_key)))
    if row is not None:
        existing = session.get(UserRow, row.user_id)
        if existing is not None:
            return existing
    user = _get_or_create_user(session, username, None)
    key = adopt_key(api_key)
    session.add(ApiKeyRow(key_id=key.key_id, key_hash=key.key_hash, user_id=user.id, name="bootstrap",
                          expiration_option=ApiKeyExpirationTime.NEVER.value, expires_at=None))
    return user
