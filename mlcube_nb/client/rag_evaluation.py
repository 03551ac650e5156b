"""RAG evaluation methods (PLATFORM.md §2 rows 42–44): compute a report, list a task's reports, export one."""

from __future__ import annotations

import os

from mlcube_nb.client._base import ClientCore, segment
from mlcube_nb.client._records import RecordList
from mlcube_nb.exceptions import ComputeRagEvaluationReportException, GetRagEvaluationReportException
from mlcube_nb.models import ComputeRagEvaluationReportRequest, TaskRagEvalReportItem

__all__ = ["RagEvaluationMethods"]

XLSX_SUFFIX = ".xlsx"


class RagEvaluationMethods(ClientCore):
    """Evaluation of a RAG task's samples by the server's judge (offline, or an LLM when the server has one):
    relevance, usefulness, utilization, attribution, faithfulness and satisfaction of each sample, exported as
    an Excel workbook; each listed report names its judge."""

    def compute_rag_evaluation_report(
        self, task_id: str, report_name: str, from_timestamp: float, to_timestamp: float
    ) -> str:
        """Start evaluating the task's samples between two timestamps; returns the job id to wait for."""
        exc = ComputeRagEvaluationReportException
        body = self._build(ComputeRagEvaluationReportRequest, exc, task_id=task_id, report_name=report_name,
                           from_timestamp=from_timestamp, to_timestamp=to_timestamp)
        return self._call("POST", "/rag-evaluation", json=body, exc=exc)

    def get_rag_evaluation_reports(self, task_id: str) -> RecordList[TaskRagEvalReportItem]:
        """Return the RAG evaluation reports of a task with their status."""
        exc = GetRagEvaluationReportException
        return self._parse_list(TaskRagEvalReportItem,
                                self._call("GET", f"/task/{segment(task_id)}/rag-evaluation", exc=exc), exc)

    def export_rag_evaluation_report(self, report_id: str, folder: str, file_name: str) -> None:
        """Write the report's workbook to ``folder/file_name`` (``.xlsx`` is appended when missing)."""
        content = self._call("GET", f"/rag-evaluation/{segment(report_id)}/export", expect="bytes")
        if not file_name.endswith(XLSX_SUFFIX):
            file_name += XLSX_SUFFIX
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, file_name), "wb") as handle:
            handle.write(content)
