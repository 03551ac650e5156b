"""Retrain-trigger methods (PLATFORM.md §2 rows 86–88, §9.5)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from mlcube_nb.client._base import ClientCore, segment, validation_message
from mlcube_nb.enums import ErrorCode
from mlcube_nb.exceptions import SDKClientException
from mlcube_nb.models import (
    RetrainModelRequest,
    RetrainTrigger,
    RetrainTriggerUnion,
    TestRetrainTriggerRequest,
)

__all__ = ["TriggerMethods", "as_trigger"]

_ANY_TRIGGER: TypeAdapter[Any] = TypeAdapter(RetrainTriggerUnion)


def as_trigger(trigger: RetrainTrigger | dict[str, Any]) -> RetrainTrigger:
    """The trigger as the subclass its ``type`` names (a base-class or dict trigger is re-read)."""
    data = trigger.model_dump() if isinstance(trigger, BaseModel) else trigger
    try:
        return _ANY_TRIGGER.validate_python(data)
    except ValidationError as err:
        raise SDKClientException(ErrorCode.INVALID_PARAMETERS, validation_message(err)) from err


class TriggerMethods(ClientCore):
    """How the platform starts a model's retraining pipeline: set, test and fire the trigger."""

    def set_retrain_trigger(self, model_id: str, trigger: RetrainTrigger | None) -> None:
        """Set the model's retrain trigger; ``None`` removes it."""
        path = f"/model/{segment(model_id)}/retrain-trigger"
        if trigger is None:
            self._call("DELETE", path, expect="none")
        else:
            self._call("POST", path, json=as_trigger(trigger), expect="none")

    def test_retrain_trigger(self, model_id: str, trigger: RetrainTrigger) -> None:
        """Fire the trigger once as a test, without changing the model."""
        body = self._build(
            TestRetrainTriggerRequest,
            SDKClientException,
            model_id=model_id,
            retrain_trigger=as_trigger(trigger),
        )
        self._call("POST", "/test-retrain-trigger", json=body, expect="none")

    def retrain_model(self, model_id: str) -> str:
        """Start the model's retraining through its configured trigger; returns the platform's answer."""
        body = self._build(RetrainModelRequest, SDKClientException, model_id=model_id)
        return self._call("POST", "/retrain-model", json=body)
