"""Data schema of a task: one ColumnInfo per column of the uploaded files (PLATFORM.md §5.8)."""

from __future__ import annotations

from mlcube_nb.enums import ColumnRole, ColumnSubRole, DataType, ImageMode, TimeseriesMode
from mlcube_nb.models.common import Dimension, Int64, WireModel


class ColumnInfo(WireModel):
    """One column: its role, type and the extra facts its role or type needs."""

    name: str
    role: ColumnRole
    is_nullable: bool
    data_type: DataType
    predicted_target: str | None = None
    possible_values: list[str | Int64 | bool] | None = None
    model_id: str | None = None
    dims: list[Dimension] | None = None
    tol: Dimension | None = 0
    classes_names: list[str] | None = None
    subrole: ColumnSubRole | None = None
    image_mode: ImageMode | None = None
    timeseries_mode: TimeseriesMode | None = None
    model_name: str | None = None


class DataSchema(WireModel):
    """The columns of a task's data; immutable once created."""

    columns: list[ColumnInfo]
