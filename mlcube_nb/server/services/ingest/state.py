"""What one add_* request works with: its sources (files), the checked tables, and the request's state."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pyarrow as pa
from sqlalchemy.orm import Session

from mlcube_nb.enums import (
    FileType,
    FolderType,
)
from mlcube_nb.models import (
    DataInfo,
)
from mlcube_nb.server.db.tables import (
    KpiRow,
    TaskRow,
    UploadRow,
)
from mlcube_nb.server.pipelines.payloads import BatchKind
from mlcube_nb.server.rbac import Caller
from mlcube_nb.server.services.ingest import batch_checks
from mlcube_nb.server.services.ingest.batch_checks import SchemaView
from mlcube_nb.server.services.ingest.table_checks import Conformed
from mlcube_nb.server.settings import Settings
from mlcube_nb.server.storage import Storage


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

    @cached_property
    def span(self) -> list[Any] | None:
        """``[smallest, largest]`` of its ids, computed once: the checks prune stored files with it and its
        catalogue row records it."""
        return batch_checks.id_range(self.ids)


@dataclass
class Ingest:
    """Everything one add_* request works with."""

    session: Session
    caller: Caller
    settings: Settings
    storage: Storage
    kind: BatchKind
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


Part = tuple[str, str | None, DataInfo]
