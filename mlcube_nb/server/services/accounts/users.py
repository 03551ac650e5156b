"""Company users: creation, roles on the company and on projects, ownership and removal."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mlcube_nb.enums import ErrorCode, UserCompanyRole, UserProjectRole
from mlcube_nb.models import CompanyUser
from mlcube_nb.server.auth import hash_password
from mlcube_nb.server.db.tables import ProjectRoleRow, ProjectRow, UserRow
from mlcube_nb.server.errors import BadRequest, Conflict, Forbidden, NotFound
from mlcube_nb.server.rbac import Caller, CompanyPermission, ProjectPermission
from mlcube_nb.server.services.accounts.identity import caller_for_user
from mlcube_nb.server.services.catalog import projects
from mlcube_nb.server.settings import Settings

_OWNER, _ADMIN, _USER = (UserCompanyRole.COMPANY_OWNER, UserCompanyRole.COMPANY_ADMIN,
                         UserCompanyRole.COMPANY_USER)


def to_model(row: UserRow) -> CompanyUser:
    """The wire model of a user (never the password hash)."""
    return CompanyUser(user_id=row.id, company_role=UserCompanyRole(row.company_role), name=row.name,
                       surname=row.surname, username=row.username, email=row.email)


def member_or_raise(*, session: Session, caller: Caller, user_id: str) -> UserRow:
    """A user of the caller's company; 404 for unknown ids and for other companies' users alike."""
    row = session.get(UserRow, user_id)
    if row is None or caller.company_id is None or row.company_id != caller.company_id:
        raise NotFound(ErrorCode.USER_NOT_FOUND, f"User {user_id} not found in your company")
    return row


def _forbid(message: str) -> Forbidden:
    return Forbidden(ErrorCode.FORBIDDEN, message)


def create(
    *, session: Session, caller: Caller, settings: Settings, name: str, surname: str, username: str,
    password: str, email: str, role: UserCompanyRole,
) -> str:
    """Create a user in the owner's company with a temporary password they must change at first login."""
    company_id = caller.require(CompanyPermission.MANAGE_COMPANY_USER)
    if caller.company_role is not _OWNER:
        raise _forbid("Only the company owner can create users")
    if role is _OWNER:
        raise BadRequest(ErrorCode.INVALID_ROLE_CHANGE,
                         "A company has one owner: create the user, then use change_company_owner")
    if session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
        raise Conflict(ErrorCode.ALREADY_EXISTS, f"Username {username!r} is taken; choose another")
    count = session.scalar(select(func.count()).select_from(UserRow).where(UserRow.company_id == company_id))
    if settings.max_users is not None and (count or 0) >= settings.max_users:
        raise Forbidden(ErrorCode.LIMIT_EXCEEDED, f"Your plan allows {settings.max_users} users")
    row = UserRow(name=name, surname=surname, username=username, email=email, company_id=company_id,
                  company_role=role.value, password_hash=hash_password(password), must_change_password=True)
    session.add(row)
    session.flush()
    return row.id


def list_for(*, session: Session, caller: Caller) -> list[UserRow]:
    """Users of the caller's company."""
    company_id = caller.require(CompanyPermission.READ_COMPANY)
    query = select(UserRow).where(UserRow.company_id == company_id).order_by(UserRow.created_at)
    return list(session.scalars(query).all())


def change_role(*, session: Session, caller: Caller, user_id: str, role: UserCompanyRole) -> None:
    """Change a user's company role; admins may not touch admins or the owner, nor appoint admins."""
    caller.require(CompanyPermission.CHANGE_COMPANY_USER_ROLE)
    target = member_or_raise(session=session, caller=caller, user_id=user_id)
    current = UserCompanyRole(target.company_role)
    if role is _OWNER or current is _OWNER:
        raise BadRequest(ErrorCode.INVALID_ROLE_CHANGE, "Ownership moves only with change_company_owner")
    if target.id == caller.user_id:
        raise BadRequest(ErrorCode.INVALID_ROLE_CHANGE, "You cannot change your own company role")
    if caller.company_role is not _OWNER and (current is _ADMIN or role is _ADMIN):
        raise _forbid("Only the company owner can appoint or change company admins")
    target.company_role = role.value
    if role is not _USER:  # project roles matter only for COMPANY_USER
        session.execute(delete(ProjectRoleRow).where(ProjectRoleRow.user_id == target.id))


