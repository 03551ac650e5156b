"""Retraining-report methods (PLATFORM.md §2 rows 40–41); the suggestion methods live in ``models_api.py``."""

from __future__ import annotations

from mlcube_nb.client._base import ClientCore
from mlcube_nb.enums import SuggestionType
from mlcube_nb.exceptions import ComputeRetrainingReportException, GetRetrainingReportException
from mlcube_nb.models import (
    ComputeRetrainingReportRequest,
    ResampledDatasetSuggestion,
    RetrainingReport,
    SampleWeightsSuggestion,
    Suggestion,
)

__all__ = ["RetrainingMethods"]

_SUGGESTION_CLASSES: dict[SuggestionType, type[Suggestion]] = {
    SuggestionType.SAMPLE_WEIGHTS: SampleWeightsSuggestion,
    SuggestionType.RESAMPLED_DATASET: ResampledDatasetSuggestion,
}


class RetrainingMethods(ClientCore):
    """After a drift: the retraining dataset the platform suggests and the forecast of a retrain on it."""

    def compute_retraining_report(self, model_id: str) -> str:
        """Start computing the model's retraining report; returns the job id (see ``wait_job_completion``)."""
        exc = ComputeRetrainingReportException
        body = self._build(ComputeRetrainingReportRequest, exc, model_id=model_id)
        return self._call("POST", "/retraining-report", json=body, exc=exc)

    def get_retraining_report(self, model_id: str) -> RetrainingReport:
        """The model's latest retraining report; its suggestion is parsed as the subclass its type names."""
        exc = GetRetrainingReportException
        report = self._parse(RetrainingReport, self._call("GET", "/retraining-report",
                                                          params={"model_id": model_id}, exc=exc), exc)
        cls = _SUGGESTION_CLASSES.get(report.suggestion.suggestion_type)
        if cls is None or isinstance(report.suggestion, cls):
            return report
        suggestion = self._parse(cls, report.suggestion.model_dump(mode="json"), exc)
        return report.model_copy(update={"suggestion": suggestion})
