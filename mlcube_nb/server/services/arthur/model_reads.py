"""Reading models the Arthur way: by id or partner_model_id, and model groups (the versions of a task's model).

Any model of the caller's company can be read; models made through the ML cube API (or later versions)
have no Arthur metadata, so their Arthur-only fields are derived from the task or left empty.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import DataStructure, ErrorCode, TaskType
from mlcube_nb.server.arthur_wire import (
    ArthurInputType,
    ArthurModelGroupInfo,
    ArthurModelInfo,
    ArthurOutputType,
    ArthurTextDelimiter,
)
from mlcube_nb.server.db.tables import ArthurModelRow, ModelRow, ProjectRow, TaskRow
from mlcube_nb.server.errors import NotFound
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.arthur import models as arthur_models
from mlcube_nb.server.services.catalog import models, tasks

_INPUT_TYPES = {structure: kind for kind, structure in arthur_models.STRUCTURES.items()}
_OUTPUT_TYPES = {task_type: kind for kind, task_type in arthur_models.TASK_TYPES.items()}
_OUTPUT_TYPES[TaskType.CLASSIFICATION_BINARY] = ArthurOutputType.Multiclass  # Arthur's binary = 2-class multiclass


def _versions(session: Session, task_id: str) -> list[ModelRow]:
    """Every model version of a task, oldest first (the order of the version sequence numbers)."""
    query = select(ModelRow).where(ModelRow.task_id == task_id).order_by(ModelRow.created_at, ModelRow.id)
    return list(session.scalars(query).all())


def _info(session: Session, row: ModelRow, task: TaskRow, company_id: str, sequence: int) -> ArthurModelInfo:
    meta = session.get(ArthurModelRow, row.id)
    common: dict[str, Any] = {
        "id": row.id, "model_group_id": task.id, "organization_id": company_id, "project_id": task.project_id,
        "task_id": task.id, "version_label": row.version, "version_sequence_num": sequence,
        "created_at": row.created_at}
    if meta is None:
        return ArthurModelInfo(
            **common, partner_model_id=None, display_name=row.name, description=None,
            input_type=_INPUT_TYPES.get(DataStructure(task.data_structure)),
            output_type=_OUTPUT_TYPES.get(TaskType(task.type)), tags=list(task.tags or []),
            classifier_threshold=None, is_batch=False, text_delimiter=None, expected_throughput_gb_per_day=None,
            pixel_height=None, pixel_width=None)
    return ArthurModelInfo(
        **common, partner_model_id=meta.partner_model_id, display_name=meta.display_name,
        description=meta.description, input_type=ArthurInputType(meta.input_type),
        output_type=ArthurOutputType(meta.output_type), tags=list(meta.tags or []),
        classifier_threshold=meta.classifier_threshold, is_batch=meta.is_batch,
        text_delimiter=ArthurTextDelimiter(meta.text_delimiter) if meta.text_delimiter else None,
        expected_throughput_gb_per_day=meta.expected_throughput_gb_per_day,
        pixel_height=meta.pixel_height, pixel_width=meta.pixel_width)


def to_info(session: Session, row: ModelRow) -> ArthurModelInfo:
    """The Arthur view of one model version (its sequence number counts the task's versions)."""
    task = session.get(TaskRow, row.task_id)
    assert task is not None  # a model row always has its task (cascade)
    project = session.get(ProjectRow, task.project_id)
    assert project is not None
    sequence = [v.id for v in _versions(session, task.id)].index(row.id) + 1
    return _info(session, row, task, project.company_id, sequence)


def get_by_id(*, session: Session, caller: Caller, model_id: str) -> ModelRow:
    """A model of the caller's company that the caller may read (404 otherwise, whoever owns it)."""
    caller.company_id_or_raise()
    return models.get_or_raise(session, caller, model_id, ProjectPermission.READ_PROJECT)


def get_by_partner_id(*, session: Session, caller: Caller, partner_model_id: str) -> ModelRow:
    """The model the caller's company registered under *partner_model_id* (404 when it has none)."""
    company_id = caller.company_id_or_raise()
    model_id = session.scalar(select(ArthurModelRow.model_id).where(
        ArthurModelRow.company_id == company_id, ArthurModelRow.partner_model_id == partner_model_id))
    if model_id is None:
        raise NotFound(ErrorCode.MODEL_NOT_FOUND, f"No model with partner_model_id {partner_model_id!r} "
                                                  "in your organization: check the id, or use id_type='id'")
    return models.get_or_raise(session, caller, model_id, ProjectPermission.READ_PROJECT)


def group(*, session: Session, caller: Caller, group_id: str) -> ArthurModelGroupInfo:
    """The model group *group_id* (a task id) with every version, oldest first."""
    company_id = caller.company_id_or_raise()
    try:
        task = tasks.get_or_raise(session, caller, group_id, ProjectPermission.READ_PROJECT)
    except NotFound as exc:
        raise NotFound(ErrorCode.NOT_FOUND, f"Model group {group_id} not found in your organization: "
                                            "use the model_group_id of one of its models") from exc
    versions = [_info(session, row, task, company_id, n) for n, row in enumerate(_versions(session, task.id), 1)]
    name = versions[0].display_name if versions else task.name
    return ArthurModelGroupInfo(id=task.id, name=name, organization_id=company_id, versions=versions)
