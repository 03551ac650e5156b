"""Company-user and project-role methods (PLATFORM.md §2 rows 60–67, 76, 77)."""

from __future__ import annotations

from mlcube_nb.client._base import ClientCore, segment
from mlcube_nb.client._records import RecordList
from mlcube_nb.client._tables import company_users_table, projects_table
from mlcube_nb.enums import UserCompanyRole, UserProjectRole
from mlcube_nb.exceptions import SDKClientException
from mlcube_nb.models import (
    AddUserProjectRoleRequest,
    ChangeUserCompanyRoleRequest,
    CompanyUser,
    CreateCompanyUserRequest,
    DeleteProjectRoleRequest,
    Project,
)

__all__ = ["UserMethods"]

_SDK = SDKClientException


class UserMethods(ClientCore):
    """Members of the caller's company, their company role and their project roles."""

    def create_company_user(
        self, name: str, surname: str, username: str, password: str, email: str, company_role: UserCompanyRole
    ) -> str:
        """Create a user in the company with a temporary password; returns the user id."""
        body = self._build(
            CreateCompanyUserRequest,
            _SDK,
            name=name,
            surname=surname,
            username=username,
            password=password,
            email=email,
            company_role=company_role,
        )
        return self._call("POST", "/company-user", json=body)

    def get_company_users(self) -> RecordList[CompanyUser]:
        """Return the users of the company."""
        return self._parse_list(CompanyUser, self._call("GET", "/company-user"))

    def change_user_company_role(self, user_id: str, company_role: UserCompanyRole) -> None:
        """Give a user another company role."""
        body = self._build(ChangeUserCompanyRoleRequest, _SDK, user_id=user_id, company_role=company_role)
        self._call("POST", "/change-user-company-role", json=body, expect="none")

    def show_company_users(self) -> None:
        """Print the users of the company as a table."""
        print(company_users_table(self.get_company_users()))

    def get_user_projects(self, user_id: str) -> RecordList[Project]:
        """Return the projects a user can read."""
        return self._parse_list(Project, self._call("GET", f"/user-project/{segment(user_id)}"))

    def show_user_projects(self, user_id: str) -> None:
        """Print the projects a user can read as a table."""
        print(projects_table(self.get_user_projects(user_id)))

    def add_user_project_role(self, user_id: str, project_id: str, project_role: UserProjectRole) -> None:
        """Give a COMPANY_USER a role on a project."""
        body = self._build(
            AddUserProjectRoleRequest, _SDK, user_id=user_id, project_id=project_id, project_role=project_role
        )
        self._call("POST", "/user-project-role", json=body, expect="none")

    def delete_project_role(self, user_id: str, project_id: str) -> None:
        """Remove a COMPANY_USER's role on a project."""
        body = self._build(DeleteProjectRoleRequest, _SDK, user_id=user_id, project_id=project_id)
        self._call("DELETE", "/user-project-role", json=body, expect="none")

    def change_company_owner(self, user_id: str) -> None:
        """Hand the company ownership from the caller to another user."""
        self._call("POST", f"/company-owner/{segment(user_id)}", expect="none")

    def delete_company_user(self, user_id: str) -> None:
        """Remove a user from the company."""
        self._call("DELETE", f"/company-user/{segment(user_id)}", expect="none")
