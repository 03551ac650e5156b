"""Model, model-version and retraining-suggestion methods (PLATFORM.md §2 rows 16–26)."""

from __future__ import annotations

from mlcube_nb.client._base import ClientCore, segment
from mlcube_nb.client._records import RecordList
from mlcube_nb.client._tables import models_table, suggestions_table
from mlcube_nb.enums import ErrorCode, ModelMetricName, SuggestionType
from mlcube_nb.exceptions import (
    CreateModelException,
    SDKClientException,
    SetModelSuggestionTypeException,
    UpdateModelVersionException,
)
from mlcube_nb.models import (
    CreateModelRequest,
    Model,
    ReferenceInfo,
    SetModelSuggestionTypeRequest,
    SuggestionInfo,
    UpdateModelVersionBySuggestionIdRequest,
    UpdateModelVersionFromTimeRangeRequest,
    UpdateModelVersionRequest,
)

__all__ = ["ModelMethods"]


class ModelMethods(ClientCore):
    """Models of a task, their versions and the retraining suggestions computed for them."""

    def create_model(
        self,
        task_id: str,
        name: str,
        version: str,
        with_probabilistic_output: bool,
        metric_name: ModelMetricName | None,
        preferred_suggestion_type: SuggestionType | None = None,
        retraining_cost: float = 0.0,
        resampled_dataset_size: int | None = None,
    ) -> str:
        """Create a model in a task and return its id."""
        body = self._build(
            CreateModelRequest,
            CreateModelException,
            task_id=task_id,
            name=name,
            version=version,
            metric_name=metric_name,
            retraining_cost=retraining_cost,
            preferred_suggestion_type=preferred_suggestion_type,
            resampled_dataset_size=resampled_dataset_size,
            with_probabilistic_output=with_probabilistic_output,
        )
        return self._call("POST", "/model", json=body, exc=CreateModelException)

    def get_models(self, task_id: str) -> RecordList[Model]:
        """Return the models of a task."""
        return self._parse_list(Model, self._call("GET", f"/models/{segment(task_id)}"))

    def get_model(self, model_id: str) -> Model:
        """Return the model with the given id."""
        return self._parse(Model, self._call("GET", f"/model/{segment(model_id)}"))

    def get_model_by_name_and_version(self, task_id: str, model_name: str, model_version: str) -> Model:
        """Return the task's model with that name and version (filtered client-side, as in v1)."""
        for model in self.get_models(task_id):
            if model.name == model_name and model.version == model_version:
                return model
        message = f"No model found with name: {model_name} and version: {model_version}"
        raise SDKClientException(ErrorCode.MODEL_NOT_FOUND, message)

    def show_models(self, task_id: str) -> None:
        """Print the models of a task as a table."""
        print(models_table(self.get_models(task_id)))

    def get_suggestions_info(self, model_id: str, model_version: str) -> RecordList[SuggestionInfo]:
        """Return the retraining suggestions of a model version."""
        path = f"/suggestions/{segment(model_id)}/{segment(model_version)}"
        return self._parse_list(SuggestionInfo, self._call("GET", path))

    def show_suggestions(self, model_id: str, model_version: str) -> None:
        """Print the retraining suggestions of a model version as a table."""
        print(suggestions_table(self.get_suggestions_info(model_id, model_version)))

    def set_model_suggestion_type(
        self,
        model_id: str,
        preferred_suggestion_type: SuggestionType,
        resampled_dataset_size: int | None = None,
    ) -> None:
        """Choose which kind of retraining suggestion the platform computes for a model."""
        exc = SetModelSuggestionTypeException
        body = self._build(
            SetModelSuggestionTypeRequest,
            exc,
            model_id=model_id,
            preferred_suggestion_type=preferred_suggestion_type,
            resampled_dataset_size=resampled_dataset_size,
        )
        self._call("PUT", "/model/suggestion-type", json=body, exc=exc, expect="none")

    def update_model_version_by_suggestion_id(
        self, model_id: str, new_model_version: str, suggestion_id: str
    ) -> str:
        """Register a model retrained on a suggestion as a new version; returns the job id."""
        exc = UpdateModelVersionException
        body = self._build(
            UpdateModelVersionBySuggestionIdRequest,
            exc,
            model_id=model_id,
            new_model_version=new_model_version,
            suggestion_id=suggestion_id,
        )
        return self._call("PATCH", "/model-version-suggestion-id", json=body, exc=exc)

    def update_model_version(self, model_id: str, new_model_version: str) -> str:
        """Start a new model version with empty reference data; returns the new version's model id."""
        exc = UpdateModelVersionException
        body = self._build(
            UpdateModelVersionRequest, exc, model_id=model_id, new_model_version=new_model_version
        )
        return self._call("PATCH", "/model-version", json=body, exc=exc)

    def update_model_version_from_time_range(
        self, model_id: str, new_model_version: str, from_timestamp: float, to_timestamp: float
    ) -> str:
        """Start a new model version whose reference is the data in a time range; returns the job id."""
        exc = UpdateModelVersionException
        reference = self._build(ReferenceInfo, exc, time_intervals=[(from_timestamp, to_timestamp)])
        body = self._build(
            UpdateModelVersionFromTimeRangeRequest,
            exc,
            model_id=model_id,
            new_model_version=new_model_version,
            default_reference=reference,
            segment_references=None,
        )
        return self._call("PATCH", "/model-version-time-range", json=body, exc=exc)
