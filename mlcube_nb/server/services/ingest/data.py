"""add_historical_data, add_production_data, add_target_data, add_kpi_data (PLATFORM.md §2 rows 31–34, 39).

One request = one batch: its files are read (uploads or remote sources), checked against the task's
schema and the data rules *before* anything is kept, then written to storage, catalogued
(``data_batches``, ``batch_files``) and an ingest job is enqueued — all in the request's transaction.
A rejected request leaves no file, no row and no job (the route then forgets its uploads). The same
files sent again for the same task (same checksums) are not stored twice: the first batch's job id
is returned.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcube_nb.enums import (
    DataBatchType,
    DataStructure,
    ErrorCode,
    FileType,
    FolderType,
    NumericLicenceFeature,
    TaskType,
)
from mlcube_nb.models import (
    AddHistoricalDataRequest,
    AddKpiDataRequest,
    AddProductionDataRequest,
    AddTargetDataRequest,
    ColumnInfo,
    DataInfo,
    ImageDataInfo,
    LocalDataSourceInfo,
    RemoteDataSourceInfo,
    TextDataInfo,
)
from mlcube_nb.server.db.base import new_id
from mlcube_nb.server.db.tables import (
    BatchFileRow,
    BatchRow,
    DataSchemaRow,
    KpiRow,
    ModelRow,
    ProjectRow,
    ReferenceRow,
    TaskRow,
    UploadRow,
)
from mlcube_nb.server.errors import BadRequest, Forbidden, NotFound
from mlcube_nb.server.jobs import queue
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.accounts import usage
from mlcube_nb.server.services.catalog import kpis, tasks
from mlcube_nb.server.services.ingest import batch_checks, file_readers, remote_sources, staging, uploads
from mlcube_nb.server.services.ingest.batch_checks import FILE_NAME, SchemaView
from mlcube_nb.server.services.ingest.table_checks import Conformed, conform, conform_series, invalid, rows_text
from mlcube_nb.server.settings import Settings
from mlcube_nb.server.storage import Storage

log = logging.getLogger("mlcube_nb.data")

KPI_TIME_NAMES = ("timestamp", "time_id", "time")
KPI_VALUE_NAMES = ("value", "kpi")
SUPERVISED_WITHOUT_TARGET = frozenset({TaskType.RAG, TaskType.CLUSTERING})


@dataclass
class Source:
    """One file of the request: where it is, its format, and what identifies its content."""

    label: str
    category: str  # storage category: input, input_embedding, input_images, ...
    model_id: str | None
    file_type: FileType
    folder_type: FolderType | None
    is_folder: bool
    fingerprint: str
    staged: str | None = None  # in the storage root: a staged upload, or a remote archive brought in; None once moved
    remote: tuple[Any, str] | None = None
    upload: UploadRow | None = None
    upload_id: str | None = None  # kept apart: the row is expired once the transaction rolls back


@dataclass
class Loaded:
    """A checked file ready to store: a table, or an image archive."""

    source: Source
    conformed: Conformed | None = None

    @property
    def ids(self) -> pa.ChunkedArray:
        assert self.conformed is not None
        return self.conformed.table.column(0)


@dataclass
class Ingest:
    """Everything one add_* request works with."""

    session: Session
    caller: Caller
    settings: Settings
    storage: Storage
    kind: str  # historical | production | target | kpi
    project_id: str
    task: TaskRow | None = None
    kpi: KpiRow | None = None
    schema: SchemaView | None = None
    data_batch_type: str | None = None
    sources: list[Source] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    scratch: list[str] = field(default_factory=list)  # local copies of staged files read from an object store

    @property
    def upload_ids(self) -> list[str]:
        return [s.upload_id for s in self.sources if s.upload_id is not None]


# --- entry points (called by the routes) ------------------------------------------------------------


def add_historical(ingest: Ingest, request: AddHistoricalDataRequest) -> str:
    """Historical data (training / validation / test) of a task; returns the job id."""
    _open_task(ingest, request.task_id)
    ingest.data_batch_type = request.data_batch_type.value
    parts = _parts(request.inputs, request.metadata, request.target, request.predictions)
    return _accept(ingest, parts, _check_historical)


def add_production(ingest: Ingest, request: AddProductionDataRequest) -> str:
    """A production batch, or predictions / targets / metadata for an existing one; returns the job id."""
    _open_task(ingest, request.task_id)
    ingest.data_batch_type = DataBatchType.PRODUCTION.value
    parts = _parts(request.inputs, request.metadata, request.target, request.predictions)
    if not parts:
        raise BadRequest(ErrorCode.INVALID_PARAMETERS, "add_production_data needs inputs, metadata, target or "
                                                       "predictions")
    return _accept(ingest, parts, _check_production)


def add_target(ingest: Ingest, request: AddTargetDataRequest) -> str:
    """Targets for samples already uploaded (historical or production); returns the job id."""
    _open_task(ingest, request.task_id)
    return _accept(ingest, [("target", None, request.data)], _check_targets)


def add_kpi(ingest: Ingest, request: AddKpiDataRequest) -> str:
    """Values of a business KPI over time (a ``timestamp`` and a ``value`` column); returns the job id."""
    kpi = kpis.get_or_raise(ingest.session, ingest.caller, request.kpi_id, ProjectPermission.WORK_ON_PROJECT)
    ingest.kpi, ingest.project_id = kpi, kpi.project_id
    return _accept(ingest, [("kpi", None, request.kpi)], _check_kpi)


def upload_ids_in(body: Any) -> list[str]:
    """Every ``storing_process_id`` an add_* body names (to forget them when the request is refused)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, LocalDataSourceInfo):
            found.append(value.storing_process_id)
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(body)
    return found


