"""Plumbing shared by the client's method groups: build a request model, call, parse the answer.

Every method group (``company.py``, ``projects.py`` ...) subclasses :class:`ClientCore`, so a method
body reads as three steps: ``self._build(...)`` → ``self._call(...)`` → ``self._parse(...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, TypeAdapter, ValidationError

from mlcube_nb.client._records import RecordList
from mlcube_nb.client._transport import Expect, Transport
from mlcube_nb.enums import ErrorCode
from mlcube_nb.exceptions import SDKClientException

__all__ = ["ClientCore", "INVALID_RESPONSE", "segment", "validation_message"]

M = TypeVar("M", bound=BaseModel)

INVALID_RESPONSE = (
    "INVALID_RESPONSE"  # the platform answered 2xx with a body that is not the documented model
)


def segment(value: object) -> str:
    """A path segment: the id as text, percent-quoted so ``?``, ``#`` or spaces cannot break the URL."""
    return quote(str(value), safe="")


def validation_message(err: ValidationError) -> str:
    """pydantic's messages, one per wrong field, without echoing the input (it may hold a secret)."""
    parts = []
    for error in err.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in error["loc"])
        parts.append(f"{location}: {error['msg']}" if location else error["msg"])
    return "; ".join(parts)


class ClientCore:
    """Base of the method groups: holds the transport and the build / call / parse helpers."""

    _transport: Transport

    def _call(
        self,
        method: str,
        path: str,
        *,
        exc: type[SDKClientException] = SDKClientException,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        expect: Expect = "json",
    ) -> Any:
        """Send one API call through the transport (see :meth:`Transport.request`)."""
        return self._transport.request(method, path, params=params, json=json, exc=exc, expect=expect)

    @staticmethod
    def _build(model: type[M], exc: type[SDKClientException], /, **fields: Any) -> M:
        """Validate a request model locally; bad arguments become ``exc`` with code INVALID_PARAMETERS."""
        try:
            return model(**fields)
        except ValidationError as err:
            raise exc(ErrorCode.INVALID_PARAMETERS, validation_message(err)) from err

    @staticmethod
    def _parse(model: type[M], data: Any, exc: type[SDKClientException] = SDKClientException) -> M:
        """Validate a response body as ``model``; a body of another shape becomes ``exc``."""
        try:
            return model.model_validate(data)
        except ValidationError as err:
            message = f"Unexpected {model.__name__} from the platform: {validation_message(err)}"
            raise exc(INVALID_RESPONSE, message) from err

    @staticmethod
    def _parse_as(
        adapter: TypeAdapter[Any], data: Any, exc: type[SDKClientException] = SDKClientException
    ) -> Any:
        """Validate a response body against a type adapter (used for unions picked by ``type``)."""
        try:
            return adapter.validate_python(data)
        except ValidationError as err:
            raise exc(
                INVALID_RESPONSE, f"Unexpected answer from the platform: {validation_message(err)}"
            ) from err

    @classmethod
    def _parse_list(
        cls, model: type[M], data: Any, exc: type[SDKClientException] = SDKClientException
    ) -> RecordList[M]:
        """Validate a JSON array of ``model`` into a :class:`RecordList`."""
        if not isinstance(data, list):
            raise exc(INVALID_RESPONSE, f"Expected a list of {model.__name__} from the platform")
        return RecordList((cls._parse(model, item, exc) for item in data), model=model)
