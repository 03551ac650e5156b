"""Shared building blocks of the wire models: the base class, constrained strings and the error body."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")


class WireModel(BaseModel):
    """Base of every contract model: unknown keys ignored, ``model_*`` field names allowed."""

    model_config = ConfigDict(protected_namespaces=(), extra="ignore")


def _not_blank(value: str) -> str:
    """Reject names made only of whitespace, which would display as nothing."""
    if not value.strip():
        raise ValueError("must contain at least one non-whitespace character")
    return value


def _path_safe(value: str) -> str:
    """Reject characters that would break a URL path the value is formatted into (``/``, ``?``, ``#``)."""
    if any(char in value for char in "/?#"):
        raise ValueError("must not contain '/', '?' or '#'")
    return value


def _looks_like_email(value: str) -> str:
    """Apply a basic shape check (``local@domain``); deliverability is not our business."""
    if not _EMAIL_RE.match(value):
        raise ValueError("must be an e-mail address like name@example.com")
    return value


NameStr = Annotated[str, StringConstraints(min_length=1, max_length=255), AfterValidator(_not_blank)]
"""A user-facing name (company, project, task, model, KPI, rule, key, report): 1–255 characters."""

VersionStr = Annotated[NameStr, AfterValidator(_path_safe)]
"""A model version tag: a name that can also be a URL path segment (no ``/``, ``?``, ``#``)."""

DescriptionStr = Annotated[str, StringConstraints(max_length=2000)]
"""A free-text description: at most 2000 characters."""

ShortStr = Annotated[str, StringConstraints(max_length=255)]
"""A short free-text field such as an address or a VAT number: at most 255 characters."""

EmailAddressStr = Annotated[
    str, StringConstraints(min_length=3, max_length=320), AfterValidator(_looks_like_email)
]
"""An e-mail address: at most 320 characters, basic ``local@domain`` shape."""

PasswordStr = Annotated[str, StringConstraints(min_length=8, max_length=256)]
"""A password: 8–256 characters."""


class ErrorResponse(BaseModel):
    """The standard error body ``{"errorCode", "errorMessage"}`` (camelCase on the wire, both required)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    error_code: str = Field(alias="errorCode")
    error_message: str = Field(alias="errorMessage")
