"""Plain-text tables behind the ``show_*`` methods, laid out as in the seed reference's examples.

Each function takes the records a getter returned and gives the ``tabulate`` text; the client
prints it to stdout. Values are shown as their wire values (``ok``, ``rmse``), datetimes without
time-zone noise, and a column the platform has no data for stays blank.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from tabulate import tabulate

from mlcube_nb.enums import MonitoringStatus
from mlcube_nb.models import KPI, ApiKey, CompanyUser, DataSchema, Job, Model, Project, SuggestionInfo, Task

__all__ = [
    "api_keys_table",
    "company_users_table",
    "data_schema_table",
    "jobs_table",
    "kpis_table",
    "models_table",
    "projects_table",
    "suggestions_table",
    "tasks_table",
]

_SEVERITY = {MonitoringStatus.OK: 0, MonitoringStatus.WARNING: 1, MonitoringStatus.DRIFT: 2}


def _cell(value: Any) -> Any:
    """One table cell: enums by value, datetimes to the second, ``None`` blank."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Render rows under the given headers in tabulate's plain ``simple`` format."""
    return tabulate([[_cell(value) for value in row] for row in rows], headers=list(headers))


def _task_status(task: Task) -> MonitoringStatus | None:
    """The task's overall status: the worst status among its monitored quantities."""
    statuses = [quantity.status for quantity in task.monitoring_status]
    return max(statuses, key=lambda status: _SEVERITY.get(status, 0)) if statuses else None


def projects_table(projects: Iterable[Project]) -> str:
    """show_projects / show_user_projects: Project ID, Name."""
    return _table(["Project ID", "Name"], ([p.project_id, p.name] for p in projects))


def tasks_table(tasks: Iterable[Task]) -> str:
    """show_tasks: Task ID, Name, Type, Status, Status start date."""
    headers = ["Task ID", "Name", "Type", "Status", "Status start date"]
    return _table(headers, ([t.task_id, t.name, t.type, _task_status(t), None] for t in tasks))


def models_table(models: Iterable[Model]) -> str:
    """show_models: the seed's eight columns; status timestamps stay blank when the platform has none."""
    headers = [
        "Model Id",
        "Task Id",
        "Name",
        "Version",
        "Status",
        "Status start timestamp",
        "Status insert date",
        "Metric Name",
    ]
    rows = ([m.model_id, m.task_id, m.name, m.version, m.status, None, None, m.metric_name] for m in models)
    return _table(headers, rows)


def suggestions_table(suggestions: Iterable[SuggestionInfo]) -> str:
    """show_suggestions: Suggestion Id, Executed, Timestamp (UTC)."""
    rows = (
        [s.id, s.executed, datetime.fromtimestamp(s.timestamp, tz=timezone.utc).replace(tzinfo=None)]
        for s in suggestions
    )
    return _table(["Suggestion Id", "Executed", "Timestamp"], rows)


def data_schema_table(schema: DataSchema) -> str:
    """show_data_schema: Column name, Role, Type, Nullable."""
    rows = ([c.name, c.role, c.data_type, c.is_nullable] for c in schema.columns)
    return _table(["Column name", "Role", "Type", "Nullable"], rows)


def kpis_table(project_id: str, kpis: Iterable[KPI]) -> str:
    """show_kpis: KPI Id, Project Id, Name, Status, Status start timestamp, Status insert date."""
    headers = ["KPI Id", "Project Id", "Name", "Status", "Status start timestamp", "Status insert date"]
    rows = (
        [k.kpi_id, project_id, k.name, k.status, k.status_kpi_start_timestamp, k.status_insert_datetime]
        for k in kpis
    )
    return _table(headers, rows)


def company_users_table(users: Iterable[CompanyUser]) -> str:
    """show_company_users: User Id, Username, Name, Surname, Email, Company Role."""
    headers = ["User Id", "Username", "Name", "Surname", "Email", "Company Role"]
    rows = ([u.user_id, u.username, u.name, u.surname, u.email, u.company_role] for u in users)
    return _table(headers, rows)


def api_keys_table(api_keys: Iterable[ApiKey]) -> str:
    """show_api_keys / show_user_api_keys: Name, Api Key (as the platform returns it), Expiration Time."""
    rows = ([k.name, k.api_key, k.expiration_time] for k in api_keys)
    return _table(["Name", "Api Key", "Expiration Time"], rows)


def jobs_table(jobs: Iterable[Job]) -> str:
    """show_jobs: Job Id, Job Type, Project, Task, Model, Status, Error."""
    headers = ["Job Id", "Job Type", "Project Name", "Task Name", "Model Name", "Status", "Error"]
    rows = (
        [j.job_id, j.job_group, j.project_name, j.task_name, j.model_name, j.status, j.error] for j in jobs
    )
    return _table(headers, rows)
