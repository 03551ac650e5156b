"""Models: versions of a task's model, their retraining settings, and the columns they add to the schema.

Each version is its own row (and id): ``update_model_version`` adds a row with the same name, the new
version and an empty reference, so an older version stays readable by name and version.
"""

from __future__ import annotations

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import ErrorCode, ModelMetricName, MonitoringStatus, SuggestionType, TaskType
from mlcube_nb.models import (
    CreateModelRequest,
    Model,
    RetrainTriggerUnion,
    SetModelSuggestionTypeRequest,
    UpdateModelVersionRequest,
)
from mlcube_nb.server.db.tables import ModelRow, TaskRow
from mlcube_nb.server.errors import BadRequest, Conflict, NotFound
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import schemas, tasks
from mlcube_nb.server.services.catalog.schema_columns import PROBABILISTIC_TYPES
from mlcube_nb.server.services.monitoring import reads as monitoring_reads
from mlcube_nb.server.services.writes import flush_unique

_T = TaskType
METRIC_TYPES: dict[ModelMetricName, frozenset[TaskType]] = {
    ModelMetricName.ACCURACY: frozenset({_T.CLASSIFICATION_BINARY, _T.CLASSIFICATION_MULTICLASS,
                                         _T.CLASSIFICATION_MULTILABEL}),
    ModelMetricName.RMSE: frozenset({_T.REGRESSION, _T.TIMESERIES}),
    ModelMetricName.RSQUARE: frozenset({_T.REGRESSION, _T.TIMESERIES}),
    ModelMetricName.AVERAGE_PRECISION: frozenset({_T.OBJECT_DETECTION}),
}
"""Task types each model metric suits (PLATFORM.md §5.6)."""

RETRAINING_TYPES = frozenset({_T.REGRESSION, _T.CLASSIFICATION_BINARY, _T.CLASSIFICATION_MULTICLASS,
                              _T.CLASSIFICATION_MULTILABEL, _T.CLUSTERING})
"""Task types the retraining module serves, so the only ones with a suggestion type (PLATFORM.md §8.7)."""

_TRIGGER: TypeAdapter[RetrainTriggerUnion | None] = TypeAdapter(RetrainTriggerUnion | None)


def model_status(session: Session, model_id: str) -> MonitoringStatus | None:
    """The model's worst monitoring status; None until it has a reference (not monitored yet)."""
    return monitoring_reads.model_status(session, model_id)


def to_model(session: Session, row: ModelRow) -> Model:
    """The wire model of a model-version row."""
    return Model(
        model_id=row.id, task_id=row.task_id, name=row.name, version=row.version,
        metric_name=ModelMetricName(row.metric_name) if row.metric_name else None,
        creation_datetime=row.created_at, retrain_trigger=_TRIGGER.validate_python(row.retrain_trigger),
        retraining_cost=row.retraining_cost,
        with_probabilistic_output=row.with_probabilistic_output,
        preferred_suggestion_type=SuggestionType(row.preferred_suggestion_type)
        if row.preferred_suggestion_type else None,
        resampled_dataset_size=row.resampled_dataset_size, status=model_status(session, row.id),
    )


def get_or_raise(session: Session, caller: Caller, model_id: str, permission: ProjectPermission) -> ModelRow:
    """The model if its project is in the caller's company (else 404) and the caller holds *permission* (403)."""
    row = session.get(ModelRow, model_id)
    found = tasks.company_and_project(session, row.task_id) if row is not None else None
    if row is None or found is None or found[0] != caller.company_id:
        raise NotFound(ErrorCode.MODEL_NOT_FOUND, f"Model {model_id} not found: check the id with get_models")
    caller.require_on_project(found[1], permission)
    return row


def _bad(message: str) -> BadRequest:
    return BadRequest(ErrorCode.INVALID_PARAMETERS, message)


def _check_suggestion(task_type: TaskType, kind: SuggestionType | None, size: int | None) -> None:
    """A size goes with (and only with) a resampled-dataset suggestion, on tasks that can be retrained."""
    if kind is not None and task_type not in RETRAINING_TYPES:
        raise _bad(f"Retraining suggestions are not available for {task_type.value} tasks; "
                   "leave preferred_suggestion_type empty")
    if kind is SuggestionType.RESAMPLED_DATASET and (size is None or size < 1):
        raise _bad("A resampled_dataset suggestion needs resampled_dataset_size: a positive number of samples")
    if kind is not SuggestionType.RESAMPLED_DATASET and size is not None:
        raise _bad("resampled_dataset_size only applies to the resampled_dataset suggestion type; leave it empty")


