"""Who is calling: API-key authentication and the bootstrap of the first user."""

from __future__ import annotations

from sqlalchemy import bindparam, select
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
    """Resolve an API key to its Caller; 401 for a missing, unknown, deleted or expired key.

    One query (the key, its user and the user's project roles, outer-joined) on the request's connection:
    it runs on every authenticated request, so it stays off the ORM's identity map.
    """
    if not api_key:
        raise Unauthorized(ErrorCode.UNAUTHORIZED, _UNAUTHORIZED)
    rows = session.connection().execute(_CALLER_QUERY, {"key_hash": hash_key(api_key)}).all()
    if not rows:  # unknown key, or its user is gone
        raise Unauthorized(ErrorCode.UNAUTHORIZED, _UNAUTHORIZED)
    first = rows[0]
    if first.expires_at is not None and first.expires_at <= utcnow():
        raise Unauthorized(ErrorCode.UNAUTHORIZED, _UNAUTHORIZED)
    return Caller(
        user_id=first.user_id,
        username=first.username,
        company_id=first.company_id,
        company_role=UserCompanyRole(first.company_role),
        project_roles={r.project_id: UserProjectRole(r.role) for r in rows if r.project_id is not None},
    )


_CALLER_QUERY = (
    select(ApiKeyRow.expires_at, UserRow.id.label("user_id"), UserRow.username, UserRow.company_id,
           UserRow.company_role, ProjectRoleRow.project_id, ProjectRoleRow.role)
    .join_from(ApiKeyRow, UserRow, UserRow.id == ApiKeyRow.user_id)
    .outerjoin(ProjectRoleRow, ProjectRoleRow.user_id == UserRow.id)
    .where(ApiKeyRow.key_hash == bindparam("key_hash"))
)


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
