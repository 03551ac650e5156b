"""KPIs: project-level business series; a new KPI is ``not_initialized`` until its data is analysed."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import ErrorCode, KPIStatus
from mlcube_nb.models import KPI
from mlcube_nb.server.db.tables import KpiRow, ProjectRow
from mlcube_nb.server.errors import Conflict, NotFound
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import projects
from mlcube_nb.server.services.writes import flush_unique


def to_model(row: KpiRow) -> KPI:
    """The wire model of a KPI row (the status start is stored as epoch seconds)."""
    start = row.status_kpi_start_timestamp
    return KPI(
        kpi_id=row.id, name=row.name, status=KPIStatus(row.status),
        status_kpi_start_timestamp=datetime.fromtimestamp(start, tz=timezone.utc) if start is not None else None,
        status_insert_datetime=row.status_insert_datetime,
    )


def get_or_raise(session: Session, caller: Caller, kpi_id: str, permission: ProjectPermission) -> KpiRow:
    """The KPI if its project is in the caller's company (else 404) and the caller holds *permission* (403)."""
    row = session.get(KpiRow, kpi_id)
    company_id = session.scalar(select(ProjectRow.company_id).where(ProjectRow.id == row.project_id)) if row else None
    if row is None or company_id is None or company_id != caller.company_id:
        raise NotFound(ErrorCode.KPI_NOT_FOUND, f"KPI {kpi_id} not found: check the id with get_kpis")
    caller.require_on_project(row.project_id, permission)
    return row


def create(*, session: Session, caller: Caller, project_id: str, name: str) -> str:
    """Create a KPI in a project (names unique in the project); needs WORK_ON_PROJECT."""
    project = projects.get_or_raise(session=session, caller=caller, project_id=project_id,
                                    permission=ProjectPermission.WORK_ON_PROJECT)
    clash = session.scalar(select(KpiRow.id).where(KpiRow.project_id == project.id, KpiRow.name == name))
    if clash is not None:
        raise Conflict(ErrorCode.ALREADY_EXISTS, f"The project already has a KPI named {name!r}; choose another")
    row = KpiRow(project_id=project.id, name=name, status=KPIStatus.NOT_INITIALIZED.value)
    session.add(row)
    flush_unique(session, f"The project already has a KPI named {name!r}")
    return row.id


def list_for(*, session: Session, caller: Caller, project_id: str) -> list[KpiRow]:
    """KPIs of a project, oldest first; needs READ_PROJECT."""
    projects.get_or_raise(session=session, caller=caller, project_id=project_id,
                          permission=ProjectPermission.READ_PROJECT)
    query = select(KpiRow).where(KpiRow.project_id == project_id).order_by(KpiRow.created_at, KpiRow.id)
    return list(session.scalars(query).all())
