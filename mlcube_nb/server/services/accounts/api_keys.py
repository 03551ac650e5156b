"""API keys: a user's own keys, and owners/admins managing their members' keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import ApiKeyExpirationTime, ErrorCode, UserCompanyRole
from mlcube_nb.models import ApiKey
from mlcube_nb.server.auth import expiry_for, hash_key, key_id_from_handle, masked, mint_key
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.tables import ApiKeyRow, UserRow
from mlcube_nb.server.errors import Forbidden, NotFound
from mlcube_nb.server.rbac import Caller, CompanyPermission
from mlcube_nb.server.services.accounts.users import member_or_raise


def to_model(row: ApiKeyRow) -> ApiKey:
    """The wire model of a key: its masked handle, never the secret."""
    expires = row.expires_at.isoformat() if row.expires_at else None
    return ApiKey(api_key=masked(row.key_id), name=row.name, expiration_time=expires)


def _issue(session: Session, user_id: str, name: str, expiration: ApiKeyExpirationTime) -> str:
    key = mint_key()
    session.add(ApiKeyRow(key_id=key.key_id, key_hash=key.key_hash, user_id=user_id, name=name,
                          expiration_option=expiration.value, expires_at=expiry_for(expiration, utcnow())))
    return key.secret


def _keys_of(session: Session, user_id: str) -> list[ApiKeyRow]:
    query = select(ApiKeyRow).where(ApiKeyRow.user_id == user_id, ApiKeyRow.is_session.is_(False))
    return list(session.scalars(query.order_by(ApiKeyRow.created_at)).all())


def _find(session: Session, user_id: str, handle: str) -> ApiKeyRow:
    """A key of *user_id* named by its full value or its masked handle."""
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == hash_key(handle)))
    if row is None and (key_id := key_id_from_handle(handle)) is not None:
        row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_id == key_id))
    if row is None or row.user_id != user_id:
        raise NotFound(ErrorCode.API_KEY_NOT_FOUND, "No such API key: pass the key or the handle get_api_keys shows")
    return row


def list_own(*, session: Session, caller: Caller) -> list[ApiKeyRow]:
    """The caller's keys."""
    return _keys_of(session, caller.user_id)


def create_own(*, session: Session, caller: Caller, name: str, expiration: ApiKeyExpirationTime) -> str:
    """A new key for the caller; the secret is returned only now."""
    return _issue(session, caller.user_id, name, expiration)


def delete_own(*, session: Session, caller: Caller, handle: str) -> None:
    """Revoke one of the caller's keys."""
    session.delete(_find(session, caller.user_id, handle))


def _managed_user(session: Session, caller: Caller, user_id: str, *, write: bool) -> UserRow:
    caller.require(CompanyPermission.MANAGE_COMPANY_USER)
    target = member_or_raise(session=session, caller=caller, user_id=user_id)
    role = UserCompanyRole(target.company_role)
    protected = role in (UserCompanyRole.COMPANY_OWNER, UserCompanyRole.COMPANY_ADMIN)
    if write and protected and target.id != caller.user_id and caller.company_role is not UserCompanyRole.COMPANY_OWNER:
        raise Forbidden(ErrorCode.FORBIDDEN, "Only the company owner can manage the keys of admins")
    return target


def list_for_user(*, session: Session, caller: Caller, user_id: str) -> list[ApiKeyRow]:
    """Keys of a member of the caller's company."""
    return _keys_of(session, _managed_user(session, caller, user_id, write=False).id)


def create_for_user(
    *, session: Session, caller: Caller, user_id: str, name: str, expiration: ApiKeyExpirationTime
) -> str:
    """A new key for a member; the secret is returned only now."""
    return _issue(session, _managed_user(session, caller, user_id, write=True).id, name, expiration)


def delete_for_user(*, session: Session, caller: Caller, user_id: str, handle: str) -> None:
    """Revoke a member's key."""
    target = _managed_user(session, caller, user_id, write=True)
    session.delete(_find(session, target.id, handle))
