"""Every exception the client raises: one root, ``SDKClientException(error_code, error_message)``.

The names are those of the seed reference and of ``ml3-platform-sdk`` 1.0.0 ("v1"), so code written for
either catches what it expects. Where the two name the same failure differently, one class subclasses the
other and the client raises the more derived one, so ``except`` on either name works.

Tree::

    SDKClientException                       error_code / error_message on every instance
    ├── UnauthorizedException                401 (missing, unknown or expired API key)
    ├── ForbiddenException                   403 (role lacks the permission)
    ├── NotFoundException                    404 (object does not exist or is not visible)
    ├── SDKConnectionException               server unreachable (connection refused, DNS, reset)
    │   └── SDKTimeoutException              no answer within the client's timeout
    ├── CreateCompanyException, UpdateCompanyException
    ├── CreateProjectException, UpdateProjectException
    ├── CreateTaskException, UpdateTaskException
    ├── CreateModelException, SetModelSuggestionTypeException, UpdateModelVersionException
    ├── AddDataSchemaException, UpdateDataSchemaException
    ├── AddHistoricalDataException
    │   └── AddTargetDataException           (seed names AddHistoricalDataException for add_target_data)
    ├── SetModelReferenceException           (v1 name)
    │   └── AddModelReferenceException       (seed name)
    ├── AddProductionDataException
    ├── CreateKpiException  (= CreateKPIException), AddKPIDataException
    ├── ComputeRetrainingReportException, GetRetrainingReportException
    ├── ComputeRagEvaluationReportException, GetRagEvaluationReportException
    ├── ComputeTopicModelingReportException, GetTopicModelingReportException
    ├── ComputeLlmSecurityReportException, GetLlmSecurityReportException
    ├── ComputeMultiTurnReportException, GetMultiTurnReportException
    ├── CreateDetectionEventRuleException
    │   └── UpdateDetectionEventRuleException (seed names the Create class for update)
    ├── InvalidActionList
    ├── MonitoringConfigNotFoundException
    ├── CreateLLMSpecsException, GetAllLLMSpecsException
    ├── CreateExportException, GetExportsException, GetExportCreationOptionsException,
    │   GetExportDownloadLinksException, GetExportableReportsException
    └── JobWaitTimeoutException, JobNotFoundException, JobFailureException
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AddDataSchemaException",
    "AddHistoricalDataException",
    "AddKPIDataException",
    "AddModelReferenceException",
    "AddProductionDataException",
    "AddTargetDataException",
    "ComputeLlmSecurityReportException",
    "ComputeMultiTurnReportException",
    "ComputeRagEvaluationReportException",
    "ComputeRetrainingReportException",
    "ComputeTopicModelingReportException",
    "CreateCompanyException",
    "CreateDetectionEventRuleException",
    "CreateExportException",
    "CreateKPIException",
    "CreateKpiException",
    "CreateLLMSpecsException",
    "CreateModelException",
    "CreateProjectException",
    "CreateTaskException",
    "ForbiddenException",
    "GetAllLLMSpecsException",
    "GetExportCreationOptionsException",
    "GetExportDownloadLinksException",
    "GetExportableReportsException",
    "GetExportsException",
    "GetLlmSecurityReportException",
    "GetMultiTurnReportException",
    "GetRagEvaluationReportException",
    "GetRetrainingReportException",
    "GetTopicModelingReportException",
    "InvalidActionList",
    "JobFailureException",
    "JobNotFoundException",
    "JobWaitTimeoutException",
    "MonitoringConfigNotFoundException",
    "NotFoundException",
    "SDKClientException",
    "SDKConnectionException",
    "SDKTimeoutException",
    "SetModelReferenceException",
    "SetModelSuggestionTypeException",
    "UnauthorizedException",
    "UpdateCompanyException",
    "UpdateDataSchemaException",
    "UpdateDetectionEventRuleException",
    "UpdateModelVersionException",
    "UpdateProjectException",
    "UpdateTaskException",
]


class SDKClientException(Exception):
    """Root of every client error; ``error_code`` and ``error_message`` identify it for support."""

    http_status: ClassVar[int | None] = None

    def __init__(
        self,
        error_code: str = "UNEXPECTED",
        error_message: str = "An unexpected error occurred",
    ) -> None:
        super().__init__(error_code, error_message)
        self.error_code: str = str(error_code)
        self.error_message: str = str(error_message)

    def __str__(self) -> str:
        return f"{self.error_code}: {self.error_message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(error_code={self.error_code!r}, error_message={self.error_message!r})"


# --- transport and generic HTTP failures (our own branch) ---------------------------------------------


class UnauthorizedException(SDKClientException):
    """The server refused the API key (HTTP 401)."""

    http_status: ClassVar[int | None] = 401

    def __init__(self, error_code: str = "UNAUTHORIZED", error_message: str = "Unauthorized") -> None:
        super().__init__(error_code, error_message)


class ForbiddenException(SDKClientException):
    """The caller's role does not allow the operation (HTTP 403)."""

    http_status: ClassVar[int | None] = 403

    def __init__(self, error_code: str = "FORBIDDEN", error_message: str = "Forbidden") -> None:
        super().__init__(error_code, error_message)


