"""``RecordList``: what every list-returning client method gives back — a list with ``.df`` and HTML.

It is a plain ``list`` (equality, slicing, ``json`` and v1-style code keep working) that also renders
as a table in Jupyter. pandas is imported only when ``.df`` is used, so the client stays light.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RecordList", "flatten"]

T = TypeVar("T")


def _plain(value: Any) -> Any:
    """Make a nested value table-friendly: enums → values, models → dicts, containers recursively."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return {name: _plain(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def flatten(record: Any, prefix: str = "") -> dict[str, Any]:
    """One table row for a record: nested models become ``parent.child`` columns, the rest stays whole."""
    if isinstance(record, BaseModel):
        fields: dict[str, Any] = {name: getattr(record, name) for name in type(record).model_fields}
        fields.update(record.model_extra or {})
    elif isinstance(record, dict):
        fields = dict(record)
    else:
        return {prefix.rstrip(".") or "value": _plain(record)}
    row: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, BaseModel):
            row.update(flatten(value, f"{prefix}{name}."))
        else:
            row[f"{prefix}{name}"] = _plain(value)
    return row


def _is_datetime_column(values: Iterable[Any]) -> bool:
    """True when every non-null value is a date or datetime (and there is at least one)."""
    present = [value for value in values if value is not None]
    return bool(present) and all(isinstance(value, (date, datetime)) for value in present)


def _is_iso_text_column(name: str, values: Iterable[Any]) -> bool:
    """True for a time column sent as text (``DetectionEvent.insert_datetime``, ``ApiKey.expiration_time``)."""
    present = [value for value in values if value is not None]
    return name.endswith(("_datetime", "_time")) and bool(present) and all(isinstance(v, str) for v in present)


def _to_datetime(column: pd.Series) -> pd.Series:
    """Convert a column of Python datetimes to pandas datetimes (mixed time zones → UTC)."""
    import pandas as pd

    try:
        return pd.to_datetime(column)
    except (TypeError, ValueError):
        return pd.to_datetime(column, utc=True)


_EPOCH_FIELDS = ("timestamp", "sample_timestamp")  # SuggestionInfo.timestamp, DetectionEvent.sample_timestamp
_EPOCH_TYPES = (float, "float", float | None, "float | None")


class RecordList(list[T], Generic[T]):
    """A list of records (usually pydantic models) with a pandas view and a Jupyter table."""

    def __init__(self, records: Iterable[T] = (), *, model: type[BaseModel] | None = None) -> None:
        super().__init__(records)
        self.model = model

    def _columns(self) -> list[str]:
        """Column names for an empty list, taken from the record model when it is known."""
        if self.model is None:
            return []
        return list(self.model.model_fields)

    @property
    def df(self) -> pd.DataFrame:
        """The records as a DataFrame: one row each, enums as values, datetimes as pandas datetimes."""
        import pandas as pd

        rows = [flatten(record) for record in self]
        if not rows:
            return pd.DataFrame(columns=self._columns())
        frame = pd.DataFrame.from_records(rows)
        epoch = {name for name, field in (self.model.model_fields if self.model else {}).items()
                 if name in _EPOCH_FIELDS and field.annotation in _EPOCH_TYPES}  # epoch seconds on the wire
        for name in frame.columns:
            if frame[name].dtype == object and _is_datetime_column(frame[name]):
                frame[name] = _to_datetime(frame[name])
            elif _is_iso_text_column(name, frame[name]):
                try:
                    frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601")
                except ValueError:
                    pass  # not timestamps after all: keep the text
            elif name in epoch:
                frame[name] = pd.to_datetime(frame[name], unit="s", utc=True)
        return frame

    def _repr_html_(self) -> str:
        """Jupyter rendering: the DataFrame's HTML table, without the index."""
        return self.df.to_html(index=False, na_rep="")
