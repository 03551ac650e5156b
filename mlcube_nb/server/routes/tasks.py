"""Task routes (PLATFORM.md §2 rows 11–14)."""

from __future__ import annotations

from fastapi import APIRouter

from mlcube_nb.models import CreateTaskRequest, Task, UpdateTaskRequest
from mlcube_nb.server.rbac import ProjectPermission
from mlcube_nb.server.routes.deps import CallerDep, SessionDep, SettingsDep
from mlcube_nb.server.services.catalog import tasks

router = APIRouter(tags=["tasks"])


@router.post("/task", operation_id="create_task")
def create_task(body: CreateTaskRequest, session: SessionDep, caller: CallerDep, settings: SettingsDep) -> str:
    return tasks.create(session=session, caller=caller, settings=settings, request=body)


@router.patch("/task", operation_id="update_task")
def update_task(body: UpdateTaskRequest, session: SessionDep, caller: CallerDep) -> Task:
    return tasks.update(session=session, caller=caller, request=body)


@router.get("/tasks/{project_id}", operation_id="get_tasks")
def get_tasks(project_id: str, session: SessionDep, caller: CallerDep) -> list[Task]:
    return [tasks.to_model(session, r) for r in tasks.list_for(session=session, caller=caller, project_id=project_id)]


@router.get("/task/{task_id}", operation_id="get_task")
def get_task(task_id: str, session: SessionDep, caller: CallerDep) -> Task:
    return tasks.to_model(session, tasks.get_or_raise(session, caller, task_id, ProjectPermission.READ_PROJECT))
