"""Client-side data descriptions passed to add_* methods (PLATFORM.md §3.6); never sent as such.

Local sources are uploaded and become ``LocalDataSourceInfo``; remote sources become
``RemoteDataSourceInfo`` through ``RemoteDataSource.to_source_info()``. ``DataFrameDataSource`` (ours)
uploads an in-memory pandas DataFrame as Parquet, so a notebook needs no file.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from pydantic import ConfigDict, Field, SerializeAsAny, model_validator

from mlcube_nb.enums import DataStructure, FileType, FolderType, RawDataSourceType, StoragePolicy
from mlcube_nb.models.common import WireModel
from mlcube_nb.models.data import RemoteDataSourceInfo


class DataSource(WireModel):
    """Where a file is; ``folder_type`` must be given exactly when ``is_folder`` is true."""

    file_type: FileType
    is_folder: bool
    folder_type: FolderType | None = None

    @model_validator(mode="after")
    def _check_folder_type(self) -> DataSource:
        """Keep ``is_folder`` and ``folder_type`` consistent."""
        if self.is_folder and self.folder_type is None:
            raise ValueError("folder_type is required when is_folder is true")
        if not self.is_folder and self.folder_type is not None:
            raise ValueError("folder_type must be None when is_folder is false")
        return self


class LocalDataSource(DataSource):
    """A file on the local disk, uploaded to the platform (a folder must be one tar/zip archive)."""

    file_path: str


class DataFrameDataSource(DataSource):
    """A pandas DataFrame in memory, uploaded as a Parquet file the client writes (ours, not v1's).

    The DataFrame is used as given (its index is not uploaded); ``file_name`` names the upload.
    ``file_type`` is always parquet. Example::

        TabularData(source=DataFrameDataSource(dataframe=df))
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    dataframe: Any = Field(exclude=True, repr=False)
    file_type: FileType = FileType.PARQUET
    is_folder: bool = False
    file_name: str = "dataframe.parquet"

    @model_validator(mode="after")
    def _check_dataframe(self) -> DataFrameDataSource:
        """Accept only table-like objects, as Parquet."""
        if not (hasattr(self.dataframe, "columns") and hasattr(self.dataframe, "to_parquet")):
            raise ValueError("dataframe must be a pandas DataFrame")
        if self.file_type is not FileType.PARQUET or self.is_folder:
            raise ValueError("a DataFrame is uploaded as one parquet file: leave file_type and is_folder alone")
        return self


class RemoteDataSource(DataSource, ABC):
    """A file in the customer's storage (None credentials / policy = the project defaults)."""

    credentials_id: str | None = None
    storage_policy: StoragePolicy | None = None

    @abstractmethod
    def get_path(self) -> str:
        """Return the object path or URL of the file in its storage."""

    @abstractmethod
    def get_source_type(self) -> RawDataSourceType:
        """Return the storage kind, as sent in ``data_source_type``."""

    def to_source_info(self) -> RemoteDataSourceInfo:
        """Build the wire description the platform reads this file from."""
        return RemoteDataSourceInfo(
            file_type=self.file_type,
            data_source_type=self.get_source_type(),
            remote_path=self.get_path(),
            is_folder=self.is_folder,
            folder_type=self.folder_type,
            credentials_id=self.credentials_id,
            storage_policy=self.storage_policy,
        )


class S3DataSource(RemoteDataSource):
    """A file in an S3 bucket, ``s3://bucket/key``."""

    object_path: str

    def get_path(self) -> str:
        """Return the ``s3://`` path."""
        return self.object_path

    def get_source_type(self) -> RawDataSourceType:
        """Return ``aws_s3``."""
        return RawDataSourceType.AWS_S3


class GCSDataSource(RemoteDataSource):
    """A file in a Google Cloud Storage bucket, ``gs://bucket/key``."""

    object_path: str

    def get_path(self) -> str:
        """Return the ``gs://`` path."""
        return self.object_path

    def get_source_type(self) -> RawDataSourceType:
        """Return ``gcs``."""
        return RawDataSourceType.GCS


class AzureBlobDataSource(RemoteDataSource):
    """A blob in Azure Storage, by its https URL."""

    object_path: str

    def get_path(self) -> str:
        """Return the blob URL."""
        return self.object_path

    def get_source_type(self) -> RawDataSourceType:
        """Return ``azure_blob_storage``."""
        return RawDataSourceType.ABS


class Data(WireModel):
    """A piece of data to add: its structure and main source."""

    data_structure: DataStructure
    source: SerializeAsAny[DataSource]


class TabularData(Data):
    """A table stored as csv, parquet or json."""

    data_structure: DataStructure = DataStructure.TABULAR


class EmbeddingData(Data):
    """A table whose only input is an ``array_1`` embedding."""

    data_structure: DataStructure = DataStructure.EMBEDDING


class ImageData(Data):
    """Image files plus the mapping file (sample id, time id, ``file_name``) and optional embeddings."""

    data_structure: DataStructure = DataStructure.IMAGE
    mapping_source: SerializeAsAny[DataSource]
    embedding_source: SerializeAsAny[DataSource] | None = None


class TextData(Data):
    """Text data, with an optional file of precomputed embeddings."""

    data_structure: DataStructure = DataStructure.TEXT
    embedding_source: SerializeAsAny[DataSource] | None = None
