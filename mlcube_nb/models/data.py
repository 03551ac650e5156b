"""What add_* bodies carry about uploaded data, and the upload slot (PLATFORM.md §3.4–3.5).

A source info is local (``storing_process_id`` from an upload slot) or remote (``data_source_type``);
a DataInfo wraps one by data structure, and ``DataInfoUnion`` picks the shape by ``data_structure``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from mlcube_nb.enums import DataStructure, FileType, FolderType, RawDataSourceType, StoragePolicy
from mlcube_nb.models.common import IdStr, Timestamp, UrlStr, WireModel


class LocalDataSourceInfo(WireModel):
    """A file uploaded beforehand through an upload slot."""

    storing_process_id: IdStr


class RemoteDataSourceInfo(WireModel):
    """A file in the customer's storage (``credentials_id`` null = project default credentials)."""

    file_type: FileType
    data_source_type: RawDataSourceType
    remote_path: UrlStr
    is_folder: bool
    folder_type: FolderType | None = None
    credentials_id: IdStr | None = None
    storage_policy: StoragePolicy | None = None


SourceInfo = LocalDataSourceInfo | RemoteDataSourceInfo
"""Either source info; told apart by their required keys."""


class DataInfo(WireModel):
    """Base of the per-structure data descriptions sent in add_* bodies."""

    data_structure: DataStructure
    source: SourceInfo


class TabularDataInfo(DataInfo):
    """A table (csv, parquet, json)."""

    data_structure: Literal[DataStructure.TABULAR] = DataStructure.TABULAR


class EmbeddingDataInfo(DataInfo):
    """A table with a single ``array_1`` input."""

    data_structure: Literal[DataStructure.EMBEDDING] = DataStructure.EMBEDDING


class TextDataInfo(DataInfo):
    """Text data, with an optional file of precomputed embeddings."""

    data_structure: Literal[DataStructure.TEXT] = DataStructure.TEXT
    embedding_source: SourceInfo | None = None


class ImageDataInfo(DataInfo):
    """Images plus the mapping file (sample id, time id, file name) and optional embeddings."""

    data_structure: Literal[DataStructure.IMAGE] = DataStructure.IMAGE
    mapping_source: SourceInfo
    embedding_source: SourceInfo | None = None


DataInfoUnion = Annotated[
    TabularDataInfo | EmbeddingDataInfo | TextDataInfo | ImageDataInfo,
    Field(discriminator="data_structure"),
]
"""Any DataInfo shape, picked by ``data_structure``."""


class ReferenceInfo(WireModel):
    """Time intervals (OR-ed) defining a model reference; ``segment_id`` null = whole population."""

    time_intervals: Annotated[list[tuple[Timestamp, Timestamp]], Field(max_length=1000)]
    segment_id: IdStr | None = None


class PresignedUrl(WireModel):
    """Where to POST an upload and the form fields to echo back."""

    url: str
    fields: dict[str, str]


class PresignedUrlResponse(WireModel):
    """An upload slot: the handle later bodies refer to, the upload target and its expiry."""

    storing_process_id: str
    presigned_url: PresignedUrl
    expiration_time: str
