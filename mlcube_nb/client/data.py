"""Data methods (PLATFORM.md §2 rows 31–34, 39; §3): add data to a task or KPI, set a model's reference.

Each local source (a file, a folder packed as tar, or a pandas DataFrame written as Parquet) goes
through the upload flow: checksum → upload slot → multipart POST; remote sources (S3, GCS, Azure)
are named in the request and read by the platform with the project's credentials. The methods
return the id of the job that ingests the data; :meth:`wait_job_completion` waits for it.
"""

from __future__ import annotations

from typing import Any

from mlcube_nb.client import _uploads
from mlcube_nb.client._base import ClientCore, segment
from mlcube_nb.enums import DataBatchType, DataCategory, DataStructure, ErrorCode, StoringDataType
from mlcube_nb.exceptions import (
    AddHistoricalDataException,
    AddKPIDataException,
    AddModelReferenceException,
    AddProductionDataException,
    AddTargetDataException,
    SDKClientException,
)
from mlcube_nb.models import (
    AddHistoricalDataRequest,
    AddKpiDataRequest,
    AddProductionDataRequest,
    AddTargetDataRequest,
    Data,
    DataFrameDataSource,
    DataSource,
    EmbeddingDataInfo,
    GetPresignedUrlRequest,
    ImageData,
    ImageDataInfo,
    LocalDataSource,
    LocalDataSourceInfo,
    PresignedUrlResponse,
    ReferenceInfo,
    RemoteDataSource,
    SetModelReferenceRequest,
    TabularData,
    TabularDataInfo,
    TextData,
    TextDataInfo,
)

__all__ = ["DataMethods"]

_INFO = {DataStructure.TABULAR: TabularDataInfo, DataStructure.EMBEDDING: EmbeddingDataInfo,
         DataStructure.TEXT: TextDataInfo, DataStructure.IMAGE: ImageDataInfo}


class _Target:
    """Where one add_* call's files go: the task (or KPI) and the kind of storage."""

    def __init__(self, storing: StoringDataType, exc: type[SDKClientException], *, task_id: str | None = None,
                 project_id: str | None = None, kpi_id: str | None = None) -> None:
        self.storing, self.exc = storing, exc
        self.task_id, self.project_id, self.kpi_id = task_id, project_id, kpi_id


