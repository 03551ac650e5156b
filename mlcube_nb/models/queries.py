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
from mlcube_nb.models.common import FileNameStr, IdStr, ShortStr, WireModel


class GetPresignedUrlRequest(WireModel):
    """Query of ``GET /data/presigned-url``: describes one file about to be uploaded."""

    project_id: IdStr | None = None
    task_id: IdStr | None = None
    data_structure: DataStructure
    storing_data_type: StoringDataType
    file_name: FileNameStr
    file_type: FileType
    is_folder: bool
    folder_type: FolderType | None = None
    file_checksum: ShortStr
    data_category: DataCategory | None = None
    model_id: IdStr | None = None
    kpi_id: IdStr | None = None


class GetMonitoringStatusRequest(WireModel):
    """Query of ``GET /sdk-monitoring-status``; omitted metric/segment = plain target, whole population."""

    task_id: IdStr
    monitoring_target: MonitoringTarget
    monitoring_metric: MonitoringMetric | None = None
    specification: ShortStr | None = None
    segment_id: IdStr | None = None


class GetJobsRequest(WireModel):
    """Query of ``GET /job``; the given filters are AND-ed, none = every job the caller may see."""

    project_id: IdStr | None = None
    task_id: IdStr | None = None
    model_id: IdStr | None = None
    status: JobStatus | None = None
    job_id: IdStr | None = None
