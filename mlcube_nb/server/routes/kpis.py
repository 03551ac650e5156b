"""KPI routes (PLATFORM.md §2 rows 35–37)."""

from __future__ import annotations

from fastapi import APIRouter

from mlcube_nb.models import KPI, CreateKpiRequest
from mlcube_nb.server.rbac import ProjectPermission
from mlcube_nb.server.routes.deps import CallerDep, SessionDep
from mlcube_nb.server.services.catalog import kpis

router = APIRouter(tags=["kpis"])


@router.post("/kpi", operation_id="create_kpi")
def create_kpi(body: CreateKpiRequest, session: SessionDep, caller: CallerDep) -> str:
    return kpis.create(session=session, caller=caller, project_id=body.project_id, name=body.name)


@router.get("/kpi/{kpi_id}", operation_id="get_kpi")
def get_kpi(kpi_id: str, session: SessionDep, caller: CallerDep) -> KPI:
    return kpis.to_model(kpis.get_or_raise(session, caller, kpi_id, ProjectPermission.READ_PROJECT))


@router.get("/kpis/{project_id}", operation_id="get_kpis")
def get_kpis(project_id: str, session: SessionDep, caller: CallerDep) -> list[KPI]:
    return [kpis.to_model(r) for r in kpis.list_for(session=session, caller=caller, project_id=project_id)]
