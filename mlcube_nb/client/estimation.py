"""Estimated performance before the labels arrive (extension endpoint)."""

from __future__ import annotations

from mlcube_nb.client._base import ClientCore, segment
from mlcube_nb.client._records import RecordList
from mlcube_nb.models import EstimatedPerformance

__all__ = ["EstimationMethods"]


class EstimationMethods(ClientCore):
    """Label-free performance estimates (CBPE for classifiers, DLE for regression) per production batch."""

    def get_estimated_performance(self, model_id: str) -> RecordList[EstimatedPerformance]:
        """Per production batch and metric: the estimate, its band, the realised value once targets arrive.

        Empty until the model has a reference; a model that cannot be estimated (no probabilities, an
        unsupported task type, too small a reference) raises with error code ``ESTIMATION_NOT_SUPPORTED``.
        """
        return self._parse_list(EstimatedPerformance,
                                self._call("GET", f"/model/{segment(model_id)}/estimated-performance"))
