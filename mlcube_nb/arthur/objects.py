"""What the Arthur client returns: a model (one version of a task's model) and a model group (its versions)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from mlcube_nb.arthur.enums import InputType, OutputType, TextDelimiter
from mlcube_nb.arthur.exceptions import ArthurUserError

__all__ = ["ArthurModel", "ArthurModelGroup"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", protected_namespaces=())


class ArthurModel(_Frozen):
    """A model version: Arthur's fields plus where it lives on our platform (``task_id``, ``project_id``).

    ``partner_model_id`` and the other Arthur-only fields are empty for models created through the
    ML cube API; ``model_group_id`` names the group of all versions.
    """

    id: str
    model_group_id: str
    organization_id: str
    project_id: str
    task_id: str
    partner_model_id: str | None
    display_name: str
    description: str | None
    input_type: InputType | None
    output_type: OutputType | None
    tags: list[str]
    classifier_threshold: float | None
    is_batch: bool
    text_delimiter: TextDelimiter | None
    expected_throughput_gb_per_day: int | None
    pixel_height: int | None
    pixel_width: int | None
    version_label: str
    version_sequence_num: int
    created_at: datetime | None


class ArthurModelGroup(_Frozen):
    """(BETA) Every version of a model, oldest first."""

    id: str
    name: str
    organization_id: str
    versions: list[ArthurModel]

    def get_versions(self) -> list[ArthurModel]:
        """All versions, oldest first."""
        return list(self.versions)

    def get_latest_version(self) -> ArthurModel:
        """The newest version."""
        if not self.versions:
            raise ArthurUserError(f"Model group {self.id} has no model versions yet")
        return self.versions[-1]
