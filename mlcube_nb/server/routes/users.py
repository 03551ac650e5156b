"""Company-user and role routes (PLATFORM.md §2 rows 60–67, 76, 77)."""

from __future__ import annotations

from fastapi import APIRouter

from mlcube_nb.models import (
    AddUserProjectRoleRequest,
    ChangeUserCompanyRoleRequest,
    CompanyUser,
    CreateCompanyUserRequest,
    DeleteProjectRoleRequest,
    Project,
)
from mlcube_nb.server.routes.deps import CallerDep, SessionDep, SettingsDep
from mlcube_nb.server.services.accounts import users
from mlcube_nb.server.services.catalog import projects

router = APIRouter(tags=["users"])


@router.post("/company-user", operation_id="create_company_user")
def create_company_user(
    body: CreateCompanyUserRequest, session: SessionDep, caller: CallerDep, settings: SettingsDep
) -> str:
    return users.create(session=session, caller=caller, settings=settings, name=body.name,
                        surname=body.surname, username=body.username, password=body.password,
                        email=body.email, role=body.company_role)


@router.get("/company-user", operation_id="get_company_users")
def get_company_users(session: SessionDep, caller: CallerDep) -> list[CompanyUser]:
    return [users.to_model(r) for r in users.list_for(session=session, caller=caller)]


@router.post("/change-user-company-role", operation_id="change_user_company_role", status_code=204)
def change_user_company_role(body: ChangeUserCompanyRoleRequest, session: SessionDep, caller: CallerDep) -> None:
    users.change_role(session=session, caller=caller, user_id=body.user_id, role=body.company_role)


@router.get("/user-project/{user_id}", operation_id="get_user_projects")
def get_user_projects(user_id: str, session: SessionDep, caller: CallerDep) -> list[Project]:
    return [projects.to_model(r) for r in users.projects_of(session=session, caller=caller, user_id=user_id)]


@router.post("/user-project-role", operation_id="add_user_project_role", status_code=204)
def add_user_project_role(body: AddUserProjectRoleRequest, session: SessionDep, caller: CallerDep) -> None:
    users.set_project_role(session=session, caller=caller, user_id=body.user_id, project_id=body.project_id,
                           role=body.project_role)


@router.delete("/user-project-role", operation_id="delete_project_role", status_code=204)
def delete_project_role(body: DeleteProjectRoleRequest, session: SessionDep, caller: CallerDep) -> None:
    users.delete_project_role(session=session, caller=caller, user_id=body.user_id, project_id=body.project_id)


@router.post("/company-owner/{user_id}", operation_id="change_company_owner", status_code=204)
def change_company_owner(user_id: str, session: SessionDep, caller: CallerDep) -> None:
    users.change_owner(session=session, caller=caller, user_id=user_id)


@router.delete("/company-user/{user_id}", operation_id="delete_company_user", status_code=204)
def delete_company_user(user_id: str, session: SessionDep, caller: CallerDep) -> None:
    users.remove(session=session, caller=caller, user_id=user_id)
