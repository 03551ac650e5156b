"""Tasks: creation with the rules of their type, updates of the mutable fields, and the guarded lookup."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcube_nb.enums import DataStructure, ErrorCode, TaskType, TextLanguage
from mlcube_nb.models import CreateTaskRequest, MonitoringQuantityStatus, Task, TaskCostInfoUnion, UpdateTaskRequest
from mlcube_nb.server.db.tables import ProjectRow, TaskRow
from mlcube_nb.server.errors import Conflict, Forbidden, NotFound
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import projects, task_checks
from mlcube_nb.server.services.monitoring.quantity_statuses import quantity_statuses
from mlcube_nb.server.services.writes import flush_unique
from mlcube_nb.server.settings import Settings

_COST_INFO: TypeAdapter[TaskCostInfoUnion | None] = TypeAdapter(TaskCostInfoUnion | None)


def task_monitoring_status(session: Session, task_id: str) -> list[MonitoringQuantityStatus]:
    """The task's monitored quantities with their status (none until a model has a reference)."""
    return quantity_statuses(session, task_id)


def company_and_project(session: Session, task_id: str) -> tuple[str, str] | None:
    """(company id, project id) of a task, for the lookups of objects that hang off a task; None if gone."""
    found = session.execute(select(ProjectRow.company_id, ProjectRow.id)
                            .join(TaskRow, TaskRow.project_id == ProjectRow.id).where(TaskRow.id == task_id)).first()
    return None if found is None else (found[0], found[1])


def to_model(session: Session, row: TaskRow) -> Task:
    """The wire model of a task row (v1's keys first, then our extras)."""
    return Task(
        task_id=row.id, name=row.name, type=TaskType(row.type), cost_info=_COST_INFO.validate_python(row.cost_info),
        optional_target=row.optional_target, monitoring_status=task_monitoring_status(session, row.id),
        project_id=row.project_id, data_structure=DataStructure(row.data_structure), tags=list(row.tags or []),
        positive_class=row.positive_class,
        text_language=TextLanguage(row.text_language) if row.text_language else None,
        rag_contexts_separator=row.rag_contexts_separator, creation_datetime=row.created_at,
    )


def get_or_raise(session: Session, caller: Caller, task_id: str, permission: ProjectPermission) -> TaskRow:
    """The task if its project is in the caller's company (else 404) and the caller holds *permission* (403)."""
    row = session.get(TaskRow, task_id)
    company_id = session.scalar(select(ProjectRow.company_id).where(ProjectRow.id == row.project_id)) if row else None
    if row is None or company_id is None or company_id != caller.company_id:
        raise NotFound(ErrorCode.TASK_NOT_FOUND, f"Task {task_id} not found: check the id with get_tasks")
    caller.require_on_project(row.project_id, permission)
    return row


def count_for_company(session: Session, company_id: str) -> int:
    """Tasks of every project of a company (the max_tasks quota)."""
    query = select(func.count()).select_from(TaskRow).join(ProjectRow, ProjectRow.id == TaskRow.project_id)
    return session.scalar(query.where(ProjectRow.company_id == company_id)) or 0


def _check_name_free(session: Session, project_id: str, name: str, except_id: str | None = None) -> None:
    clash = session.scalar(select(TaskRow.id).where(TaskRow.project_id == project_id, TaskRow.name == name))
    if clash is not None and clash != except_id:
        raise Conflict(ErrorCode.ALREADY_EXISTS, f"The project already has a task named {name!r}; choose another")


def _check_quota(session: Session, settings: Settings, company_id: str) -> None:
    if settings.max_tasks is not None and count_for_company(session, company_id) >= settings.max_tasks:
        raise Forbidden(ErrorCode.LIMIT_EXCEEDED,
                        f"Your plan allows {settings.max_tasks} tasks; delete one or raise the limit")


def _options(request: CreateTaskRequest) -> dict[str, Any]:
    """v1's type-specific extras that were set, JSON-ready."""
    values = request.model_dump(mode="json", include=set(task_checks.TYPE_OPTIONS))
    return {key: value for key, value in values.items() if value is not None}


def create(*, session: Session, caller: Caller, settings: Settings, request: CreateTaskRequest) -> str:
    """Create a task in a project after checking the rules of its type; needs WORK_ON_PROJECT."""
    project = projects.get_or_raise(session=session, caller=caller, project_id=request.project_id,
                                    permission=ProjectPermission.WORK_ON_PROJECT)
    task_type, structure = request.task_type, request.data_structure
    task_checks.check_structure(task_type, structure)
    task_checks.check_settings(task_type, structure, positive_class=request.positive_class,
                              text_language=request.text_language,
                              rag_contexts_separator=request.rag_contexts_separator)
    task_checks.check_options(task_type, {k: getattr(request, k) for k in task_checks.TYPE_OPTIONS})
    task_checks.check_cost_info(task_type, request.cost_info)
    _check_name_free(session, project.id, request.name)
    _check_quota(session, settings, project.company_id)
    row = TaskRow(
        project_id=project.id, name=request.name, type=task_type.value, data_structure=structure.value,
        # RAG answers are rarely labelled: the docs make its target always optional.
        optional_target=request.optional_target or task_type is TaskType.RAG,
        cost_info=request.cost_info.model_dump(mode="json") if request.cost_info else None,
        positive_class=request.positive_class,
        text_language=request.text_language.value if request.text_language else None,
        rag_contexts_separator=request.rag_contexts_separator, tags=list(request.tags or []),
        options=_options(request),
    )
    session.add(row)
    flush_unique(session, f"The project already has a task named {request.name!r}")
    return row.id


def list_for(*, session: Session, caller: Caller, project_id: str) -> list[TaskRow]:
    """Tasks of a project the caller may read, oldest first."""
    projects.get_or_raise(session=session, caller=caller, project_id=project_id,
                          permission=ProjectPermission.READ_PROJECT)
    query = select(TaskRow).where(TaskRow.project_id == project_id).order_by(TaskRow.created_at, TaskRow.id)
    return list(session.scalars(query).all())


def update(*, session: Session, caller: Caller, request: UpdateTaskRequest) -> Task:
    """Change name, tags or cost info (None keeps, ``tags=[]`` clears); type and data never change."""
    row = get_or_raise(session, caller, request.task_id, ProjectPermission.WORK_ON_PROJECT)
    task_checks.check_cost_info(TaskType(row.type), request.cost_info)
    if request.name is not None and request.name != row.name:
        _check_name_free(session, row.project_id, request.name, except_id=row.id)
        row.name = request.name
    if request.tags is not None:
        row.tags = list(request.tags)
    if request.cost_info is not None:
        row.cost_info = request.cost_info.model_dump(mode="json")
    flush_unique(session, f"The project already has a task named {request.name!r}")
    return to_model(session, row)
