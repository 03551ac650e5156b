"""add_historical_data, add_production_data, add_target_data, add_kpi_data (PLATFORM.md §2 rows 31–34, 39).

One request = one batch: its files are read (uploads or remote sources), checked against the task's
schema and the data rules *before* anything is kept, then written to storage, catalogued
(``data_batches``, ``batch_files``) and an ingest job is enqueued — all in the request's own transaction
(:func:`add`). A refused request leaves no file, no row and no job, and the uploads it named are
forgotten (slots and staged files). The same files sent again for the same task (same checksums) are
not stored twice: the first batch's job id is returned.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mlcube_nb.enums import (
    DataBatchType,
    DataStructure,
    ErrorCode,
    FileType,
    FolderType,
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
from mlcube_nb.server.db.engine import transaction
from mlcube_nb.server.db.tables import (
    BatchRow,
    DataSchemaRow,
    ModelRow,
)
from mlcube_nb.server.errors import BadRequest, DomainError, NotFound
from mlcube_nb.server.pipelines.payloads import BatchKind
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import kpis, tasks
from mlcube_nb.server.services.ingest import remote_sources, staging, uploads
from mlcube_nb.server.services.ingest.batch_checks import SchemaView
from mlcube_nb.server.services.ingest.kind_checks import (
    check_historical,
    check_kpi,
    check_production,
    check_targets,
)
from mlcube_nb.server.services.ingest.layout import enqueue, store
from mlcube_nb.server.services.ingest.loading import check_archives, load
from mlcube_nb.server.services.ingest.quota import check_daily_quota
from mlcube_nb.server.services.ingest.state import Ingest, Part, Source
from mlcube_nb.server.settings import Settings
from mlcube_nb.server.storage import Storage

log = logging.getLogger("mlcube_nb.data")


AddRequest = AddHistoricalDataRequest | AddProductionDataRequest | AddTargetDataRequest | AddKpiDataRequest


def add(factory: sessionmaker[Session], *, caller: Caller, settings: Settings, storage: Storage, kind: BatchKind,
        body: AddRequest) -> str:
    """Run one add_* request in a transaction of its own; returns the ingest job's id.

    When the batch is refused, the transaction rolls back and *then* the uploads it named are forgotten
    (their slots and staged files): the user uploads again after fixing the data, and nothing refused
    stays in storage until the hourly sweep.
    """
    try:
        with transaction(factory) as session:
            ingest = Ingest(session=session, caller=caller, settings=settings, storage=storage, kind=kind,
                            project_id="")
            return _ADD[kind](ingest, body)
    except DomainError:
        uploads.forget(factory, storage, upload_ids_in(body), user_id=caller.user_id)
        raise


def add_historical(ingest: Ingest, request: AddHistoricalDataRequest) -> str:
    """Historical data (training / validation / test) of a task; returns the job id."""
    _open_task(ingest, request.task_id)
    ingest.data_batch_type = request.data_batch_type.value
    parts = _parts(request.inputs, request.metadata, request.target, request.predictions)
    return _accept(ingest, parts, check_historical)


def add_production(ingest: Ingest, request: AddProductionDataRequest) -> str:
    """A production batch, or predictions / targets / metadata for an existing one; returns the job id."""
    _open_task(ingest, request.task_id)
    ingest.data_batch_type = DataBatchType.PRODUCTION.value
    parts = _parts(request.inputs, request.metadata, request.target, request.predictions)
    if not parts:
        raise BadRequest(ErrorCode.INVALID_PARAMETERS, "add_production_data needs inputs, metadata, target or "
                                                       "predictions")
    return _accept(ingest, parts, check_production)


def add_target(ingest: Ingest, request: AddTargetDataRequest) -> str:
    """Targets for samples already uploaded (historical or production); returns the job id."""
    _open_task(ingest, request.task_id)
    return _accept(ingest, [("target", None, request.data)], check_targets)


def add_kpi(ingest: Ingest, request: AddKpiDataRequest) -> str:
    """Values of a business KPI over time (a ``timestamp`` and a ``value`` column); returns the job id."""
    kpi = kpis.get_or_raise(ingest.session, ingest.caller, request.kpi_id, ProjectPermission.WORK_ON_PROJECT)
    ingest.kpi, ingest.project_id = kpi, kpi.project_id
    return _accept(ingest, [("kpi", None, request.kpi)], check_kpi)


_ADD: dict[BatchKind, Callable[[Ingest, Any], str]] = {
    BatchKind.HISTORICAL: add_historical, BatchKind.PRODUCTION: add_production,
    BatchKind.TARGET: add_target, BatchKind.KPI: add_kpi,
}


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
        loaded = [load(ingest, source) for source in ingest.sources]
        check_archives(ingest, loaded)
        touched = check(ingest, loaded)
        if ingest.kind is BatchKind.PRODUCTION:
            check_daily_quota(ingest)
        batch = store(ingest, loaded, fingerprint)
        job = enqueue(ingest, batch, touched or [])
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
    text = "\n".join([ingest.kind.value, ingest.data_batch_type or "", *entries])
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