# --- shared flow -------------------------------------------------------------------------------------


Part = tuple[str, str | None, DataInfo]


def _parts(inputs: DataInfo | None, metadata: DataInfo | None, target: DataInfo | None,
           predictions: Sequence[tuple[str, DataInfo]] | None) -> list[Part]:
    parts: list[Part] = []
    for category, info in (("input", inputs), ("metadata", metadata), ("target", target)):
        if info is not None:
            parts.append((category, None, info))
    for model_id, info in predictions or []:
        parts.append(("prediction", model_id, info))
    return parts


def _open_task(ingest: Ingest, task_id: str) -> None:
    task = tasks.get_or_raise(ingest.session, ingest.caller, task_id, ProjectPermission.WORK_ON_PROJECT)
    row = ingest.session.get(DataSchemaRow, task.id)
    if row is None:
        raise NotFound(ErrorCode.SCHEMA_NOT_FOUND, f"Task {task.id} has no data schema yet: add one with "
                                                   "add_data_schema before uploading data")
    ingest.task, ingest.project_id = task, task.project_id
    ingest.schema = SchemaView(tuple(ColumnInfo.model_validate(c) for c in row.columns),
                               DataStructure(task.data_structure))


def _accept(ingest: Ingest, parts: list[Part], check: Any) -> str:
    """Resolve, dedupe, load, check, store, catalogue, enqueue (see the module docstring)."""
    for category, model_id, info in parts:
        _resolve(ingest, category, model_id, info)
    fingerprint = _fingerprint(ingest)
    duplicate = _find_duplicate(ingest, fingerprint)
    if duplicate is not None:
        log.info("batch %s sent again (same files): not stored twice", duplicate.id)
        _consume_uploads(ingest)
        return duplicate.job_id or ""
    try:
        loaded = [_load(ingest, source) for source in ingest.sources]
        _check_archives(ingest, loaded)
        touched = check(ingest, loaded)
        if ingest.kind == "production":
            _check_daily_quota(ingest)
        batch = _store(ingest, loaded, fingerprint)
        job = _enqueue(ingest, batch, touched or [])
    except BaseException:
        ingest.storage.delete(ingest.written)
        raise
    finally:  # remote archives brought into staging to be read, local copies made for reading
        staging.remove(ingest.storage, [s.staged for s in ingest.sources if s.upload is None])
        for path in ingest.scratch:
            if os.path.exists(path):
                os.unlink(path)
    _consume_uploads(ingest)
    return job.id


def _expected_category(category: str, role: str) -> str | None:
    """The ``data_category`` an upload of this argument and role announced (PLATFORM.md §3.3)."""
    if category == "kpi" or (category == "metadata" and role != "main"):
        return None
    return {"main": category, "mapping": f"{category}_mapping",
            "embedding": f"{category}_additional_embedding"}[role]


def _label(category: str, model_id: str | None, role: str) -> str:
    name = {"input": "inputs", "metadata": "metadata", "target": "target", "kpi": "KPI data",
            "prediction": f"predictions of model {model_id}"}[category]
    return name if role == "main" else f"{name} ({role} file)"


