"""Data-schema routes (PLATFORM.md §2 rows 27–29)."""

from __future__ import annotations

from fastapi import APIRouter

from mlcube_nb.models import AddDataSchemaRequest, DataSchema
from mlcube_nb.server.routes.deps import CallerDep, SessionDep
from mlcube_nb.server.services.catalog import schemas

router = APIRouter(tags=["schemas"])


@router.post("/data-schema", operation_id="add_data_schema", status_code=204)
def add_data_schema(body: AddDataSchemaRequest, session: SessionDep, caller: CallerDep) -> None:
    schemas.add(session=session, caller=caller, task_id=body.task_id, schema=body.data_schema)


@router.get("/data-schema/{task_id}", operation_id="get_data_schema")
def get_data_schema(task_id: str, session: SessionDep, caller: CallerDep) -> DataSchema:
    return schemas.get(session=session, caller=caller, task_id=task_id)


@router.get("/data-schema-template/{task_id}", operation_id="get_data_schema_template")
def get_data_schema_template(task_id: str, session: SessionDep, caller: CallerDep) -> DataSchema:
    return schemas.template(session=session, caller=caller, task_id=task_id)
