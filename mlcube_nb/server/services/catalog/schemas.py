"""Data schemas: set (and replace until data arrives), read, template; the model columns kept inside.

A stored schema is the user's columns followed by the platform's columns of every model version of
the task (``schema_columns.model_columns``), which are recomputed whenever the user's part changes.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import ColumnSubRole, DataStructure, ErrorCode, TaskType
from mlcube_nb.models import ColumnInfo, DataSchema
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.tables import BatchRow, DataSchemaRow, ModelRow, TaskRow
from mlcube_nb.server.errors import BadRequest, Conflict, NotFound
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import schema_checks, schema_columns, tasks
from mlcube_nb.server.services.catalog.schema_checks import TaskFacts
from mlcube_nb.server.services.catalog.schema_columns import ModelFacts

_PREDICTION_SUBROLES = frozenset({ColumnSubRole.MODEL_PROBABILITY, ColumnSubRole.OBJECT_LABEL_PREDICTION,
                                  ColumnSubRole.OBJECT_TEXT_PREDICTION})


def task_has_data(session: Session, task_id: str) -> bool:
    """Whether any data batch was accepted for the task (its schema is then frozen)."""
    return session.scalar(select(BatchRow.id).where(BatchRow.task_id == task_id).limit(1)) is not None


def task_facts(row: TaskRow) -> TaskFacts:
    """The task as the schema rules see it."""
    return TaskFacts(type=TaskType(row.type), structure=DataStructure(row.data_structure),
                     optional_target=row.optional_target, positive_class=row.positive_class,
                     multi_turn=bool((row.options or {}).get("multi_turn")))


def model_facts(row: ModelRow) -> ModelFacts:
    """The model version as the column builder sees it."""
    return ModelFacts(id=row.id, name=row.name, version=row.version,
                      with_probabilistic_output=row.with_probabilistic_output)


def _models(session: Session, task_id: str) -> list[ModelRow]:
    query = select(ModelRow).where(ModelRow.task_id == task_id).order_by(ModelRow.created_at, ModelRow.id)
    return list(session.scalars(query).all())


def _columns(row: DataSchemaRow) -> list[ColumnInfo]:
    return [ColumnInfo.model_validate(column) for column in row.columns]


def _store(row: DataSchemaRow, columns: list[ColumnInfo]) -> None:
    row.columns = [column.model_dump(mode="json") for column in columns]
    row.updated_at = utcnow()


def _with_models(task: TaskRow, user_columns: list[ColumnInfo], models: list[ModelRow]) -> list[ColumnInfo]:
    """The user's columns followed by every model's columns; a name clash is the user's to fix."""
    taken = {c.name for c in user_columns}
    columns = list(user_columns)
    for model in models:
        for column in schema_columns.model_columns(task_facts(task), user_columns, model_facts(model)):
            if column.name in taken:
                raise BadRequest(ErrorCode.INVALID_SCHEMA,
                               f"Column {column.name!r} of model {model.name} version {model.version} clashes "
                               "with a column of the schema; rename that column")
            taken.add(column.name)
            columns.append(column)
    return columns


def _split_user_columns(columns: list[ColumnInfo], models: list[ModelRow]) -> list[ColumnInfo]:
    """Drop the columns of existing models (they are recomputed); refuse prediction columns of no model."""
    model_ids = {m.id for m in models}
    model_names = set().union(*(schema_columns.model_column_names(model_facts(m)) for m in models))
    user = []
    for column in columns:
        predicted = column.role in schema_checks.PLATFORM_ROLES or column.subrole in _PREDICTION_SUBROLES
        if column.name in model_names and (predicted or column.model_id in model_ids):
            continue
        if predicted:
            raise BadRequest(ErrorCode.INVALID_SCHEMA,
                             f"Column {column.name!r}: prediction columns are added by the platform when you "
                             "create a model; remove it from the schema")
        user.append(column)  # schema_rules refuses a model_id on it
    return user


def add(*, session: Session, caller: Caller, task_id: str, schema: DataSchema) -> None:
    """Set the task's schema, or replace it while no data was uploaded; needs WORK_ON_PROJECT."""
    task = tasks.get_or_raise(session, caller, task_id, ProjectPermission.WORK_ON_PROJECT)
    row = session.get(DataSchemaRow, task.id)
    if row is not None and task_has_data(session, task.id):
        raise Conflict(ErrorCode.SCHEMA_IMMUTABLE,
                       "The task already has data, so its schema can no longer change; create a new task "
                       "for data with another schema")
    models = _models(session, task.id)
    user_columns = _split_user_columns(schema.columns, models)
    schema_checks.validate(user_columns, task_facts(task))
    columns = _with_models(task, user_columns, models)
    if row is None:
        row = DataSchemaRow(task_id=task.id, columns=[])
        session.add(row)
    _store(row, columns)


def get(*, session: Session, caller: Caller, task_id: str) -> DataSchema:
    """The task's schema (user columns, then model columns); 404 while none was added."""
    task = tasks.get_or_raise(session, caller, task_id, ProjectPermission.READ_PROJECT)
    row = session.get(DataSchemaRow, task.id)
    if row is None:
        raise NotFound(ErrorCode.SCHEMA_NOT_FOUND,
                       f"Task {task.id} has no data schema yet: add one with add_data_schema "
                       "(get_data_schema_template gives a valid start)")
    return DataSchema(columns=_columns(row))


def template(*, session: Session, caller: Caller, task_id: str) -> DataSchema:
    """A valid schema for the task's type and data structure, with the columns of its models."""
    task = tasks.get_or_raise(session, caller, task_id, ProjectPermission.READ_PROJECT)
    base = schema_columns.template(task_facts(task))
    return DataSchema(columns=_with_models(task, base, _models(session, task.id)))


def add_model_columns(session: Session, task: TaskRow, model: ModelRow) -> None:
    """Append a new model version's columns to the task's schema, if it has one yet."""
    row = session.get(DataSchemaRow, task.id)
    if row is None:
        return  # they are added with the schema, when it comes
    columns = _columns(row)
    user_columns = [c for c in columns if c.model_id is None]
    taken = {c.name for c in columns}
    added = schema_columns.model_columns(task_facts(task), user_columns, model_facts(model))
    for column in added:
        if column.name in taken:
            raise Conflict(ErrorCode.ALREADY_EXISTS,
                           f"The task's schema already has a column {column.name!r}; choose another model "
                           "name or version")
    _store(row, columns + added)
