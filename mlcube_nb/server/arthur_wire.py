"""Wire bodies of password login (``/session``) and of the ArthurAI-compatible endpoints (``/arthur/...``).

They live beside the server rather than in ``mlcube_nb.models`` because only the server and the
``mlcube_nb.arthur`` facade speak them; the enums are the facade's own (``mlcube_nb.arthur.enums``), so
both sides take the same values by construction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from mlcube_nb.arthur.enums import InputType as ArthurInputType
from mlcube_nb.arthur.enums import OutputType as ArthurOutputType
from mlcube_nb.arthur.enums import Role as ArthurRole
from mlcube_nb.arthur.enums import TextDelimiter as ArthurTextDelimiter
from mlcube_nb.models.common import NameStr, WireModel


def _no_at(value: str) -> str:
    """partner_model_id also names the task and the model, whose names cannot hold '@'."""
    if "@" in value:
        raise ValueError("must not contain '@' (it separates model name and version in column names)")
    return value


PartnerIdStr = Annotated[NameStr, AfterValidator(_no_at)]
"""A partner_model_id: 1–255 characters, no '@'."""

DescriptionStr = Annotated[str, StringConstraints(max_length=2000)]
"""A free-text description: at most 2000 characters."""


class LoginRequest(WireModel):
    """Body of ``POST /session``: a username and its password."""

    username: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)] = Field(repr=False)


class SessionKey(WireModel):
    """A session API key, shown once, and when it stops working."""

    api_key: str = Field(repr=False)
    expires_at: datetime


class Organization(WireModel):
    """An Arthur organisation: one of our companies."""

    id: str
    name: str


class CreateServiceAccountRequest(WireModel):
    """Body of create_service_account."""

    description: Annotated[DescriptionStr, StringConstraints(min_length=1)]
    role: ArthurRole


class ServiceAccount(WireModel):
    """A service account as Arthur documents it; ``token`` is set only in the answer that creates it."""

    id: str
    organization_id: str
    description: str
    token: str | None = Field(default=None, repr=False)


class CreateArthurModelRequest(WireModel):
    """Body of ``model(...)``: Arthur's arguments (``model_type`` already folded into ``output_type``)."""

    partner_model_id: PartnerIdStr | None = None
    input_type: ArthurInputType
    output_type: ArthurOutputType
    display_name: NameStr | None = None
    description: DescriptionStr | None = None
    tags: list[NameStr] | None = Field(default=None, max_length=100)
    classifier_threshold: float | None = Field(default=None, gt=0, lt=1)
    is_batch: bool = False
    text_delimiter: ArthurTextDelimiter | None = None
    expected_throughput_gb_per_day: int | None = Field(default=None, ge=0, le=10**9)
    pixel_height: int | None = Field(default=None, ge=1, le=2**31 - 1)
    pixel_width: int | None = Field(default=None, ge=1, le=2**31 - 1)


class ArthurModelInfo(WireModel):
    """One model version seen through Arthur's eyes; Arthur-only fields are null for models made elsewhere."""

    id: str
    model_group_id: str
    organization_id: str
    project_id: str
    task_id: str
    partner_model_id: str | None
    display_name: str
    description: str | None
    input_type: ArthurInputType | None
    output_type: ArthurOutputType | None
    tags: list[str]
    classifier_threshold: float | None
    is_batch: bool
    text_delimiter: ArthurTextDelimiter | None
    expected_throughput_gb_per_day: int | None
    pixel_height: int | None
    pixel_width: int | None
    version_label: str
    version_sequence_num: int
    created_at: datetime | None


class ArthurModelGroupInfo(WireModel):
    """A model group: every version of a model (the model versions of one task), oldest first."""

    id: str
    name: str
    organization_id: str
    versions: list[ArthurModelInfo]
