"""Projects: creation, listing what the caller may read, updates, and the guarded lookup other areas use."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import ErrorCode, StoragePolicy
from mlcube_nb.models import Project
from mlcube_nb.server.db.tables import ProjectRow
from mlcube_nb.server.errors import Conflict, NotFound
from mlcube_nb.server.rbac import Caller, CompanyPermission, ProjectPermission
from mlcube_nb.server.services.writes import flush_unique


def to_model(row: ProjectRow) -> Project:
    """The wire model of a project row, with its description and default storage policy (extras v1 ignores)."""
    return Project(project_id=row.id, name=row.name, description=row.description,
                   default_storage_policy=StoragePolicy(row.default_storage_policy))


def get_or_raise(
    *, session: Session, caller: Caller, project_id: str, permission: ProjectPermission
) -> ProjectRow:
    """The project if it is in the caller's company (else 404) and the caller holds *permission* (else 403)."""
    row = session.get(ProjectRow, project_id)
    if row is None or row.company_id != caller.company_id:
        raise NotFound(ErrorCode.PROJECT_NOT_FOUND, f"Project {project_id} not found")
    caller.require_on_project(row.id, permission)
    return row


def _check_name_free(session: Session, company_id: str, name: str, except_id: str | None = None) -> None:
    clash = session.scalar(
        select(ProjectRow.id).where(ProjectRow.company_id == company_id, ProjectRow.name == name)
    )
    if clash is not None and clash != except_id:
        raise Conflict(ErrorCode.ALREADY_EXISTS, f"A project named {name!r} already exists; choose another")


def create(
    *, session: Session, caller: Caller, name: str, description: str | None, policy: StoragePolicy
) -> str:
    """Create a project in the caller's company."""
    company_id = caller.require(CompanyPermission.CREATE_PROJECT)
    _check_name_free(session, company_id, name)
    row = ProjectRow(company_id=company_id, name=name, description=description,
                     default_storage_policy=policy.value)
    session.add(row)
    flush_unique(session, f"A project named {name!r} already exists")
    return row.id


def list_for(*, session: Session, caller: Caller) -> list[ProjectRow]:
    """Projects of the caller's company that the caller may read, oldest first."""
    if caller.company_id is None:
        return []
    rows = session.scalars(
        select(ProjectRow).where(ProjectRow.company_id == caller.company_id).order_by(ProjectRow.created_at)
    ).all()
    return [r for r in rows if caller.can_on_project(r.id, ProjectPermission.READ_PROJECT)]


def update(
    *,
    session: Session,
    caller: Caller,
    project_id: str,
    name: str | None,
    description: str | None,
    policy: StoragePolicy | None,
) -> Project:
    """Change the given fields (None = keep); needs UPDATE_PROJECT_INFORMATION."""
    row = get_or_raise(session=session, caller=caller, project_id=project_id,
                       permission=ProjectPermission.UPDATE_PROJECT_INFORMATION)
    if name is not None and name != row.name:
        _check_name_free(session, row.company_id, name, except_id=row.id)
        row.name = name
    if description is not None:
        row.description = description
    if policy is not None:
        row.default_storage_policy = policy.value
    return to_model(row)
