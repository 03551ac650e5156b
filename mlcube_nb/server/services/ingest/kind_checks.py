"""The rules of each kind of batch against what the task already holds (PLATFORM.md §3.7).

Each ``check_*`` takes the request and its checked tables and returns the ids of earlier production
batches the request adds to (predictions, targets or metadata sent later), which its job re-analyses.
Stored ids are read one file at a time, so memory stays at one file's ids plus the new batch's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import func, select

from mlcube_nb.enums import (
    TaskType,
)
from mlcube_nb.server.db.tables import (
    BatchFileRow,
    ReferenceRow,
)
from mlcube_nb.server.pipelines.payloads import BatchKind
from mlcube_nb.server.services.ingest import batch_checks
from mlcube_nb.server.services.ingest.catalogue import stored_files
from mlcube_nb.server.services.ingest.state import Ingest, Loaded
from mlcube_nb.server.services.ingest.table_checks import invalid

SUPERVISED_WITHOUT_TARGET = frozenset({TaskType.RAG, TaskType.CLUSTERING})


def _may_hold(ingest: Ingest, row: BatchFileRow, wanted: list[Any] | None) -> bool:
    """Whether a stored file may hold any id in the range *wanted*: its catalogued id range, else (files written
    before migration 0009) its Parquet statistics; when neither is known, it may."""
    if wanted is None:
        return True
    stored = row.id_range
    if stored is None:
        assert ingest.schema is not None
        stored = ingest.storage.column_range(row.path, ingest.schema.id.name)
    return batch_checks.ranges_overlap(stored, wanted)


def _stored_ids(ingest: Ingest, categories: Sequence[str], *, kinds: Sequence[str] | None = None,
                model_id: str | None = None, with_batch: bool = False,
                among: Sequence[Loaded] = ()) -> pa.Table:
    """The sample ids (and their batch) of stored files; with *among*, only of the files whose id range meets
    the range of those tables' ids (no other file can hold any of them)."""
    assert ingest.task is not None and ingest.schema is not None
    id_name = ingest.schema.id.name
    spans = [item.span for item in among if item.span is not None]
    wanted = _spanning(spans)
    pieces = []
    for row in stored_files(ingest.session, ingest.task.id, categories, kinds=kinds, model_id=model_id):
        if among and (not spans or not _may_hold(ingest, row, wanted)):
            continue
        ids = batch_checks.norm_ids(ingest.storage.read([row.path], [id_name])[id_name])
        columns = {"id": ids}
        if with_batch:
            columns["batch"] = pa.chunked_array([pa.array([row.batch_id] * len(ids), pa.string())])
        pieces.append(pa.table(columns))
    if not pieces:
        kind = pa.int64() if ingest.schema.id.data_type.value == "integer" else pa.large_string()
        empty = {"id": pa.array([], kind)} | ({"batch": pa.array([], pa.string())} if with_batch else {})
        return pa.table(empty)
    return pa.concat_tables(pieces)


def _spanning(spans: list[list[Any]]) -> list[Any] | None:
    """The range covering several id ranges; None (prune nothing) when there are none or their types differ."""
    if not spans or len({type(v) for span in spans for v in span}) != 1:
        return None
    return [min(span[0] for span in spans), max(span[1] for span in spans)]


def _stored_among(ingest: Ingest, item: Loaded, categories: Sequence[str], *,
                  model_id: str | None = None) -> pa.ChunkedArray:
    """The stored ids (of files of these categories) that are among *item*'s ids, read one file at a time.

    Files whose id range misses the range of the ids are not read (they cannot hold any of them); memory stays
    at one file's ids plus the new batch's, however many batches the task holds.
    """
    assert ingest.task is not None and ingest.schema is not None
    id_name = ingest.schema.id.name
    wanted = batch_checks.norm_ids(item.ids)
    found = [pa.array([], wanted.type)]
    span = item.span
    if span is None:
        return pa.chunked_array(found, wanted.type)
    value_set = pa.concat_arrays(wanted.chunks) if wanted.num_chunks != 1 else wanted.chunk(0)
    for row in stored_files(ingest.session, ingest.task.id, categories, model_id=model_id):
        if not _may_hold(ingest, row, span):
            continue
        stored = batch_checks.norm_ids(ingest.storage.read([row.path], [id_name])[id_name])
        hit = pc.is_in(stored, value_set=value_set)
        if pc.any(hit).as_py():
            found += stored.filter(hit).chunks
    return pa.chunked_array(found, wanted.type)


def _main(loaded: list[Loaded], category: str, model_id: str | None = None) -> Loaded | None:
    return next((item for item in loaded if item.source.category == category and item.source.model_id == model_id
                 and item.conformed is not None), None)


def _others(loaded: list[Loaded], base: Loaded) -> Iterator[Loaded]:
    return (item for item in loaded if item is not base and item.conformed is not None)


