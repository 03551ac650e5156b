"""Where a batch's files go in storage, their catalogue rows, and the ingest job that analyses them."""

from __future__ import annotations

from sqlalchemy import select

from mlcube_nb.enums import (
    FileType,
    FolderType,
)
from mlcube_nb.server.db.base import new_id
from mlcube_nb.server.db.tables import (
    BatchFileRow,
    BatchRow,
    JobRow,
)
from mlcube_nb.server.jobs import queue
from mlcube_nb.server.pipelines.payloads import IngestPayload, JobContext, KpiFacts
from mlcube_nb.server.services.ingest import staging
from mlcube_nb.server.services.ingest.catalogue import task_context, view_spec
from mlcube_nb.server.services.ingest.state import Ingest, Loaded, Source


def _folder(ingest: Ingest) -> str:
    if ingest.kpi is not None:
        return f"kpis/{ingest.kpi.id}"
    assert ingest.task is not None
    return f"tasks/{ingest.task.id}/{ingest.kind.value}"


def store(ingest: Ingest, loaded: list[Loaded], fingerprint: str) -> BatchRow:
    batch = BatchRow(id=new_id(), project_id=ingest.project_id, task_id=ingest.task.id if ingest.task else None,
                     kpi_id=ingest.kpi.id if ingest.kpi else None, kind=ingest.kind.value,
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
    conformed = item.conformed
    if not conformed.changed and source.file_type is FileType.PARQUET and source.upload is not None and \
            source.staged is not None and staging.stays_in_place(source.staged):
        rel = source.staged  # already right: the staged upload, in the task's folder, is the batch's file
        source.staged = None
    else:
        rel = f"{_folder(ingest)}/{sub}/{file_id}.parquet"
        ingest.storage.write_table(rel, conformed.table)
    ingest.written.append(rel)
    return BatchFileRow(id=file_id, batch_id=batch.id, task_id=batch.task_id, kpi_id=batch.kpi_id, kind=batch.kind,
                        category=source.category, model_id=source.model_id, path=rel, file_format="parquet",
                        n_rows=conformed.table.num_rows, time_min=conformed.time_min, time_max=conformed.time_max,
                        checksum=_checksum(source), columns=conformed.table.column_names,
                        id_range=item.span if ingest.task is not None else None)


def _checksum(source: Source) -> str | None:
    return source.upload.checksum if source.upload is not None else None


def _context(ingest: Ingest, batch: BatchRow) -> JobContext:
    """The ingest job's context: the task's (none for a KPI batch), the batch, the KPI."""
    context = task_context(ingest.session, ingest.task) if ingest.task is not None else JobContext()
    context["batch_id"], context["kind"], context["data_batch_type"] = batch.id, batch.kind, batch.data_batch_type
    if ingest.kpi is not None:
        context["kpi"] = KpiFacts(id=ingest.kpi.id, name=ingest.kpi.name, project_id=ingest.kpi.project_id)
    return context


def enqueue(ingest: Ingest, batch: BatchRow, touched: list[str]) -> JobRow:
    """Enqueue the batch's ingest job (it also re-analyses the *touched* earlier batches)."""
    ingest.session.flush()
    files = list(ingest.session.scalars(select(BatchFileRow).where(BatchFileRow.batch_id.in_([batch.id, *touched]))
                                        .order_by(BatchFileRow.created_at)))
    context = _context(ingest, batch)
    context["attached_batches"] = touched
    payload = IngestPayload(batch_id=batch.id, kind=ingest.kind.value, view=view_spec(ingest.schema, files),
                            context=context)
    job = queue.enqueue(ingest.session, job_group=ingest.kind.job_group, pipeline="ingest",
                        project_id=ingest.project_id, task_id=ingest.task.id if ingest.task else None,
                        kpi_id=ingest.kpi.id if ingest.kpi else None, payload=payload)
    batch.job_id = job.id
    return job
