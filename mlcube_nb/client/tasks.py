"""Task methods (PLATFORM.md §2 rows 11–15)."""

from __future__ import annotations

from mlcube_nb.client._base import ClientCore, segment
from mlcube_nb.client._records import RecordList
from mlcube_nb.client._tables import tasks_table
from mlcube_nb.enums import DataStructure, OcrMode, SemanticSegTargetType, TaskType, TextLanguage
from mlcube_nb.exceptions import CreateTaskException, UpdateTaskException
from mlcube_nb.models import CreateTaskRequest, Task, TaskCostInfoUnion, UpdateTaskRequest

__all__ = ["TaskMethods"]


class TaskMethods(ClientCore):
    """Tasks of a project: create, update, list, read and show."""

    def create_task(
        self,
        project_id: str,
        name: str,
        tags: list[str],
        task_type: TaskType,
        data_structure: DataStructure,
        cost_info: TaskCostInfoUnion | None = None,
        optional_target: bool = False,
        text_language: TextLanguage | None = None,
        positive_class: str | int | bool | None = None,
        rag_contexts_separator: str | None = None,
        *,
        llm_default_answer: str | None = None,
        semantic_segmentation_target_type: SemanticSegTargetType | None = None,
        timeseries_frequency: str | None = None,
        ocr_mode: OcrMode | None = None,
        multi_turn: bool | None = None,
    ) -> str:
        """Create a task in a project and return its id (keyword-only arguments are v1's extras)."""
        fields = {key: value for key, value in locals().items() if key != "self"}  # 1:1 with the body
        body = self._build(CreateTaskRequest, CreateTaskException, **fields)
        return self._call("POST", "/task", json=body, exc=CreateTaskException)

    def update_task(
        self,
        task_id: str,
        name: str | None = None,
        tags: list[str] | None = None,
        cost_info: TaskCostInfoUnion | None = None,
    ) -> None:
        """Update a task; ``None`` keeps a field and ``tags=[]`` removes every tag."""
        body = self._build(
            UpdateTaskRequest, UpdateTaskException, task_id=task_id, name=name, tags=tags, cost_info=cost_info
        )
        self._call("PATCH", "/task", json=body, exc=UpdateTaskException, expect="none")

    def get_tasks(self, project_id: str) -> RecordList[Task]:
        """Return the tasks of a project."""
        return self._parse_list(Task, self._call("GET", f"/tasks/{segment(project_id)}"))

    def get_task(self, task_id: str) -> Task:
        """Return the task with the given id."""
        return self._parse(Task, self._call("GET", f"/task/{segment(task_id)}"))

    def show_tasks(self, project_id: str) -> None:
        """Print the tasks of a project as a table."""
        print(tasks_table(self.get_tasks(project_id)))
