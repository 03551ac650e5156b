"""Project routes (PLATFORM.md §2 rows 6–9)."""

from __future__ import annotations

from fastapi import APIRouter

from mlcube_nb.models import CreateProjectRequest, Project, UpdateProjectRequest
from mlcube_nb.server.rbac import ProjectPermission
from mlcube_nb.server.routes.deps import CallerDep, SessionDep
from mlcube_nb.server.services.catalog import projects

router = APIRouter(tags=["projects"])


@router.post("/project", operation_id="create_project")
def create_project(body: CreateProjectRequest, session: SessionDep, caller: CallerDep) -> str:
    return projects.create(session=session, caller=caller, name=body.name, description=body.description,
                           policy=body.default_storage_policy)


@router.get("/projects", operation_id="get_projects")
def get_projects(session: SessionDep, caller: CallerDep) -> list[Project]:
    return [projects.to_model(r) for r in projects.list_for(session=session, caller=caller)]


@router.get("/project/{project_id}", operation_id="get_project")
def get_project(project_id: str, session: SessionDep, caller: CallerDep) -> Project:
    row = projects.get_or_raise(session=session, caller=caller, project_id=project_id,
                                permission=ProjectPermission.READ_PROJECT)
    return projects.to_model(row)


@router.patch("/project", operation_id="update_project")
def update_project(body: UpdateProjectRequest, session: SessionDep, caller: CallerDep) -> Project:
    return projects.update(session=session, caller=caller, project_id=body.project_id, name=body.name,
                           description=body.description, policy=body.default_storage_policy)