def _task_type(ingest: Ingest) -> TaskType:
    assert ingest.task is not None
    return TaskType(ingest.task.type)


def _boundary(ingest: Ingest) -> float | None:
    assert ingest.task is not None
    return ingest.session.scalar(select(func.max(ReferenceRow.time_max)).where(ReferenceRow.task_id == ingest.task.id))


def check_historical(ingest: Ingest, loaded: list[Loaded]) -> list[str]:
    task_type = _task_type(ingest)
    inputs = _main(loaded, "input")
    target = _main(loaded, "target")
    predictions = [item for item in loaded if item.source.category == "prediction"]
    if inputs is None and task_type is not TaskType.TIMESERIES:
        raise invalid("add_historical_data needs inputs")
    assert ingest.task is not None
    if target is None and not ingest.task.optional_target and task_type not in SUPERVISED_WITHOUT_TARGET:
        raise invalid(f"Historical data of a {task_type.value} task needs the target too (the task's target is not "
                      "optional)")
    if task_type is TaskType.RAG and not predictions:
        raise invalid("Historical data of a RAG task needs the model's predictions (the answers)")
    base = inputs or target
    assert base is not None
    refuse = ["input"] if inputs is not None else ["target"]
    batch_checks.refuse_known(base.source.label, base.ids, _stored_among(ingest, base, refuse), "uploaded")
    for item in _others(loaded, base):
        if item.source.category == "target":
            batch_checks.require_known(item.source.label, item.ids, base.ids, "the inputs of this batch")
        else:
            batch_checks.require_same(item.source.label, item.ids, base.ids, base.source.label)
    boundary = _boundary(ingest)
    if boundary is not None:
        for item in loaded:
            if item.conformed is not None and item.conformed.time_max is not None and \
                    item.conformed.time_max > boundary:
                assert ingest.schema is not None
                batch_checks.require_before(item.source.label, item.conformed.table[ingest.schema.time.name], boundary)
    return []


def check_production(ingest: Ingest, loaded: list[Loaded]) -> list[str]:
    inputs = _main(loaded, "input")
    if inputs is not None:
        batch_checks.refuse_known(inputs.source.label, inputs.ids, _stored_among(ingest, inputs, ["input"]),
                                  "uploaded")
        for item in _others(loaded, inputs):
            if item.source.category == "target":
                batch_checks.require_known(item.source.label, item.ids, inputs.ids, "the inputs of this batch")
            else:
                batch_checks.require_same(item.source.label, item.ids, inputs.ids, inputs.source.label)
        return []
    return _attach(ingest, loaded)


def _attach(ingest: Ingest, loaded: list[Loaded]) -> list[str]:
    """Predictions, targets or metadata for production batches already stored; returns the batches touched."""
    tables = [i for i in loaded if i.conformed is not None]
    known = _stored_ids(ingest, ["input"], kinds=[BatchKind.PRODUCTION.value], with_batch=True,
                        among=tables)
    touched: set[str] = set()
    for item in tables:
        label, ids = item.source.label, item.ids
        batch_checks.require_known(label, ids, known["id"], "any production batch of this task")
        mask = pc.is_in(known["id"], value_set=pa.concat_arrays(batch_checks.norm_ids(ids).chunks)
                        if len(ids) else pa.array([], known["id"].type))
        batches = set(known["batch"].filter(mask).to_pylist())
        touched |= batches
        category = item.source.category
        if category == "prediction":
            batch_checks.refuse_known(label, ids, _stored_among(ingest, item, ["prediction"],
                                                                model_id=item.source.model_id),
                                      "given predictions of this model")
            in_batches = known.filter(pc.is_in(known["batch"], value_set=pa.array(sorted(batches), pa.string())))
            batch_checks.require_same(label, ids, in_batches["id"], "production batches these samples belong to")
        elif category == "target":
            batch_checks.refuse_known(label, ids, _stored_among(ingest, item, ["target"]), "labelled")
        else:
            batch_checks.refuse_known(label, ids, _stored_among(ingest, item, [category]), "given " + category)
    return sorted(touched)


def check_targets(ingest: Ingest, loaded: list[Loaded]) -> list[str]:
    target = _main(loaded, "target")
    assert target is not None
    known = _stored_ids(ingest, ["input"], with_batch=True, among=[target])
    batch_checks.require_known(target.source.label, target.ids, known["id"], "the data uploaded to this task")
    batch_checks.refuse_known(target.source.label, target.ids, _stored_among(ingest, target, ["target"]),
                              "labelled")
    mask = pc.is_in(known["id"], value_set=pa.concat_arrays(batch_checks.norm_ids(target.ids).chunks)
                    if len(target.ids) else pa.array([], known["id"].type))
    return sorted(set(known["batch"].filter(mask).to_pylist()))


def check_kpi(ingest: Ingest, loaded: list[Loaded]) -> list[str]:
    return []