def _resolve(ingest: Ingest, category: str, model_id: str | None, info: DataInfo) -> None:
    """Turn one DataInfo into its sources (main, mapping, embedding), checking uploads belong here."""
    if model_id is not None:
        _check_model(ingest, model_id)
    roles: list[tuple[str, Any, str]] = []
    if isinstance(info, ImageDataInfo):
        roles += [("main", info.source, f"{category}_images"), ("mapping", info.mapping_source, category)]
    else:
        roles.append(("main", info.source, category))
    embedding = getattr(info, "embedding_source", None) if isinstance(info, (ImageDataInfo, TextDataInfo)) else None
    if embedding is not None:
        roles.append(("embedding", embedding, f"{category}_embedding"))
    for role, source_info, stored_category in roles:
        label = _label(category, model_id, role)
        if isinstance(source_info, LocalDataSourceInfo):
            ingest.sources.append(_local_source(ingest, source_info, category, model_id, role, stored_category, label))
        else:
            ingest.sources.append(_remote_source(ingest, source_info, model_id, stored_category, label))


def _check_model(ingest: Ingest, model_id: str) -> None:
    model = ingest.session.get(ModelRow, model_id)
    if model is None or ingest.task is None or model.task_id != ingest.task.id:
        raise NotFound(ErrorCode.MODEL_NOT_FOUND, f"Model {model_id} is not a model of this task: check the id "
                                                  "with get_models")


def _local_source(ingest: Ingest, info: LocalDataSourceInfo, category: str, model_id: str | None, role: str,
                  stored_category: str, label: str) -> Source:
    row = uploads.take(ingest.session, ingest.storage, info.storing_process_id,
                       task_id=ingest.task.id if ingest.task else None, kpi_id=ingest.kpi.id if ingest.kpi else None)
    expected = _expected_category(category, role)
    if row.data_category is not None and expected is not None and row.data_category != expected:
        raise BadRequest(ErrorCode.INVALID_PARAMETERS, f"{label}: the upload {row.id} was announced as "
                                                       f"{row.data_category} data, not {expected}")
    if category == "prediction" and row.model_id is not None and row.model_id != model_id:
        raise BadRequest(ErrorCode.INVALID_PARAMETERS, f"{label}: the upload {row.id} holds predictions of "
                                                       f"model {row.model_id}")
    return Source(label, stored_category, model_id, FileType(row.file_type),
                  FolderType(row.folder_type) if row.folder_type else None, row.is_folder,
                  f"sha256:{row.checksum}", staged=row.staged_path, upload=row, upload_id=row.id)


def _remote_source(ingest: Ingest, info: RemoteDataSourceInfo, model_id: str | None, stored_category: str,
                   label: str) -> Source:
    fs, path = remote_sources.open_filesystem(ingest.session, ingest.settings, ingest.project_id, info, label)
    return Source(label, stored_category, model_id, info.file_type, info.folder_type, info.is_folder,
                  remote_sources.fingerprint(fs, path, label), remote=(fs, path))


def _fingerprint(ingest: Ingest) -> str:
    entries = sorted(f"{s.category}|{s.model_id}|{s.fingerprint}" for s in ingest.sources)
    text = "\n".join([ingest.kind, ingest.data_batch_type or "", *entries])
    return hashlib.sha256(text.encode()).hexdigest()


def _find_duplicate(ingest: Ingest, fingerprint: str) -> BatchRow | None:
    if ingest.task is not None:
        owner = BatchRow.task_id == ingest.task.id
    else:
        assert ingest.kpi is not None
        owner = BatchRow.kpi_id == ingest.kpi.id
    return ingest.session.scalars(select(BatchRow).where(owner, BatchRow.fingerprint == fingerprint)
                                  .order_by(BatchRow.created_at).limit(1)).first()


def _consume_uploads(ingest: Ingest) -> None:
    """The request used its uploads: delete their slots and the staged files not moved into place.

    A table the server re-encoded (or a batch sent twice) leaves its staged file behind: it goes now,
    not at the hourly sweep.
    """
    used = [source for source in ingest.sources if source.upload is not None]
    staging.remove(ingest.storage, [source.staged for source in used])
    for source in used:
        ingest.session.delete(source.upload)


# --- loading ------------------------------------------------------------------------------------------


