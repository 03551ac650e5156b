"""What each uploaded file must hold, and the rules between files and batches (PLATFORM.md §3.7).

Pure functions over the task's schema and Arrow id arrays; ``services/ingest/kind_checks.py`` reads what is already
stored and calls them. Every failure names the file, the rule and the first offending rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

import pyarrow as pa
import pyarrow.compute as pc

from mlcube_nb.enums import ColumnRole, DataStructure, ErrorCode
from mlcube_nb.models import ColumnInfo
from mlcube_nb.server.errors import BadRequest, Conflict
from mlcube_nb.server.services.ingest.table_checks import Expected, invalid, rows_text

_R = ColumnRole
INPUT_ROLES = frozenset({_R.INPUT, _R.USER_INPUT, _R.RETRIEVED_CONTEXT, _R.INPUT_MASK})
EMBEDDING_ROLES = {"input": _R.INPUT_ADDITIONAL_EMBEDDING, "target": _R.TARGET_ADDITIONAL_EMBEDDING,
                   "prediction": _R.PREDICTION_ADDITIONAL_EMBEDDING}
FILE_NAME = "file_name"
MIN_REFERENCE = 300


class _ExpectedBase(TypedDict):
    """The ``Expected`` fields every category shares."""

    id: ColumnInfo
    time: ColumnInfo
    label: str


@dataclass(frozen=True)
class SchemaView:
    """The task's schema, sorted by role."""

    columns: tuple[ColumnInfo, ...]
    structure: DataStructure

    @property
    def id(self) -> ColumnInfo:
        return next(c for c in self.columns if c.role is _R.ID)

    @property
    def time(self) -> ColumnInfo:
        return next(c for c in self.columns if c.role is _R.TIME_ID)

    def by_roles(self, roles: frozenset[ColumnRole] | set[ColumnRole], model_id: str | None = None) -> tuple[
            ColumnInfo, ...]:
        return tuple(c for c in self.columns if c.role in roles and (model_id is None or c.model_id == model_id))

    def text_columns(self) -> list[str]:
        """Columns to read as text from CSV: string ids, strings, and categories named by text."""
        names = []
        for c in self.columns:
            textual_categories = any(isinstance(v, str) for v in c.possible_values or [])
            if c.data_type.value == "string" or (c.data_type.value == "categorical" and textual_categories):
                names.append(c.name)
        return names


def expected_for(schema: SchemaView, category: str, model_id: str | None, label: str, *,
                 mapping: bool = False, embedding: bool = False) -> Expected:
    """The columns a file of *category* must (and may) hold; *mapping*: the table of an image folder."""
    base: _ExpectedBase = {"id": schema.id, "time": schema.time, "label": label}
    if embedding:
        role = EMBEDDING_ROLES[category]
        return Expected(**base, required=schema.by_roles({role}, model_id if category == "prediction" else None))
    if mapping:
        return Expected(**base, extra_strings=(FILE_NAME,))
    if category == "input":
        inputs = schema.by_roles(INPUT_ROLES)
        if schema.structure is DataStructure.IMAGE:  # the images themselves come in the archive
            inputs = tuple(c for c in inputs if c.data_type.value not in ("array_2", "array_3"))
        return Expected(**base, required=inputs, optional=schema.by_roles({_R.METADATA}))
    if category == "metadata":
        return Expected(**base, required=schema.by_roles({_R.METADATA}))
    if category == "target":
        return Expected(**base, required=schema.by_roles({_R.TARGET}))
    if category == "prediction":
        columns = schema.by_roles({_R.PREDICTION}, model_id)
        if not columns:
            raise BadRequest(ErrorCode.INVALID_PARAMETERS,
                             f"{label}: the schema has no prediction columns for model {model_id}; add the data "
                             "schema before uploading predictions")
        return Expected(**base, required=columns)
    raise BadRequest(ErrorCode.INVALID_PARAMETERS, f"unknown data category {category!r}")


