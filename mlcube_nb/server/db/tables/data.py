"""Tables of the data plane: upload slots, stored data batches and their files, model references.

The Parquet files themselves live in the storage (``server/storage.py``); these rows are the
catalogue. A file is visible to readers only through its ``batch_files`` row, so a file written by a
request that then failed (or a crash between write and commit) is never read and is swept later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mlcube_nb.server.db.base import Base, JSONType, UTCDateTime, new_id, utcnow


class UploadRow(Base):
    """An upload slot (``storing_process_id``): single use, expiring, bound to one task or KPI and one file.

    Only the SHA-256 of the slot's secret token is kept; the token travels once, in the presigned form fields.
    """

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), nullable=True)
    kpi_id: Mapped[str | None] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"), nullable=True)
    model_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    storing_data_type: Mapped[str] = mapped_column(String(32))
    data_category: Mapped[str | None] = mapped_column(String(64), nullable=True)
    data_structure: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(1024))
    file_type: Mapped[str] = mapped_column(String(16))
    is_folder: Mapped[bool] = mapped_column(Boolean, default=False)
    folder_type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    checksum: Mapped[str] = mapped_column(String(64))
    # open -> receiving -> uploaded; the row is deleted when an add_* request uses (or rejects) it.
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    staged_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BatchRow(Base):
    """One accepted add_* request: a historical, production, target or KPI batch of a task (or KPI)."""

    __tablename__ = "data_batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), nullable=True,
                                                index=True)
    kpi_id: Mapped[str | None] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"), nullable=True,
                                               index=True)
    kind: Mapped[str] = mapped_column(String(16))  # historical | production | target | kpi
    data_batch_type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # SHA-256 over the kind and the (category, model, file checksum) of every file: the duplicate check.
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    job_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    n_rows: Mapped[int] = mapped_column(Integer, default=0)
    time_min: Mapped[float | None] = mapped_column(Float, nullable=True)
    time_max: Mapped[float | None] = mapped_column(Float, nullable=True)
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    ingested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class BatchFileRow(Base):
    """One stored file of a batch: a Parquet table of one category (or an image archive)."""

    __tablename__ = "batch_files"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    batch_id: Mapped[str] = mapped_column(ForeignKey("data_batches.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    kpi_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # input | metadata | target | prediction | <category>_embedding | <category>_images | kpi
    category: Mapped[str] = mapped_column(String(64))
    model_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    path: Mapped[str] = mapped_column(Text)  # relative to the storage root
    file_format: Mapped[str] = mapped_column(String(16), default="parquet")  # parquet | zip | tar
    n_rows: Mapped[int] = mapped_column(Integer, default=0)
    time_min: Mapped[float | None] = mapped_column(Float, nullable=True)
    time_max: Mapped[float | None] = mapped_column(Float, nullable=True)
    checksum: Mapped[str | None] = mapped_column(String(64), nullable=True)
    columns: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # [smallest, largest] sample id of a table (int or str, as the ids compare): the duplicate-id check skips
    # files whose range misses a new batch's. None: no ids (archives), or written before migration 0009.
    id_range: Mapped[list[Any] | None] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReferenceRow(Base):
    """A model's reference: the time intervals it was set from and what they held."""

    __tablename__ = "model_references"

    model_id: Mapped[str] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    intervals: Mapped[list[list[float]]] = mapped_column(JSONType, default=list)
    segment_references: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    n_rows: Mapped[int] = mapped_column(Integer, default=0)
    time_min: Mapped[float | None] = mapped_column(Float, nullable=True)
    time_max: Mapped[float | None] = mapped_column(Float, nullable=True)
    job_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