def _load(ingest: Ingest, source: Source) -> Loaded:
    if source.category.endswith("_images"):
        _bring_local(ingest, source)
        return Loaded(source)
    location = _location(ingest, source)
    if ingest.kind == "kpi":
        table = file_readers.read_table(location, source.file_type, source.label)
        return Loaded(source, _conform_kpi(ingest, table, source.label))
    assert ingest.schema is not None
    base = source.category.removesuffix("_embedding")
    mapping = ingest.schema.structure is DataStructure.IMAGE and base == "input" and not \
        source.category.endswith("_embedding") and _has_images(ingest, base)
    expected = batch_checks.expected_for(ingest.schema, base, source.model_id, source.label, mapping=mapping,
                                       embedding=source.category.endswith("_embedding"))
    table = file_readers.read_table(location, source.file_type, source.label,
                                  string_columns=[*ingest.schema.text_columns(), FILE_NAME])
    return Loaded(source, conform(table, expected))


def _location(ingest: Ingest, source: Source) -> file_readers.Location:
    """Where to read a source: a staged file as a local path (a temporary copy from an object store), or remote."""
    if source.staged is None:
        assert source.remote is not None
        return source.remote
    path, temporary = ingest.storage.fetch(source.staged)
    if temporary:
        ingest.scratch.append(path)
    return path


def _has_images(ingest: Ingest, category: str) -> bool:
    return any(s.category == f"{category}_images" for s in ingest.sources)


def _bring_local(ingest: Ingest, source: Source) -> None:
    """Image folders are stored as one archive: remote ones are copied into staging (a plain folder packed as tar)."""
    if source.staged is not None:
        if source.folder_type is FolderType.UNCOMPRESSED:
            raise invalid(f"{source.label}: upload a folder as a zip or tar archive")
        return
    assert source.remote is not None
    fs, path = source.remote
    target = source.staged = staging.scratch_rel()
    if source.folder_type is FolderType.UNCOMPRESSED or (source.is_folder and fs.isdir(path)):
        with ingest.storage.open_writer(target) as handle:
            file_readers.pack_remote_folder(fs, path, handle)
        source.folder_type = FolderType.TAR
    else:
        ingest.storage.copy_in(fs, path, target)


def _check_archives(ingest: Ingest, loaded: list[Loaded]) -> None:
    """Every image a mapping names must be in its archive."""
    for archive in (item for item in loaded if item.source.category.endswith("_images")):
        base = archive.source.category.removesuffix("_images")
        mapping = next((m for m in loaded if m.source.category == base and m.source.model_id ==
                        archive.source.model_id and m.conformed is not None), None)
        if mapping is None:
            raise invalid(f"{archive.source.label}: an image folder needs its mapping file")
        assert archive.source.staged is not None and mapping.conformed is not None
        members = file_readers.archive_members(ingest.storage.location(archive.source.staged),
                                               archive.source.folder_type, archive.source.label)
        names = mapping.conformed.table[FILE_NAME]
        missing = pc.invert(pc.is_in(pc.cast(names, pa.string()), value_set=pa.array(sorted(members), pa.string())))
        if pc.any(missing).as_py():
            raise invalid(f"{mapping.source.label}: column {FILE_NAME!r} names files that are not in the image "
                          f"folder at {rows_text(missing)} (e.g. {names.filter(missing)[0].as_py()!r})")
        _check_file_names(ingest, mapping)


def _check_file_names(ingest: Ingest, mapping: Loaded) -> None:
    """Image file names are unique across the task (PLATFORM.md §3.7)."""
    assert mapping.conformed is not None and ingest.task is not None
    names = pc.cast(mapping.conformed.table[FILE_NAME], pa.large_string())
    repeated = pa.array(names.to_pandas().duplicated().to_numpy())
    if pc.any(repeated).as_py():
        raise invalid(f"{mapping.source.label}: image file names must be unique; {rows_text(repeated)} repeat one")
    stored = []
    for row in stored_files(ingest.session, ingest.task.id, [mapping.source.category]):
        if FILE_NAME in (row.columns or []):
            stored.append(pc.cast(ingest.storage.read([row.path], [FILE_NAME])[FILE_NAME], pa.large_string()))
    if stored:
        batch_checks.refuse_known(mapping.source.label, names, pa.chunked_array(
            [c for s in stored for c in s.chunks], pa.large_string()), "used as image file names")


