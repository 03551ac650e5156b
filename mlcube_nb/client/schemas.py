"""Data-schema methods (PLATFORM.md §2 rows 27–30)."""

from __future__ import annotations

from mlcube_nb.client._base import ClientCore, segment
from mlcube_nb.client._tables import data_schema_table
from mlcube_nb.exceptions import AddDataSchemaException
from mlcube_nb.models import AddDataSchemaRequest, DataSchema

__all__ = ["SchemaMethods"]


class SchemaMethods(ClientCore):
    """The data schema of a task: set it once, read it, read a pre-filled template, show it."""

    def add_data_schema(self, task_id: str, data_schema: DataSchema) -> None:
        """Associate a data schema with a task (schemas are immutable once set)."""
        exc = AddDataSchemaException
        body = self._build(AddDataSchemaRequest, exc, task_id=task_id, data_schema=data_schema)
        self._call("POST", "/data-schema", json=body, exc=exc, expect="none")

    def get_data_schema(self, task_id: str) -> DataSchema:
        """Return the data schema of a task."""
        return self._parse(DataSchema, self._call("GET", f"/data-schema/{segment(task_id)}"))

    def get_data_schema_template(self, task_id: str) -> DataSchema:
        """Return a schema pre-filled for the task's type and data structure, to complete and add."""
        return self._parse(DataSchema, self._call("GET", f"/data-schema-template/{segment(task_id)}"))

    def show_data_schema(self, task_id: str) -> None:
        """Print the data schema of a task as a table."""
        print(data_schema_table(self.get_data_schema(task_id)))
