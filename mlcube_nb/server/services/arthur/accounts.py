"""Arthur organisations (our companies) and service accounts (users with a company role and an API key)."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcube_nb.enums import ApiKeyExpirationTime, ErrorCode, UserCompanyRole, UserProjectRole
from mlcube_nb.server.arthur_wire import ArthurRole, Organization, ServiceAccount
from mlcube_nb.server.auth import mint_key
from mlcube_nb.server.db.tables import (
    ApiKeyRow,
    ArthurServiceAccountRow,
    CompanyRow,
    ProjectRoleRow,
    UserRow,
)
from mlcube_nb.server.errors import Forbidden
from mlcube_nb.server.rbac import Caller, CompanyPermission
from mlcube_nb.server.services.arthur import projects as arthur_projects
from mlcube_nb.server.settings import Settings

ROLES: dict[ArthurRole, tuple[UserCompanyRole, UserProjectRole | None]] = {
    ArthurRole.ADMINISTRATOR: (UserCompanyRole.COMPANY_ADMIN, None),
    ArthurRole.MODEL_OWNER: (UserCompanyRole.COMPANY_USER, UserProjectRole.PROJECT_USER),
    ArthurRole.USER: (UserCompanyRole.COMPANY_USER, UserProjectRole.PROJECT_VIEW),
}
"""Company role of each Arthur role, and the role it gets on the company's Arthur project."""


def organizations_of(*, session: Session, caller: Caller) -> list[Organization]:
    """The organisations the caller belongs to: their company, or none yet."""
    if caller.company_id is None:
        return []
    company = session.get(CompanyRow, caller.company_id)
    return [] if company is None else [Organization(id=company.id, name=company.name)]


def to_model(row: ArthurServiceAccountRow, token: str | None = None) -> ServiceAccount:
    """The wire form of a service account; the token only when it was just created."""
    return ServiceAccount(id=row.user_id, organization_id=row.company_id, description=row.description, token=token)


def _check_quota(session: Session, settings: Settings, company_id: str) -> None:
    """Service accounts are users, so they count against ``max_users``."""
    count = session.scalar(select(func.count()).select_from(UserRow).where(UserRow.company_id == company_id))
    if settings.max_users is not None and (count or 0) >= settings.max_users:
        raise Forbidden(ErrorCode.LIMIT_EXCEEDED, f"Your plan allows {settings.max_users} users, "
                                                  "service accounts included; delete one first")


def create_service_account(
    *, session: Session, caller: Caller, settings: Settings, description: str, role: ArthurRole
) -> tuple[ArthurServiceAccountRow, str]:
    """A new service account of the caller's company and its API key (returned only now)."""
    company_id = caller.require(CompanyPermission.MANAGE_COMPANY_USER)
    company_role, project_role = ROLES[role]
    if company_role is UserCompanyRole.COMPANY_ADMIN and caller.company_role is not UserCompanyRole.COMPANY_OWNER:
        raise Forbidden(ErrorCode.FORBIDDEN, "Only the company owner can create Administrator service accounts")
    _check_quota(session, settings, company_id)
    user = UserRow(username=f"service-account-{secrets.token_hex(8)}", name="Service account",
                   company_id=company_id, company_role=company_role.value)
    session.add(user)
    session.flush()
    if project_role is not None:
        project = arthur_projects.get_or_create(session, caller)
        session.add(ProjectRoleRow(user_id=user.id, project_id=project.id, role=project_role.value))
    key = mint_key()
    session.add(ApiKeyRow(key_id=key.key_id, key_hash=key.key_hash, user_id=user.id, name="service account",
                          expiration_option=ApiKeyExpirationTime.NEVER.value, expires_at=None))
    row = ArthurServiceAccountRow(user_id=user.id, company_id=company_id, description=description)
    session.add(row)
    session.flush()
    return row, key.secret


def list_service_accounts(
    *, session: Session, caller: Caller, description: str | None = None
) -> list[ArthurServiceAccountRow]:
    """The company's service accounts, oldest first, optionally only those with exactly *description*."""
    company_id = caller.require(CompanyPermission.MANAGE_COMPANY_USER)
    query = select(ArthurServiceAccountRow).where(ArthurServiceAccountRow.company_id == company_id)
    if description is not None:
        query = query.where(ArthurServiceAccountRow.description == description)
    order = (ArthurServiceAccountRow.created_at, ArthurServiceAccountRow.user_id)
    return list(session.scalars(query.order_by(*order)).all())