def _conform_kpi(ingest: Ingest, table: pa.Table, label: str) -> Conformed:
    """A KPI file: a float time column and one numeric value column, stored as ``timestamp``, ``value``."""
    assert ingest.kpi is not None
    names = table.column_names
    time_name = next((n for n in KPI_TIME_NAMES if n in names), None)
    values = [n for n in (*KPI_VALUE_NAMES, ingest.kpi.name) if n in names]
    if not values:
        numeric = [n for n in names if n != time_name and (pa.types.is_floating(table[n].type)
                                                            or pa.types.is_integer(table[n].type))]
        values = numeric if len(numeric) == 1 else []
    if time_name is None or not values:
        raise invalid(f"{label}: a KPI file needs a time column (one of {', '.join(KPI_TIME_NAMES)}, float seconds) "
                      f"and a value column ('value', or the KPI's name); the file has: {', '.join(names)}")
    return conform_series(table, label, time_name, values[0])


# --- reading what is stored -----------------------------------------------------------------------------


def stored_files(session: Session, task_id: str, categories: Sequence[str], *, kinds: Sequence[str] | None = None,
                 model_id: str | None = None, parquet_only: bool = True) -> list[BatchFileRow]:
    """Catalogued files of a task, oldest first: Parquet tables, or also image archives."""
    query = select(BatchFileRow).where(BatchFileRow.task_id == task_id, BatchFileRow.category.in_(categories))
    if parquet_only:
        query = query.where(BatchFileRow.file_format == "parquet")
    if kinds is not None:
        query = query.where(BatchFileRow.kind.in_(kinds))
    if model_id is not None:
        query = query.where(BatchFileRow.model_id == model_id)
    return list(session.scalars(query.order_by(BatchFileRow.created_at, BatchFileRow.id)))


def _stored_ids(ingest: Ingest, categories: Sequence[str], *, kinds: Sequence[str] | None = None,
                model_id: str | None = None, with_batch: bool = False) -> pa.Table:
    """The sample ids (and their batch) of stored files."""
    assert ingest.task is not None and ingest.schema is not None
    id_name = ingest.schema.id.name
    pieces = []
    for row in stored_files(ingest.session, ingest.task.id, categories, kinds=kinds, model_id=model_id):
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


def _stored_among(ingest: Ingest, ids: pa.ChunkedArray, categories: Sequence[str], *,
                  model_id: str | None = None) -> pa.ChunkedArray:
    """The stored ids (of files of these categories) that are among *ids*, read one file at a time.

    Memory stays at one file's ids plus the new batch's, however many batches the task holds (the
    whole task's ids, concatenated, cost gigabytes at millions of rows).
    """
    assert ingest.task is not None and ingest.schema is not None
    id_name = ingest.schema.id.name
    wanted = batch_checks.norm_ids(ids)
    value_set = pa.concat_arrays(wanted.chunks) if wanted.num_chunks != 1 else wanted.chunk(0)
    found = [pa.array([], wanted.type)]
    for row in stored_files(ingest.session, ingest.task.id, categories, model_id=model_id):
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


# --- the rules per kind ---------------------------------------------------------------------------------


def _task_type(ingest: Ingest) -> TaskType:
    assert ingest.task is not None
    return TaskType(ingest.task.type)


def _boundary(ingest: Ingest) -> float | None:
    assert ingest.task is not None
    return ingest.session.scalar(select(func.max(ReferenceRow.time_max)).where(ReferenceRow.task_id == ingest.task.id))


def _check_historical(ingest: Ingest, loaded: list[Loaded]) -> list[str]:
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
    batch_checks.refuse_known(base.source.label, base.ids, _stored_among(ingest, base.ids, refuse), "uploaded")
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


