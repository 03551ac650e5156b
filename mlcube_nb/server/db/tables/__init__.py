"""All tables, one module per area; importing this package registers them on ``Base.metadata``."""

from mlcube_nb.server.db.tables.accounts import ApiKeyRow, CompanyRow, ProjectRoleRow, ProjectRow, UserRow
from mlcube_nb.server.db.tables.arthur import ArthurModelRow, ArthurProjectRow, ArthurServiceAccountRow
from mlcube_nb.server.db.tables.data import BatchFileRow, BatchRow, ReferenceRow, UploadRow
from mlcube_nb.server.db.tables.estimation import PerformanceEstimateRow, PerformanceEstimatorRow
from mlcube_nb.server.db.tables.integrations import CredentialsRow, DetectionEventRuleRow
from mlcube_nb.server.db.tables.jobs import JobQueueRow, JobRow
from mlcube_nb.server.db.tables.monitoring import (
    BatchStatisticRow,
    DeliveryAttemptRow,
    DeliveryRow,
    DetectionEventRow,
    KpiStateRow,
    QuantityStatusRow,
    ReferenceStateRow,
)
from mlcube_nb.server.db.tables.reports import ReportRow, SuggestionRow
from mlcube_nb.server.db.tables.tasks import DataSchemaRow, KpiRow, ModelRow, TaskRow

__all__ = [
    "ApiKeyRow",
    "ArthurModelRow",
    "ArthurProjectRow",
    "ArthurServiceAccountRow",
    "BatchFileRow",
    "BatchRow",
    "BatchStatisticRow",
    "CompanyRow",
    "CredentialsRow",
    "DataSchemaRow",
    "DeliveryAttemptRow",
    "DeliveryRow",
    "DetectionEventRow",
    "DetectionEventRuleRow",
    "JobQueueRow",
    "JobRow",
    "KpiRow",
    "KpiStateRow",
    "ModelRow",
    "PerformanceEstimateRow",
    "PerformanceEstimatorRow",
    "ProjectRoleRow",
    "ProjectRow",
    "QuantityStatusRow",
    "ReferenceRow",
    "ReferenceStateRow",
    "ReportRow",
    "SuggestionRow",
    "TaskRow",
    "UploadRow",
    "UserRow",
]