def projects_of(*, session: Session, caller: Caller, user_id: str) -> list[ProjectRow]:
    """Projects *user_id* can read (listed for a caller who may read the company)."""
    caller.require(CompanyPermission.READ_COMPANY)
    target = member_or_raise(session=session, caller=caller, user_id=user_id)
    return projects.list_for(session=session, caller=caller_for_user(session, target))


def _check_project_role_change(caller: Caller, project_id: str, role: UserProjectRole | None) -> None:
    caller.require_on_project(project_id, ProjectPermission.MANAGE_PROJECT_USER)
    if not caller.is_company_admin and role is UserProjectRole.PROJECT_ADMIN:
        raise _forbid("Only company owners and admins can appoint project admins")


def set_project_role(
    *, session: Session, caller: Caller, user_id: str, project_id: str, role: UserProjectRole
) -> None:
    """Give a COMPANY_USER a role on a project (replacing any role they had there)."""
    caller.company_id_or_raise()
    target = member_or_raise(session=session, caller=caller, user_id=user_id)
    project = projects.get_or_raise(session=session, caller=caller, project_id=project_id,
                                    permission=ProjectPermission.READ_PROJECT)
    _check_project_role_change(caller, project.id, role)
    if UserCompanyRole(target.company_role) is not _USER:
        raise BadRequest(ErrorCode.INVALID_ROLE_CHANGE,
                         "Project roles apply only to COMPANY_USER: owners and admins already hold them all")
    existing = session.scalar(select(ProjectRoleRow).where(
        ProjectRoleRow.user_id == target.id, ProjectRoleRow.project_id == project.id))
    if existing is not None and not caller.is_company_admin and existing.role == "PROJECT_ADMIN":
        raise _forbid("Only company owners and admins can change a project admin's role")
    if existing is None:
        session.add(ProjectRoleRow(user_id=target.id, project_id=project.id, role=role.value))
    else:
        existing.role = role.value


def delete_project_role(*, session: Session, caller: Caller, user_id: str, project_id: str) -> None:
    """Remove a COMPANY_USER's role on a project."""
    caller.company_id_or_raise()
    target = member_or_raise(session=session, caller=caller, user_id=user_id)
    project = projects.get_or_raise(session=session, caller=caller, project_id=project_id,
                                    permission=ProjectPermission.READ_PROJECT)
    existing = session.scalar(select(ProjectRoleRow).where(
        ProjectRoleRow.user_id == target.id, ProjectRoleRow.project_id == project.id))
    role = UserProjectRole(existing.role) if existing else None
    _check_project_role_change(caller, project.id, role)
    if existing is None:
        raise NotFound(ErrorCode.NOT_FOUND, "That user has no role on this project")
    session.delete(existing)


def change_owner(*, session: Session, caller: Caller, user_id: str) -> None:
    """Hand ownership to another member; the old owner becomes a company admin."""
    caller.require(CompanyPermission.CHANGE_COMPANY_OWNER)
    target = member_or_raise(session=session, caller=caller, user_id=user_id)
    if target.id == caller.user_id:
        raise BadRequest(ErrorCode.INVALID_ROLE_CHANGE, "You already own the company")
    me = session.get(UserRow, caller.user_id)
    assert me is not None  # resolved from this row in the same request
    me.company_role = _ADMIN.value
    target.company_role = _OWNER.value
    session.execute(delete(ProjectRoleRow).where(ProjectRoleRow.user_id == target.id))


def remove(*, session: Session, caller: Caller, user_id: str) -> None:
    """Delete a user of the company with their keys and roles; the owner cannot be deleted."""
    caller.require(CompanyPermission.MANAGE_COMPANY_USER)
    target = member_or_raise(session=session, caller=caller, user_id=user_id)
    role = UserCompanyRole(target.company_role)
    if role is _OWNER:
        raise BadRequest(ErrorCode.INVALID_ROLE_CHANGE, "The owner cannot be deleted: transfer ownership first")
    if target.id == caller.user_id:
        raise BadRequest(ErrorCode.INVALID_ROLE_CHANGE, "You cannot delete yourself")
    if role is _ADMIN and not caller.can(CompanyPermission.MANAGE_COMPANY_ADMIN):
        raise _forbid("Only the company owner can delete company admins")
    session.delete(target)
