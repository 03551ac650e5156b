"""Role-based access control of PLATFORM.md §7: who may do what, checked by services on every call."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from mlcube_nb.enums import ErrorCode, UserCompanyRole, UserProjectRole
from mlcube_nb.server.errors import Forbidden, NotFound


class CompanyPermission(str, Enum):
    """Company-level permissions (§7.1)."""

    DELETE_COMPANY = "DELETE_COMPANY"
    CHANGE_COMPANY_OWNER = "CHANGE_COMPANY_OWNER"
    MANAGE_COMPANY_ADMIN = "MANAGE_COMPANY_ADMIN"
    MANAGE_COMPANY_USER = "MANAGE_COMPANY_USER"
    CHANGE_COMPANY_USER_ROLE = "CHANGE_COMPANY_USER_ROLE"
    UPDATE_COMPANY_INFORMATION = "UPDATE_COMPANY_INFORMATION"
    READ_COMPANY = "READ_COMPANY"
    CREATE_PROJECT = "CREATE_PROJECT"


class ProjectPermission(str, Enum):
    """Project-level permissions (§7.2)."""

    DELETE_PROJECT = "DELETE_PROJECT"
    MANAGE_PROJECT_ADMIN = "MANAGE_PROJECT_ADMIN"
    UPDATE_PROJECT_INFORMATION = "UPDATE_PROJECT_INFORMATION"
    MANAGE_PROJECT_USER = "MANAGE_PROJECT_USER"
    CHANGE_PROJECT_USER_ROLE = "CHANGE_PROJECT_USER_ROLE"
    WORK_ON_PROJECT = "WORK_ON_PROJECT"
    READ_PROJECT = "READ_PROJECT"


_CP = CompanyPermission
_PP = ProjectPermission
COMPANY_MATRIX: dict[UserCompanyRole, frozenset[CompanyPermission]] = {
    UserCompanyRole.COMPANY_OWNER: frozenset(_CP),
    UserCompanyRole.COMPANY_ADMIN: frozenset(
        {_CP.MANAGE_COMPANY_USER, _CP.CHANGE_COMPANY_USER_ROLE, _CP.UPDATE_COMPANY_INFORMATION,
         _CP.READ_COMPANY, _CP.CREATE_PROJECT}
    ),
    UserCompanyRole.COMPANY_USER: frozenset({_CP.READ_COMPANY}),
    UserCompanyRole.COMPANY_NONE: frozenset(),
}
PROJECT_MATRIX: dict[UserProjectRole, frozenset[ProjectPermission]] = {
    UserProjectRole.PROJECT_ADMIN: frozenset(
        {_PP.UPDATE_PROJECT_INFORMATION, _PP.MANAGE_PROJECT_USER, _PP.CHANGE_PROJECT_USER_ROLE,
         _PP.WORK_ON_PROJECT, _PP.READ_PROJECT}
    ),
    UserProjectRole.PROJECT_USER: frozenset({_PP.WORK_ON_PROJECT, _PP.READ_PROJECT}),
    UserProjectRole.PROJECT_VIEW: frozenset({_PP.READ_PROJECT}),
}
_ALL_PROJECTS = {UserCompanyRole.COMPANY_OWNER, UserCompanyRole.COMPANY_ADMIN}


@dataclass(frozen=True)
class Caller:
    """Who is calling: resolved from the API key on every request."""

    user_id: str
    username: str
    company_id: str | None
    company_role: UserCompanyRole
    project_roles: dict[str, UserProjectRole]

    @property
    def is_company_admin(self) -> bool:
        """Owner or admin: they hold every project permission."""
        return self.company_role in _ALL_PROJECTS

    def company_id_or_raise(self) -> str:
        """The caller's company, or a 404 telling them to create one first."""
        if self.company_id is None:
            raise NotFound(
                ErrorCode.COMPANY_NOT_FOUND,
                "You do not belong to a company yet: create one with create_company",
            )
        return self.company_id

    def can(self, permission: CompanyPermission) -> bool:
        """Whether the caller's company role grants *permission*."""
        return self.company_id is not None and permission in COMPANY_MATRIX[self.company_role]

    def require(self, permission: CompanyPermission) -> str:
        """Raise 403 unless the caller holds *permission*; returns the caller's company id."""
        company_id = self.company_id_or_raise()
        if not self.can(permission):
            raise Forbidden(
                ErrorCode.FORBIDDEN,
                f"Your company role {self.company_role.value} does not allow this ({permission.value})",
            )
        return company_id

    def can_on_project(self, project_id: str, permission: ProjectPermission) -> bool:
        """Whether the caller holds *permission* on *project_id* (same company assumed)."""
        if self.is_company_admin:
            return True
        if self.company_role is not UserCompanyRole.COMPANY_USER:
            return False
        role = self.project_roles.get(project_id)
        return role is not None and permission in PROJECT_MATRIX[role]

    def require_on_project(self, project_id: str, permission: ProjectPermission) -> None:
        """Raise 403 unless the caller holds *permission* on the project."""
        if not self.can_on_project(project_id, permission):
            held = self.project_roles.get(project_id)
            role = held.value if held else "no role"
            raise Forbidden(
                ErrorCode.FORBIDDEN,
                f"You have {role} on this project, which does not allow this ({permission.value})",
            )