class NotFoundException(SDKClientException):
    """The object does not exist or the caller may not see it (HTTP 404)."""

    http_status: ClassVar[int | None] = 404

    def __init__(self, error_code: str = "NOT_FOUND", error_message: str = "Not found") -> None:
        super().__init__(error_code, error_message)


class SDKConnectionException(SDKClientException):
    """The server could not be reached (after the client's retries)."""

    def __init__(
        self, error_code: str = "CONNECTION_ERROR", error_message: str = "Could not connect to the platform"
    ) -> None:
        super().__init__(error_code, error_message)


class SDKTimeoutException(SDKConnectionException):
    """The server did not answer within the client's timeout."""

    def __init__(
        self, error_code: str = "TIMEOUT", error_message: str = "The platform did not answer in time"
    ) -> None:
        super().__init__(error_code, error_message)


# --- company, projects, tasks, models --------------------------------------------------------------------


class CreateCompanyException(SDKClientException):
    """create_company failed."""


class UpdateCompanyException(SDKClientException):
    """update_company failed."""


class CreateProjectException(SDKClientException):
    """create_project failed."""


class UpdateProjectException(SDKClientException):
    """update_project failed."""


class CreateTaskException(SDKClientException):
    """create_task failed."""


class UpdateTaskException(SDKClientException):
    """update_task failed."""


class CreateModelException(SDKClientException):
    """create_model failed."""


class SetModelSuggestionTypeException(SDKClientException):
    """set_model_suggestion_type failed."""


class UpdateModelVersionException(SDKClientException):
    """A model-version update (or, as in v1, get_model) failed."""


# --- data ------------------------------------------------------------------------------------------------


class AddDataSchemaException(SDKClientException):
    """add_data_schema failed."""


class UpdateDataSchemaException(SDKClientException):
    """A data-schema update failed (v1 name)."""


class AddHistoricalDataException(SDKClientException):
    """add_historical_data failed (also raised client-side when ``inputs`` is missing)."""


class AddTargetDataException(AddHistoricalDataException):
    """add_target_data failed; subclasses the seed's AddHistoricalDataException for that call."""


class SetModelReferenceException(SDKClientException):
    """set_model_reference failed (v1 name)."""


class AddModelReferenceException(SetModelReferenceException):
    """set_model_reference failed (seed name); catching either name works."""


class AddProductionDataException(SDKClientException):
    """add_production_data failed, or a prediction names a model the task does not have."""


class CreateKpiException(SDKClientException):
    """create_kpi failed (seed spelling; ``CreateKPIException`` is the same class)."""


CreateKPIException = CreateKpiException


class AddKPIDataException(SDKClientException):
    """add_kpi_data failed."""


# --- reports ---------------------------------------------------------------------------------------------


class ComputeRetrainingReportException(SDKClientException):
    """compute_retraining_report failed."""


class GetRetrainingReportException(SDKClientException):
    """get_retraining_report failed."""


class ComputeRagEvaluationReportException(SDKClientException):
    """compute_rag_evaluation_report failed."""


class GetRagEvaluationReportException(SDKClientException):
    """get_rag_evaluation_reports failed."""


class ComputeTopicModelingReportException(SDKClientException):
    """compute_topic_modeling_report failed."""


class GetTopicModelingReportException(SDKClientException):
    """get_topic_modeling_reports / get_topic_modeling_report failed."""


class ComputeLlmSecurityReportException(SDKClientException):
    """An LLM-security report could not be computed (v1 name)."""


class GetLlmSecurityReportException(SDKClientException):
    """LLM-security reports could not be read (v1 name)."""


class ComputeMultiTurnReportException(SDKClientException):
    """A multi-turn report could not be computed (v1 name)."""


class GetMultiTurnReportException(SDKClientException):
    """Multi-turn reports could not be read (v1 name)."""


# --- rules, monitoring configuration, LLM specs, exports -------------------------------------------------


class CreateDetectionEventRuleException(SDKClientException):
    """create_detection_event_rule failed."""


class UpdateDetectionEventRuleException(CreateDetectionEventRuleException):
    """update_detection_event_rule failed; subclasses the class the seed names for that call."""


class InvalidActionList(SDKClientException):
    """The actions of a detection event rule are not valid (v1 name)."""


class MonitoringConfigNotFoundException(SDKClientException):
    """The task has no monitoring configuration (v1 name)."""


class CreateLLMSpecsException(SDKClientException):
    """LLM specs could not be created (v1 name)."""


class GetAllLLMSpecsException(SDKClientException):
    """LLM specs could not be listed (v1 name)."""


class CreateExportException(SDKClientException):
    """An export could not be created (v1 name)."""


class GetExportsException(SDKClientException):
    """A task's exports could not be read (v1 name)."""


class GetExportCreationOptionsException(SDKClientException):
    """Export creation options could not be read (v1 name)."""


class GetExportDownloadLinksException(SDKClientException):
    """Export download links could not be generated (v1 name)."""


class GetExportableReportsException(SDKClientException):
    """Exportable reports could not be read (v1 name)."""


# --- jobs ------------------------------------------------------------------------------------------------


class JobWaitTimeoutException(SDKClientException):
    """wait_job_completion gave up after ``max_wait_timeout`` seconds."""


class JobNotFoundException(SDKClientException):
    """The job id is unknown."""


class JobFailureException(SDKClientException):
    """The awaited job ended in status ``error``; the message carries the job's error."""
