"""Is a data schema right for its task? One column at a time, then the counts per role (PLATFORM.md §5.8).

Pure: ``validate(columns, task)`` raises ``BadRequest(INVALID_SCHEMA)`` naming the column and the fix.
It sees only the columns the user wrote; the prediction columns of models are the platform's own
(``schema_columns.py``) and are checked there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from mlcube_nb.enums import ColumnRole, ColumnSubRole, DataStructure, DataType, ErrorCode, ImageMode, TaskType
from mlcube_nb.models import ColumnInfo
from mlcube_nb.server.errors import BadRequest

_T, _R, _S, _D = TaskType, ColumnRole, ColumnSubRole, DataType


@dataclass(frozen=True)
class TaskFacts:
    """What the schema rules need to know about the task."""

    type: TaskType
    structure: DataStructure
    optional_target: bool
    positive_class: Any = None
    multi_turn: bool = False

    @property
    def target_required(self) -> bool:
        """A target column is needed unless it is optional or the type works without one."""
        return not self.optional_target and self.type not in TYPES_WITHOUT_TARGET


TYPES_WITHOUT_TARGET = frozenset({_T.RAG, _T.CLUSTERING})
SCALARS = frozenset({_D.FLOAT, _D.INTEGER, _D.CATEGORICAL, _D.STRING})
ARRAY_RANK = {_D.ARRAY_1: 1, _D.ARRAY_2: 2, _D.ARRAY_3: 3}
IMAGE_RANK = {ImageMode.RGB: 3, ImageMode.RGBA: 3, ImageMode.GRAYSCALE: 2}

INPUT_TYPES: dict[DataStructure, frozenset[DataType]] = {
    DataStructure.TABULAR: SCALARS,
    DataStructure.TEXT: frozenset({_D.STRING}),
    DataStructure.EMBEDDING: frozenset({_D.ARRAY_1}),
    DataStructure.IMAGE: frozenset({_D.ARRAY_2, _D.ARRAY_3}),
}
"""Data types of input columns by data structure."""

TARGET_TYPES: dict[TaskType, frozenset[DataType]] = {
    _T.REGRESSION: frozenset({_D.FLOAT, _D.INTEGER}),
    _T.TIMESERIES: frozenset({_D.FLOAT, _D.INTEGER}),
    _T.CLASSIFICATION_BINARY: frozenset({_D.CATEGORICAL}),
    _T.CLASSIFICATION_MULTICLASS: frozenset({_D.CATEGORICAL}),
    _T.CLASSIFICATION_MULTILABEL: frozenset({_D.ARRAY_1}),
    _T.CLUSTERING: frozenset({_D.INTEGER, _D.CATEGORICAL}),
    _T.RAG: frozenset({_D.STRING}),
    _T.OCR: frozenset({_D.STRING}),
    _T.OBJECT_DETECTION: frozenset({_D.ARRAY_2}),
    _T.SEMANTIC_SEGMENTATION: frozenset({_D.ARRAY_3}),
}
"""Data type of the (main) target column by task type."""

TARGET_DIMS: dict[TaskType, list[int]] = {_T.OBJECT_DETECTION: [-1, 4], _T.SEMANTIC_SEGMENTATION: [-1, -1, 2]}
"""Fixed target shapes: one box ``[x, y, w, h]`` per object; one polygon of (x, y) points per object."""

ROLE_TYPES: dict[ColumnRole, frozenset[DataType]] = {
    _R.ID: frozenset({_D.STRING, _D.INTEGER}),
    _R.TIME_ID: frozenset({_D.FLOAT}),
    _R.METADATA: SCALARS,
    _R.INPUT_ADDITIONAL_EMBEDDING: frozenset({_D.ARRAY_1}),
    _R.TARGET_ADDITIONAL_EMBEDDING: frozenset({_D.ARRAY_1}),
}
"""Data types of the roles whose type does not depend on the task."""

SUBROLES: dict[ColumnSubRole, tuple[ColumnRole, frozenset[TaskType]]] = {
    _S.RAG_USER_INPUT: (_R.INPUT, frozenset({_T.RAG})),
    _S.RAG_RETRIEVED_CONTEXT: (_R.INPUT, frozenset({_T.RAG})),
    _S.RAG_SYS_PROMPT: (_R.INPUT, frozenset({_T.RAG})),
    _S.SEASONALITY: (_R.INPUT, frozenset({_T.TIMESERIES})),
    _S.TREND: (_R.INPUT, frozenset({_T.TIMESERIES})),
    _S.REGRESSOR: (_R.INPUT, frozenset({_T.TIMESERIES})),
    _S.OBJECT_LABEL_TARGET: (_R.TARGET, frozenset({_T.OBJECT_DETECTION, _T.SEMANTIC_SEGMENTATION, _T.OCR})),
    _S.OBJECT_TEXT_TARGET: (_R.TARGET, frozenset({_T.OCR})),
    _S.RAG_SESSION_ID: (_R.METADATA, frozenset({_T.RAG})),
    _S.RAG_TURN_ID: (_R.METADATA, frozenset({_T.RAG})),
}
"""Subroles a user may set: the role they refine and the task types they exist in (PLATFORM.md §6)."""

PLATFORM_ROLES = frozenset({_R.PREDICTION, _R.PREDICTION_ADDITIONAL_EMBEDDING})
UNSUPPORTED_ROLES = frozenset({_R.ERROR, _R.INPUT_MASK})
RAG_ROLES = {_R.USER_INPUT: _S.RAG_USER_INPUT, _R.RETRIEVED_CONTEXT: _S.RAG_RETRIEVED_CONTEXT}
"""v1 also has roles for the two RAG texts; they mean the same as an input with that subrole."""


def _a(word: str) -> str:
    """The word with its indefinite article ("an input", "a target")."""
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _bad(column: ColumnInfo | None, message: str) -> BadRequest:
    where = f"Column {column.name!r}: " if column is not None else ""
    return BadRequest(ErrorCode.INVALID_SCHEMA, where + message)


def rag_part(column: ColumnInfo) -> ColumnSubRole | None:
    """The RAG text a column holds (user input, retrieved context, system prompt), however it is written."""
    if column.role in RAG_ROLES:
        return RAG_ROLES[column.role]
    if column.role is _R.INPUT and column.subrole in (_S.RAG_USER_INPUT, _S.RAG_RETRIEVED_CONTEXT, _S.RAG_SYS_PROMPT):
        return column.subrole
    return None


def is_main_target(column: ColumnInfo) -> bool:
    """The target column proper, as opposed to the object-label column that accompanies it."""
    return column.role is _R.TARGET and column.subrole is not _S.OBJECT_LABEL_TARGET


def validate(columns: list[ColumnInfo], task: TaskFacts) -> None:
    """Raise INVALID_SCHEMA at the first rule the columns break; return quietly when the schema fits."""
    if not columns:
        raise _bad(None, "The schema has no columns; start from get_data_schema_template")
    _check_names(columns)
    for column in columns:
        _check_role(column, task)
        _check_type(column, task)
        _check_extras(column, task)
    _check_counts(columns, task)


def _check_names(columns: list[ColumnInfo]) -> None:
    for column in columns:
        if not column.name.strip():
            raise _bad(None, "Every column needs a non-blank name")
    duplicated = sorted(name for name, n in Counter(c.name for c in columns).items() if n > 1)
    if duplicated:
        raise _bad(None, f"Column names must be unique; rename the repeated {', '.join(map(repr, duplicated))}")


def _check_role(column: ColumnInfo, task: TaskFacts) -> None:
    role, subrole = column.role, column.subrole
    if role in PLATFORM_ROLES:
        raise _bad(column, f"{role.value} columns are added by the platform when you create a model; remove it")
    if role in UNSUPPORTED_ROLES:
        raise _bad(column, f"the {role.value} role is not supported; remove the column")
    if column.model_id is not None:
        raise _bad(column, "model_id is set by the platform on model columns only; leave it empty")
    if role in RAG_ROLES:
        if task.type is not _T.RAG:
            raise _bad(column, f"the {role.value} role only exists in RAG tasks; use the input role")
        if subrole not in (None, RAG_ROLES[role]):
            raise _bad(column, f"a {role.value} column cannot have subrole {subrole.value}")
        return
    if subrole is None:
        if task.type is _T.RAG and role is _R.INPUT:
            raise _bad(column, "RAG inputs need a subrole: user_input, retrieved_context or sys_prompt")
        return
    if subrole not in SUBROLES:
        raise _bad(column, f"subrole {subrole.value} is set by the platform or not supported; remove it")
    owner, types = SUBROLES[subrole]
    if role is not owner:
        raise _bad(column, f"subrole {subrole.value} refines the {owner.value} role, not {role.value}")
    if task.type not in types:
        names = ", ".join(sorted(t.value for t in types))
        raise _bad(column, f"subrole {subrole.value} only exists in {names} tasks; remove it")


def allowed_types(column: ColumnInfo, task: TaskFacts) -> frozenset[DataType]:
    """The data types a column of this role (and subrole) may have in this task."""
    role, subrole = column.role, column.subrole
    if rag_part(column) is not None:
        return frozenset({_D.STRING})
    if role is _R.INPUT:
        return INPUT_TYPES[task.structure]
    if role is _R.TARGET:
        if subrole is _S.OBJECT_LABEL_TARGET:
            return frozenset({_D.ARRAY_1})
        return TARGET_TYPES[task.type]
    if subrole is _S.RAG_SESSION_ID:
        return frozenset({_D.STRING, _D.INTEGER})
    if subrole is _S.RAG_TURN_ID:
        return frozenset({_D.INTEGER})
    return ROLE_TYPES[role]


def _check_type(column: ColumnInfo, task: TaskFacts) -> None:
    allowed = allowed_types(column, task)
    if column.data_type not in allowed:
        names = " or ".join(sorted(t.value for t in allowed))
        what = _a(f"{column.role.value} column") + (f" with subrole {column.subrole.value}" if column.subrole else "")
        if column.role in (_R.INPUT, _R.TARGET):
            what += f" of {_a(task.type.value)} task on {task.structure.value} data"
        raise _bad(column, f"{what} must be of type {names}, not {column.data_type.value}")
    if column.role in (_R.ID, _R.TIME_ID) and column.is_nullable:
        raise _bad(column, f"the {column.role.value} column cannot be nullable; set is_nullable to false")
    rank = ARRAY_RANK.get(column.data_type)
    if rank is None and column.dims is not None:
        raise _bad(column, f"dims only apply to array columns; leave it empty for {column.data_type.value}")
    if rank is not None:
        if not column.dims or len(column.dims) != rank:
            raise _bad(column, f"{_a(column.data_type.value)} column needs dims with {rank} value(s) "
                               "(the array shape, -1 for any length)")
        if any(d == 0 or d < -1 for d in column.dims):
            raise _bad(column, f"dims {column.dims} must be positive lengths or -1 (any length)")


def _check_extras(column: ColumnInfo, task: TaskFacts) -> None:
    multilabel_target = task.type is _T.CLASSIFICATION_MULTILABEL and is_main_target(column)
    if column.data_type is _D.CATEGORICAL:
        values = column.possible_values or []
        if not values:
            raise _bad(column, "a categorical column needs possible_values: the list of its categories")
        if len({repr(v) for v in values}) != len(values):
            raise _bad(column, "possible_values must not repeat a value")
    elif column.possible_values is not None and not multilabel_target:
        raise _bad(column, f"possible_values only apply to categorical columns; leave it empty for "
                           f"{column.data_type.value}")
    if column.classes_names is not None and not multilabel_target:
        raise _bad(column, "classes_names only apply to the target of a multilabel classification task")
    image_input = task.structure is DataStructure.IMAGE and column.role is _R.INPUT
    if image_input:
        if column.image_mode is None:
            raise _bad(column, "an image input needs image_mode (rgb, rgba or grayscale)")
        if ARRAY_RANK[column.data_type] != IMAGE_RANK[column.image_mode]:
            expected = "array_2" if column.image_mode is ImageMode.GRAYSCALE else "array_3"
            raise _bad(column, f"a {column.image_mode.value} image must be of type {expected}")
    elif column.image_mode is not None:
        raise _bad(column, "image_mode only applies to the image input of a task on image data")
    if column.timeseries_mode is not None and not (task.type is _T.TIMESERIES and column.role is _R.INPUT):
        raise _bad(column, "timeseries_mode only applies to the inputs of a timeseries task")
    if column.tol is not None and column.tol < 0:
        raise _bad(column, f"tol is {column.tol}; the image size tolerance cannot be negative")


def _check_counts(columns: list[ColumnInfo], task: TaskFacts) -> None:
    by_role = Counter(c.role for c in columns)
    for role in (_R.ID, _R.TIME_ID):
        if by_role[role] != 1:
            raise _bad(None, f"A schema needs exactly one {role.value} column; this one has {by_role[role]}")
    _check_targets(columns, task)
    _check_inputs(columns, task)
    for role in (_R.INPUT_ADDITIONAL_EMBEDDING, _R.TARGET_ADDITIONAL_EMBEDDING):
        if by_role[role] and task.structure not in (DataStructure.TEXT, DataStructure.IMAGE):
            raise _bad(None, f"{role.value} columns only exist for text or image data; remove them")
        if by_role[role] > 1:
            raise _bad(None, f"A schema has at most one {role.value} column")
    subroles = Counter(c.subrole for c in columns if c.role is _R.METADATA)
    for subrole in (_S.RAG_SESSION_ID, _S.RAG_TURN_ID):
        if subroles[subrole] > 1:
            raise _bad(None, f"A schema has at most one metadata column with subrole {subrole.value}")


def _check_targets(columns: list[ColumnInfo], task: TaskFacts) -> None:
    mains = [c for c in columns if is_main_target(c)]
    labels = [c for c in columns if c.role is _R.TARGET and c.subrole is _S.OBJECT_LABEL_TARGET]
    if len(mains) > 1:
        raise _bad(None, f"A schema has at most one target column; found {', '.join(c.name for c in mains)}")
    if not mains and task.target_required:
        raise _bad(None, f"{_a(task.type.value).capitalize()} task needs a target column (or create the task with "
                         "optional_target=true)")
    if len(labels) > 1 or (labels and not mains):
        raise _bad(None, "An object-label target column needs exactly one target column beside it")
    if any(c.role is _R.TARGET_ADDITIONAL_EMBEDDING for c in columns) and not mains:
        raise _bad(None, "A target_additional_embedding column needs a target column")
    if mains:
        _check_main_target(mains[0], task)


def _check_main_target(column: ColumnInfo, task: TaskFacts) -> None:
    dims = TARGET_DIMS.get(task.type)
    if dims is not None and column.dims != dims:
        raise _bad(column, f"the target of {_a(task.type.value)} task has dims {dims}")
    values = column.possible_values or []
    if task.type is _T.CLASSIFICATION_BINARY:
        if len(values) != 2:
            raise _bad(column, "a binary classification target has exactly two possible_values")
        if not _contains(values, task.positive_class):
            raise _bad(column, f"possible_values {values} must include the task's positive_class "
                               f"{task.positive_class!r}")
    if task.type is _T.CLASSIFICATION_MULTICLASS and len(values) < 2:
        raise _bad(column, "a multiclass classification target needs at least two possible_values")
    if task.type is _T.CLASSIFICATION_MULTILABEL:
        size = column.dims[0] if column.dims else -1
        if size < 1:
            raise _bad(column, "a multilabel target needs dims [n]: the number of labels")
        names = column.classes_names or []
        if len(names) != size or len(set(names)) != size:
            raise _bad(column, f"a multilabel target needs classes_names: {size} distinct label names")
        if column.possible_values is not None and sorted(map(repr, column.possible_values)) != ["0", "1"]:
            raise _bad(column, "a multilabel target has possible_values [0, 1] (or none)")


def _contains(values: list[Any], wanted: Any) -> bool:
    """Whether *wanted* is among *values*, by type-aware equality (True is not 1 here)."""
    return any(type(v) is type(wanted) and v == wanted for v in values)


def _check_inputs(columns: list[ColumnInfo], task: TaskFacts) -> None:
    inputs = [c for c in columns if c.role is _R.INPUT or c.role in RAG_ROLES]
    if task.type is _T.RAG:
        parts = Counter(rag_part(c) for c in inputs)
        if parts[_S.RAG_USER_INPUT] != 1:
            raise _bad(None, "A RAG schema needs exactly one user_input column")
        for part in (_S.RAG_RETRIEVED_CONTEXT, _S.RAG_SYS_PROMPT):
            if parts[part] > 1:
                raise _bad(None, f"A RAG schema has at most one {part.value} column")
        return
    if task.structure is DataStructure.TABULAR:
        if not inputs and task.type is not _T.TIMESERIES:
            raise _bad(None, "A schema needs at least one input column")
        return
    if len(inputs) != 1:
        raise _bad(None, f"A task on {task.structure.value} data has exactly one input column; "
                         f"this schema has {len(inputs)}")