def norm_ids(ids: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """Ids in one type, so ids from files written differently compare equal."""
    if isinstance(ids, pa.Array):
        ids = pa.chunked_array([ids])
    kind = ids.type
    if pa.types.is_integer(kind):
        return pc.cast(ids, pa.int64())
    if pa.types.is_null(kind):
        return pa.chunked_array([], pa.large_string())
    return pc.cast(ids, pa.large_string())


def id_range(ids: pa.ChunkedArray | pa.Array) -> list[Any] | None:
    """``[smallest, largest]`` of some sample ids, in the form they compare in (int or str); None when empty."""
    ids = norm_ids(ids)
    if len(ids) == ids.null_count:
        return None
    bounds = pc.min_max(ids)
    return [bounds["min"].as_py(), bounds["max"].as_py()]


def ranges_overlap(stored: Sequence[Any] | None, wanted: Sequence[Any] | None) -> bool:
    """Whether a file whose ids span *stored* may hold any id of the span *wanted* (True when unsure).

    Strings compare by code point, which is the byte order of their UTF-8 (the order Arrow's ``min_max``
    and Parquet statistics use); ints numerically; a range of another type (or none) proves nothing.
    """
    if stored is None or wanted is None or len(stored) != 2 or len(wanted) != 2:
        return True
    kinds = {type(v) for v in (*stored, *wanted)}
    if kinds != {int} and kinds != {str}:
        return True
    return bool(stored[0] <= wanted[1] and stored[1] >= wanted[0])


def _same_order(ids: pa.ChunkedArray, known: pa.ChunkedArray) -> bool:
    """Whether *ids* are *known*, value for value in the same order (the common case of files cut from one
    DataFrame): a comparison, where membership would hash every id."""
    return len(ids) == len(known) and norm_ids(ids).equals(norm_ids(known))


def _member(ids: pa.ChunkedArray, known: pa.ChunkedArray) -> pa.ChunkedArray:
    known = norm_ids(known)
    ids = norm_ids(ids)
    if len(known) == 0:
        return pc.is_in(ids, value_set=pa.array([], ids.type))
    return pc.is_in(ids, value_set=pa.concat_arrays(known.chunks) if known.num_chunks != 1 else known.chunk(0))


def refuse_known(label: str, ids: pa.ChunkedArray, stored: pa.ChunkedArray, what: str) -> None:
    """409 when any id is already stored (*what*: "uploaded", "labelled"...)."""
    clash = _member(ids, stored)
    if pc.any(clash).as_py():
        raise Conflict(ErrorCode.DUPLICATE_DATA,
                       f"{label}: sample ids at {rows_text(clash)} were already {what} for this task (e.g. "
                       f"{ids.filter(clash)[0].as_py()!r}); remove those rows or give them new ids")


def require_known(label: str, ids: pa.ChunkedArray, known: pa.ChunkedArray, where: str) -> None:
    """400 when an id is not among *known* (*where*: "the inputs of this batch"...)."""
    if _same_order(ids, known):
        return
    outside = pc.invert(_member(ids, known))
    if pc.any(outside).as_py():
        raise invalid(f"{label}: sample ids at {rows_text(outside)} are not in {where} (e.g. "
                      f"{ids.filter(outside)[0].as_py()!r})")


def require_same(label: str, ids: pa.ChunkedArray, base: pa.ChunkedArray, base_label: str) -> None:
    """400 unless *ids* are exactly the ids of *base* (each id once in both, order free)."""
    if _same_order(ids, base):
        return
    require_known(label, ids, base, f"the {base_label}")
    if len(ids) != len(base):
        missing = pc.invert(_member(base, ids))
        raise invalid(f"{label} must cover every sample of the {base_label}: the {base_label}' {rows_text(missing)} "
                      f"have no row here (e.g. {base.filter(missing)[0].as_py()!r})")


def require_before(label: str, times: pa.ChunkedArray, boundary: float) -> None:
    """Historical samples may not be newer than the last sample of a model's reference."""
    late = pc.greater(times, boundary)
    if pc.any(late).as_py():
        raise invalid(f"{label}: {rows_text(late)} are newer than the last reference sample (time {boundary}); "
                      "once a reference is set, newer data must be sent with add_production_data")


def require_reference_size(count: int, what: str) -> None:
    """A reference needs at least :data:`MIN_REFERENCE` samples (also per segment)."""
    if count < MIN_REFERENCE:
        raise invalid(f"The reference {what} holds {count} samples; it needs at least {MIN_REFERENCE}: widen the "
                      "time range or upload more data first")
