"""The project each company keeps its Arthur models in (Arthur has no projects; we need one per task)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import ErrorCode, StoragePolicy
from mlcube_nb.server.db.tables import ArthurProjectRow, ProjectRow
from mlcube_nb.server.rbac import Caller
from mlcube_nb.server.services.catalog import projects
from mlcube_nb.server.services.writes import flush_unique

PROJECT_NAME = "Arthur models"
"""Name of the project created for a company's Arthur models (an existing project of that name is adopted)."""


def find(session: Session, company_id: str) -> ProjectRow | None:
    """The company's Arthur project, if it has one yet."""
    link = session.get(ArthurProjectRow, company_id)
    return session.get(ProjectRow, link.project_id) if link is not None else None


def get_or_create(session: Session, caller: Caller) -> ProjectRow:
    """The caller's Arthur project; the first call creates it, which needs CREATE_PROJECT (owner or admin)."""
    company_id = caller.company_id_or_raise()
    found = find(session, company_id)
    if found is not None:
        return found
    project = session.scalar(select(ProjectRow).where(ProjectRow.company_id == company_id,
                                                      ProjectRow.name == PROJECT_NAME))
    if project is None:
        project_id = projects.create(session=session, caller=caller, name=PROJECT_NAME,
                                     description="Models created through the ArthurAI-compatible client",
                                     policy=StoragePolicy.MLCUBE)
        project = session.get(ProjectRow, project_id)
        assert project is not None  # created just above, in this transaction
    session.add(ArthurProjectRow(company_id=company_id, project_id=project.id))
    flush_unique(session, "The Arthur project was being set up by another request; retry", ErrorCode.CONFLICT)
    return project
