"""Shared building blocks of the wire models: the base class, constrained strings and the error body."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters (NUL, newlines, ...) and the bidirectional-text controls that can disguise a name."""


class WireModel(BaseModel):
    """Base of every contract model: unknown keys ignored, ``model_*`` field names allowed."""

    model_config = ConfigDict(protected_namespaces=(), extra="ignore")


def _not_blank(value: str) -> str:
    """Reject names made only of whitespace, which would display as nothing."""
    if not value.strip():
        raise ValueError("must contain at least one non-whitespace character")
    return value


def _no_control(value: str) -> str:
    """Reject control and bidi-control characters: they hide text, break logs and spoof names in a listing."""
    found = _CONTROL_RE.search(value)
    if found:
        code = f"U+{ord(found.group()):04X}"
        raise ValueError(f"must not contain control or bidirectional-text characters (found {code})")
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


NameStr = Annotated[str, StringConstraints(min_length=1, max_length=255), AfterValidator(_not_blank),
                    AfterValidator(_no_control)]
"""A user-facing name (company, project, task, model, KPI, rule, key, report): 1–255 printable characters."""

IdStr = Annotated[str, StringConstraints(min_length=1, max_length=255), AfterValidator(_no_control)]
"""An object id sent by a client (task_id, model_id, storing_process_id...): 1–255 printable characters."""

FileNameStr = Annotated[str, StringConstraints(min_length=1, max_length=255), AfterValidator(_no_control)]
"""A file name as the client's file system knows it: 1–255 printable characters."""

SecretText = Annotated[str, StringConstraints(max_length=16384)]
"""A secret sent to be stored (a key, a password, a PEM private key): at most 16384 characters."""

UrlStr = Annotated[str, StringConstraints(min_length=1, max_length=2048), AfterValidator(_no_control)]
"""A URL or endpoint: 1–2048 printable characters."""

TagList = Annotated[list[NameStr], Field(max_length=100)]
"""The tags of a task: at most 100 names."""

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
"""A float that is a number: NaN and ±infinity are refused."""

Cost = Annotated[float, Field(ge=-1e15, le=1e15, allow_inf_nan=False)]
"""A cost (retraining, misclassification...): a finite number within ±1e15 (the services refuse negative ones)."""

Timestamp = Annotated[float, Field(ge=-62135596800, le=253402300799, allow_inf_nan=False)]
"""Seconds since the epoch, within years 1–9999 (what a date can show)."""

Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
"""An integer that fits the databases' 64-bit integers."""

SampleCount = Annotated[int, Field(ge=0, le=10**9)]
"""A number of samples: up to one billion (the services say why 0 does not fit)."""

Dimension = Annotated[int, Field(ge=-1, le=2**31 - 1)]
"""A size or tolerance of an array dimension: up to 2**31 - 1; -1 is "any size"."""

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
