"""Query-string parameters of the GET calls that take several (PLATFORM.md §2 rows 48–49, §3.2).

The client dumps them with ``exclude_none=True``; the server reads them back with the same model.
"""

from __future__ import annotations

from mlcube_nb.enums import (
    DataCategory,
    DataStructure,
    FileType,
    FolderType,
    JobStatus,
    MonitoringMetric,
    MonitoringTarget,
    StoringDataType,
)
from mlcube_nb.models.common import WireModel


class GetPresignedUrlRequest(WireModel):
    """Query of ``GET /data/presigned-url``: describes one file about to be uploaded."""

    project_id: str | None = None
    task_id: str | None = None
    data_structure: DataStructure
    storing_data_type: StoringDataType
    file_name: str
    file_type: FileType
    is_folder: bool
    folder_type: FolderType | None = None
    file_checksum: str
    data_category: DataCategory | None = None
    model_id: str | None = None
    kpi_id: str | None = None


class GetMonitoringStatusRequest(WireModel):
    """Query of ``GET /sdk-monitoring-status``; omitted metric/segment = plain target, whole population."""

    task_id: str
    monitoring_target: MonitoringTarget
    monitoring_metric: MonitoringMetric | None = None
    specification: str | None = None
    segment_id: str | None = None


class GetJobsRequest(WireModel):
    """Query of ``GET /job``; the given filters are AND-ed, none = every job the caller may see."""

    project_id: str | None = None
    task_id: str | None = None
    model_id: str | None = None
    status: JobStatus | None = None
    job_id: str | None = None