class DataMethods(ClientCore):
    """Uploads of historical, production, target and KPI data, and model references."""

    # --- the upload flow ----------------------------------------------------------------------------

    def _upload_source(self, source: DataSource, structure: DataStructure, category: DataCategory | None,
                       where: _Target, model_id: str | None) -> Any:
        """One source → its SourceInfo: remote sources as they are, local ones uploaded (§3.1 steps 1–4)."""
        if isinstance(source, RemoteDataSource):
            return source.to_source_info()
        if not isinstance(source, (LocalDataSource, DataFrameDataSource)):
            raise where.exc(ErrorCode.INVALID_PARAMETERS, f"{type(source).__name__} cannot be uploaded")
        with _uploads.local_file(source) as file:
            query = GetPresignedUrlRequest(
                project_id=where.project_id, task_id=where.task_id, data_structure=structure,
                storing_data_type=where.storing, file_name=file.file_name, file_type=file.file_type,
                is_folder=file.is_folder, folder_type=file.folder_type, file_checksum=file.sha256(),
                data_category=category, model_id=model_id, kpi_id=where.kpi_id)
            answer = self._call("GET", "/data/presigned-url", params=query.model_dump(exclude_none=True),
                                exc=where.exc)
            slot = self._parse(PresignedUrlResponse, answer, where.exc)
            _uploads.upload(self._transport.session, slot.presigned_url.url, slot.presigned_url.fields, file,
                            connect_timeout=self._transport.timeout, verify=self._transport.verify_ssl)
        return LocalDataSourceInfo(storing_process_id=slot.storing_process_id)

    def _data_info(self, data: Data, argument: str, where: _Target, model_id: str | None = None) -> Any:
        """Upload every local source of a Data object (main, mapping, embedding) and describe it for the body."""
        if not isinstance(data, Data):
            raise where.exc(ErrorCode.INVALID_PARAMETERS, f"{argument} must be TabularData, EmbeddingData, TextData "
                                                          f"or ImageData, not {type(data).__name__}")
        kpi = where.storing is StoringDataType.KPI
        main_category = None if kpi else DataCategory(argument)
        fields: dict[str, Any] = {
            "source": self._upload_source(data.source, data.data_structure, main_category, where, model_id)}
        extra = None if argument == "metadata" or kpi else argument
        if isinstance(data, ImageData):
            category = DataCategory(f"{extra}_mapping") if extra else None
            fields["mapping_source"] = self._upload_source(data.mapping_source, DataStructure.TABULAR, category,
                                                           where, model_id)
        if isinstance(data, (ImageData, TextData)) and data.embedding_source is not None:
            category = DataCategory(f"{extra}_additional_embedding") if extra else None
            fields["embedding_source"] = self._upload_source(data.embedding_source, DataStructure.EMBEDDING,
                                                             category, where, model_id)
        return _INFO[data.data_structure](**fields)

    def _check_models(self, task_id: str, predictions: list[tuple[str, Data]], exc: type[SDKClientException]) -> None:
        """Fail before uploading predictions of a model the task does not have (as v1 does)."""
        known = {m["model_id"] for m in self._call("GET", f"/models/{segment(task_id)}", exc=exc)}
        code = "ADD_PRODUCTION_DATA_MODEL_ERROR" if exc is AddProductionDataException else ErrorCode.MODEL_NOT_FOUND
        for model_id, _ in predictions:
            if model_id not in known:
                raise exc(code, f"Model {model_id} is not a model of task {task_id}: check the ids with get_models")

    def _parts(self, where: _Target, inputs: Data | None, metadata: Data | None, target: Data | None,
               predictions: list[tuple[str, Data]] | None, prediction_storing: StoringDataType) -> dict[str, Any]:
        """Upload inputs → metadata → target → predictions (PLATFORM.md §3.1 order) and return the body parts.

        Unlike v1, the model ids of the predictions are checked before anything is uploaded.
        """
        if predictions:
            assert where.task_id is not None
            self._check_models(where.task_id, predictions, where.exc)
        parts: dict[str, Any] = {}
        for argument, data in (("input", inputs), ("metadata", metadata), ("target", target)):
            key = "inputs" if argument == "input" else argument
            parts[key] = None if data is None else self._data_info(data, argument, where)
        parts["predictions"] = None
        if predictions:
            prediction_where = _Target(prediction_storing, where.exc, task_id=where.task_id)
            parts["predictions"] = [(model_id, self._data_info(data, "prediction", prediction_where, model_id))
                                    for model_id, data in predictions]
        return parts

    # --- the methods --------------------------------------------------------------------------------

    def add_historical_data(
        self,
        task_id: str,
        inputs: Data,
        target: Data | None = None,
        predictions: list[tuple[str, Data]] | None = None,
        metadata: Data | None = None,
        data_batch_type: DataBatchType = DataBatchType.TRAINING,
    ) -> str:
        """Add a batch of historical data (training by default) to a task; returns the ingest job's id."""
        exc = AddHistoricalDataException
        if inputs is None:
            raise exc(ErrorCode.INVALID_PARAMETERS, "add_historical_data needs inputs")
        where = _Target(StoringDataType.HISTORICAL, exc, task_id=task_id)
        # v1 quirk kept: predictions of historical data are announced as production storage.
        parts = self._parts(where, inputs, metadata, target, predictions, StoringDataType.PRODUCTION)
        body = self._build(AddHistoricalDataRequest, exc, task_id=task_id, data_batch_type=data_batch_type, **parts)
        return self._call("POST", "/data/historical", json=body, exc=exc)

    def add_target_data(self, task_id: str, target: Data) -> str:
        """Add targets (labels) for samples already uploaded to a task; returns the ingest job's id."""
        exc = AddTargetDataException
        where = _Target(StoringDataType.TASK_TARGET, exc, task_id=task_id)
        body = self._build(AddTargetDataRequest, exc, task_id=task_id, data=self._data_info(target, "target", where))
        return self._call("POST", "/data/target", json=body, exc=exc)

    def set_model_reference(self, model_id: str, from_timestamp: float, to_timestamp: float) -> str:
        """Use the task's data between two timestamps as the model's reference; returns the job id."""
        exc = AddModelReferenceException
        reference = self._build(ReferenceInfo, exc, time_intervals=[(from_timestamp, to_timestamp)])
        body = self._build(SetModelReferenceRequest, exc, model_id=model_id, default_reference=reference,
                           segment_references=None)
        return self._call("POST", "/model/reference", json=body, exc=exc)

    def add_production_data(
        self,
        task_id: str,
        inputs: Data | None = None,
        target: Data | None = None,
        predictions: list[tuple[str, Data]] | None = None,
        metadata: Data | None = None,
    ) -> str:
        """Add a production batch (or its predictions / targets later) to a task; returns the ingest job's id."""
        exc = AddProductionDataException
        if inputs is None and target is None and predictions is None and metadata is None:
            raise exc("ADD_PRODUCTION_DATA_NO_DATA_ERROR", "Give at least one of inputs, target, predictions or "
                                                           "metadata")
        where = _Target(StoringDataType.PRODUCTION, exc, task_id=task_id)
        parts = self._parts(where, inputs, metadata, target, predictions, StoringDataType.PRODUCTION)
        body = self._build(AddProductionDataRequest, exc, task_id=task_id, **parts)
        return self._call("POST", "/data/production", json=body, exc=exc)

    def add_kpi_data(self, project_id: str, kpi_id: str, kpi: TabularData) -> str:
        """Add values of a KPI (a ``timestamp`` and a ``value`` column); returns the ingest job's id."""
        exc = AddKPIDataException
        where = _Target(StoringDataType.KPI, exc, project_id=project_id, kpi_id=kpi_id)
        body = self._build(AddKpiDataRequest, exc, kpi_id=kpi_id, kpi=self._data_info(kpi, "kpi", where))
        return self._call("POST", "/data/kpi", json=body, exc=exc)
