"""Read a model's label-free performance estimates for the API (tenancy checked on the model)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import ErrorCode, MonitoringEvaluationMetric, MonitoringStatus
from mlcube_nb.models import EstimatedPerformance
from mlcube_nb.server.db.tables import PerformanceEstimateRow, PerformanceEstimatorRow
from mlcube_nb.server.errors import Conflict
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import models as models_service


def list_for(session: Session, caller: Caller, model_id: str) -> list[EstimatedPerformance]:
    """Every estimate of the model, oldest batch first; empty until a reference is set.

    A model whose estimator was refused (no probabilities, unsupported task type, too small a reference)
    gets 409 ``ESTIMATION_NOT_SUPPORTED`` with the reason, rather than a silently empty list.
    """
    model = models_service.get_or_raise(session, caller, model_id, ProjectPermission.READ_PROJECT)
    estimator = session.get(PerformanceEstimatorRow, model.id)
    if estimator is not None and estimator.artefact_path is None:
        raise Conflict(ErrorCode.ESTIMATION_NOT_SUPPORTED,
                       f"Performance of model {model.name}@{model.version} cannot be estimated without labels "
                       f"({estimator.refusal_reason}): {estimator.refusal_message}")
    rows = session.scalars(select(PerformanceEstimateRow).where(PerformanceEstimateRow.model_id == model.id)
                           .order_by(PerformanceEstimateRow.created_at, PerformanceEstimateRow.from_timestamp,
                                     PerformanceEstimateRow.metric_name))
    return [EstimatedPerformance(
        model_id=row.model_id, batch_id=row.batch_id, from_timestamp=row.from_timestamp,
        to_timestamp=row.to_timestamp, n_samples=row.n_samples,
        metric_name=MonitoringEvaluationMetric(row.metric_name), estimated_value=row.estimated_value,
        lower=row.lower, upper=row.upper, realized_value=row.realized_value, n_labelled=row.n_labelled,
        reference_value=row.reference_value, warning_level=row.warning_level, drift_level=row.drift_level,
        status=MonitoringStatus(row.status), method=row.method, insert_datetime=row.created_at,
    ) for row in rows]