def _check_production(ingest: Ingest, loaded: list[Loaded]) -> list[str]:
    inputs = _main(loaded, "input")
    if inputs is not None:
        batch_checks.refuse_known(inputs.source.label, inputs.ids, _stored_among(ingest, inputs.ids, ["input"]),
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
    known = _stored_ids(ingest, ["input"], kinds=["production"], with_batch=True)
    touched: set[str] = set()
    for item in (i for i in loaded if i.conformed is not None):
        label, ids = item.source.label, item.ids
        batch_checks.require_known(label, ids, known["id"], "any production batch of this task")
        mask = pc.is_in(known["id"], value_set=pa.concat_arrays(batch_checks.norm_ids(ids).chunks)
                        if len(ids) else pa.array([], known["id"].type))
        batches = set(known["batch"].filter(mask).to_pylist())
        touched |= batches
        category = item.source.category
        if category == "prediction":
            batch_checks.refuse_known(label, ids, _stored_among(ingest, ids, ["prediction"],
                                                              model_id=item.source.model_id),
                                    "given predictions of this model")
            in_batches = known.filter(pc.is_in(known["batch"], value_set=pa.array(sorted(batches), pa.string())))
            batch_checks.require_same(label, ids, in_batches["id"], "production batches these samples belong to")
        elif category == "target":
            batch_checks.refuse_known(label, ids, _stored_among(ingest, ids, ["target"]), "labelled")
        else:
            batch_checks.refuse_known(label, ids, _stored_among(ingest, ids, [category]), "given " + category)
    return sorted(touched)


def _check_targets(ingest: Ingest, loaded: list[Loaded]) -> list[str]:
    target = _main(loaded, "target")
    assert target is not None
    known = _stored_ids(ingest, ["input"], with_batch=True)
    batch_checks.require_known(target.source.label, target.ids, known["id"], "the data uploaded to this task")
    batch_checks.refuse_known(target.source.label, target.ids, _stored_among(ingest, target.ids, ["target"]),
                            "labelled")
    mask = pc.is_in(known["id"], value_set=pa.concat_arrays(batch_checks.norm_ids(target.ids).chunks)
                    if len(target.ids) else pa.array([], known["id"].type))
    return sorted(set(known["batch"].filter(mask).to_pylist()))


def _check_kpi(ingest: Ingest, loaded: list[Loaded]) -> list[str]:
    return []


def _check_daily_quota(ingest: Ingest) -> None:
    limit = ingest.settings.daily_data_batch_upload
    company_id = ingest.caller.company_id
    if limit is None or company_id is None:
        return
    if production_batches_today(ingest.session, company_id) >= limit:
        raise Forbidden(ErrorCode.LIMIT_EXCEEDED, f"Your plan allows {limit} production batch uploads a day; try "
                                                  "again tomorrow or raise the limit")


def production_batches_today(session: Session, company_id: str) -> int:
    """Production batches a company uploaded since midnight UTC (the daily_data_batch_upload quota)."""
    midnight = datetime.combine(datetime.now(timezone.utc).date(), time(0), tzinfo=timezone.utc)
    query = (select(func.count()).select_from(BatchRow).join(ProjectRow, ProjectRow.id == BatchRow.project_id)
             .where(ProjectRow.company_id == company_id, BatchRow.kind == "production",
                    BatchRow.created_at >= midnight))
    return session.scalar(query) or 0


usage.register(NumericLicenceFeature.DAILY_DATA_BATCH_UPLOAD, production_batches_today)


# --- storing and enqueueing ------------------------------------------------------------------------------


def _folder(ingest: Ingest) -> str:
    if ingest.kpi is not None:
        return f"kpis/{ingest.kpi.id}"
    assert ingest.task is not None
    return f"tasks/{ingest.task.id}/{ingest.kind}"


def _store(ingest: Ingest, loaded: list[Loaded], fingerprint: str) -> BatchRow:
    batch = BatchRow(id=new_id(), project_id=ingest.project_id, task_id=ingest.task.id if ingest.task else None,
                     kpi_id=ingest.kpi.id if ingest.kpi else None, kind=ingest.kind,
                     data_batch_type=ingest.data_batch_type, fingerprint=fingerprint, n_rows=0)
    ingest.session.add(batch)
    ingest.session.flush()
    times: list[float] = []
    for item in loaded:
        ingest.session.add(_store_file(ingest, batch, item))
        if item.conformed is not None:
            times += [t for t in (item.conformed.time_min, item.conformed.time_max) if t is not None]
    main = next((i for i in loaded if i.conformed is not None and i.source.category in ("input", "kpi")), None) or \
        next((i for i in loaded if i.conformed is not None), None)
    batch.n_rows = main.conformed.table.num_rows if main and main.conformed else 0
    batch.time_min, batch.time_max = (min(times), max(times)) if times else (None, None)
    return batch


def _store_file(ingest: Ingest, batch: BatchRow, item: Loaded) -> BatchFileRow:
    source = item.source
    file_id = new_id()
    sub = source.category if source.model_id is None else f"{source.category}/{source.model_id}"
    if item.conformed is None:  # an image archive, stored as sent
        fmt = source.folder_type.value if source.folder_type in (FolderType.ZIP, FolderType.TAR) else "tar"
        rel = f"{_folder(ingest)}/{sub}/{file_id}.{fmt}"
        assert source.staged is not None
        ingest.storage.move(source.staged, rel)
        source.staged = None
        ingest.written.append(rel)
        return BatchFileRow(id=file_id, batch_id=batch.id, task_id=batch.task_id, kpi_id=batch.kpi_id,
                            kind=batch.kind, category=source.category, model_id=source.model_id, path=rel,
                            file_format=fmt, checksum=_checksum(source), columns=[])
    rel = f"{_folder(ingest)}/{sub}/{file_id}.parquet"
    conformed = item.conformed
    if not conformed.changed and source.file_type is FileType.PARQUET and source.upload is not None and source.staged:
        ingest.storage.move(source.staged, rel)  # already right: keep the bytes (a rename on a local disk)
        source.staged = None
    else:
        ingest.storage.write_table(rel, conformed.table)
    ingest.written.append(rel)
    return BatchFileRow(id=file_id, batch_id=batch.id, task_id=batch.task_id, kpi_id=batch.kpi_id, kind=batch.kind,
                        category=source.category, model_id=source.model_id, path=rel, file_format="parquet",
                        n_rows=conformed.table.num_rows, time_min=conformed.time_min, time_max=conformed.time_max,
                        checksum=_checksum(source), columns=conformed.table.column_names)


def _checksum(source: Source) -> str | None:
    return source.upload.checksum if source.upload is not None else None


def _context(ingest: Ingest, batch: BatchRow) -> dict[str, Any]:
    context: dict[str, Any] = {"batch_id": batch.id, "kind": batch.kind, "data_batch_type": batch.data_batch_type}
    if ingest.task is not None:
        context.update(task_context(ingest.session, ingest.task))
    if ingest.kpi is not None:
        context["kpi"] = {"id": ingest.kpi.id, "name": ingest.kpi.name, "project_id": ingest.kpi.project_id}
    return context


def task_context(session: Session, task: TaskRow) -> dict[str, Any]:
    """What pipelines and monitoring hooks know of a task: its facts, schema and models (JSON)."""
    schema = session.get(DataSchemaRow, task.id)
    model_rows = session.scalars(select(ModelRow).where(ModelRow.task_id == task.id)
                                 .order_by(ModelRow.created_at, ModelRow.id))
    return {
        "task": {"id": task.id, "project_id": task.project_id, "type": task.type, "data_structure": task.data_structure,
                 "optional_target": task.optional_target, "positive_class": task.positive_class,
                 "text_language": task.text_language, "options": dict(task.options or {})},
        "schema": list(schema.columns) if schema else [],
        "models": [{"id": m.id, "name": m.name, "version": m.version,
                    "with_probabilistic_output": m.with_probabilistic_output} for m in model_rows],
    }


def view_spec(ingest_schema: SchemaView | None, files: Sequence[BatchFileRow]) -> dict[str, Any]:
    """The DataView description (JSON) of some catalogued files."""
    id_name = ingest_schema.id.name if ingest_schema else "timestamp"
    time_name = ingest_schema.time.name if ingest_schema else "timestamp"
    return {"id_column": id_name, "time_column": time_name,
            "files": [{"category": f.category, "model_id": f.model_id, "path": f.path, "format": f.file_format,
                       "batch_id": f.batch_id} for f in files]}


def _enqueue(ingest: Ingest, batch: BatchRow, touched: list[str]) -> Any:
    ingest.session.flush()
    files = list(ingest.session.scalars(select(BatchFileRow).where(BatchFileRow.batch_id.in_([batch.id, *touched]))
                                        .order_by(BatchFileRow.created_at)))
    group = {"historical": "add_historical_data", "production": "add_production_data",
             "target": "add_target_data", "kpi": "add_kpi_data"}[ingest.kind]
    context = _context(ingest, batch)
    context["attached_batches"] = touched
    payload = {"batch_id": batch.id, "kind": ingest.kind, "view": view_spec(ingest.schema, files), "context": context}
    job = queue.enqueue(ingest.session, job_group=group, pipeline="ingest", project_id=ingest.project_id,
                        task_id=ingest.task.id if ingest.task else None, kpi_id=ingest.kpi.id if ingest.kpi else None,
                        payload=payload)
    batch.job_id = job.id
    return job
