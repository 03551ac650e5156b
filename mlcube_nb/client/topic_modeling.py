"""Topic-modeling report methods (PLATFORM.md §2 rows 45–47): compute, list, read one."""

from __future__ import annotations

from mlcube_nb.client._base import ClientCore, segment
from mlcube_nb.client._records import RecordList
from mlcube_nb.exceptions import ComputeTopicModelingReportException, GetTopicModelingReportException
from mlcube_nb.models import (
    ComputeTopicModelingReportRequest,
    TaskTopicModelingReportDetails,
    TaskTopicModelingReportItem,
)

__all__ = ["TopicModelingMethods"]


class TopicModelingMethods(ClientCore):
    """Topics of a text (or RAG) task's samples in a time range, computed by a platform job."""

    def compute_topic_modeling_report(
        self, task_id: str, report_name: str, from_timestamp: float, to_timestamp: float
    ) -> str:
        """Start the topic-modeling report of the task's samples in ``[from_timestamp, to_timestamp]``; job id."""
        exc = ComputeTopicModelingReportException
        body = self._build(ComputeTopicModelingReportRequest, exc, task_id=task_id, report_name=report_name,
                           from_timestamp=from_timestamp, to_timestamp=to_timestamp)
        return self._call("POST", "/topic-modeling", json=body, exc=exc)

    def get_topic_modeling_reports(self, task_id: str) -> RecordList[TaskTopicModelingReportItem]:
        """The task's topic-modeling reports with their status (``.df`` for a table)."""
        exc = GetTopicModelingReportException
        return self._parse_list(TaskTopicModelingReportItem,
                                self._call("GET", f"/task/{segment(task_id)}/topic-modeling", exc=exc), exc)

    def get_topic_modeling_report(self, report_id: str) -> TaskTopicModelingReportDetails:
        """A completed report: the analysed sample ids and the topic label of each, in the same order."""
        exc = GetTopicModelingReportException
        return self._parse(TaskTopicModelingReportDetails,
                           self._call("GET", f"/topic-modeling/{segment(report_id)}", exc=exc), exc)