def _check_create(task_type: TaskType, request: CreateModelRequest) -> None:
    if "@" in request.name:
        raise _bad("A model name cannot contain '@': it separates name and version in prediction column names")
    metric = request.metric_name
    if metric is not None and task_type not in METRIC_TYPES[metric]:
        suited = [m.value for m, types in METRIC_TYPES.items() if task_type in types]
        hint = f"use one of: {', '.join(suited)}" if suited else "leave it empty"
        raise _bad(f"Metric {metric.value} does not suit a {task_type.value} task; {hint}")
    if request.with_probabilistic_output and task_type not in PROBABILISTIC_TYPES:
        raise _bad(f"A {task_type.value} model cannot have a probabilistic output; "
                   "set with_probabilistic_output to false")
    if request.retraining_cost < 0:
        raise _bad(f"retraining_cost is {request.retraining_cost}; it cannot be negative (0 = negligible)")
    _check_suggestion(task_type, request.preferred_suggestion_type, request.resampled_dataset_size)


def _check_version_free(session: Session, task_id: str, name: str, version: str) -> None:
    clash = session.scalar(select(ModelRow.id).where(ModelRow.task_id == task_id, ModelRow.name == name,
                                                     ModelRow.version == version))
    if clash is not None:
        raise Conflict(ErrorCode.ALREADY_EXISTS,
                       f"The task already has model {name!r} version {version!r}; choose another version")


def _insert(session: Session, task: TaskRow, row: ModelRow) -> str:
    """Add a model version and its schema columns in one go."""
    session.add(row)
    flush_unique(session, f"Model {row.name!r} version {row.version!r} exists")
    schemas.add_model_columns(session, task, row)
    return row.id


def create(*, session: Session, caller: Caller, request: CreateModelRequest) -> str:
    """Create a model (first version) in a task; needs WORK_ON_PROJECT."""
    task = tasks.get_or_raise(session, caller, request.task_id, ProjectPermission.WORK_ON_PROJECT)
    _check_create(TaskType(task.type), request)
    _check_version_free(session, task.id, request.name, request.version)
    row = ModelRow(
        task_id=task.id, name=request.name, version=request.version,
        metric_name=request.metric_name.value if request.metric_name else None,
        with_probabilistic_output=request.with_probabilistic_output, retraining_cost=request.retraining_cost,
        preferred_suggestion_type=request.preferred_suggestion_type.value
        if request.preferred_suggestion_type else None,
        resampled_dataset_size=request.resampled_dataset_size, additional_info={},
    )
    return _insert(session, task, row)


def list_for(*, session: Session, caller: Caller, task_id: str) -> list[ModelRow]:
    """Every model version of a task, oldest first."""
    task = tasks.get_or_raise(session, caller, task_id, ProjectPermission.READ_PROJECT)
    query = select(ModelRow).where(ModelRow.task_id == task.id).order_by(ModelRow.created_at, ModelRow.id)
    return list(session.scalars(query).all())


def set_suggestion_type(*, session: Session, caller: Caller, request: SetModelSuggestionTypeRequest) -> None:
    """Choose the retraining suggestion computed for a model; needs WORK_ON_PROJECT."""
    row = get_or_raise(session, caller, request.model_id, ProjectPermission.WORK_ON_PROJECT)
    task = session.get(TaskRow, row.task_id)
    assert task is not None  # the model was found through its task
    _check_suggestion(TaskType(task.type), request.preferred_suggestion_type, request.resampled_dataset_size)
    row.preferred_suggestion_type = request.preferred_suggestion_type.value
    row.resampled_dataset_size = request.resampled_dataset_size


def new_version(*, session: Session, caller: Caller, request: UpdateModelVersionRequest) -> str:
    """Add a version of a model with an empty reference; returns the new version's model id."""
    old = get_or_raise(session, caller, request.model_id, ProjectPermission.WORK_ON_PROJECT)
    task = session.get(TaskRow, old.task_id)
    assert task is not None  # the model was found through its task
    _check_version_free(session, task.id, old.name, request.new_model_version)
    row = ModelRow(
        task_id=task.id, name=old.name, version=request.new_model_version, metric_name=old.metric_name,
        with_probabilistic_output=old.with_probabilistic_output, retraining_cost=old.retraining_cost,
        preferred_suggestion_type=old.preferred_suggestion_type, resampled_dataset_size=old.resampled_dataset_size,
        retrain_trigger=old.retrain_trigger, additional_info={"previous_model_id": old.id},
    )
    return _insert(session, task, row)
