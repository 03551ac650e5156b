"""Project methods (PLATFORM.md §2 rows 6–10)."""

from __future__ import annotations

from mlcube_nb.client._base import ClientCore, segment
from mlcube_nb.client._records import RecordList
from mlcube_nb.client._tables import projects_table
from mlcube_nb.enums import StoragePolicy
from mlcube_nb.exceptions import CreateProjectException, UpdateProjectException
from mlcube_nb.models import CreateProjectRequest, Project, UpdateProjectRequest

__all__ = ["ProjectMethods"]


class ProjectMethods(ClientCore):
    """Projects of the caller's company: create, list, read, update and show."""

    def create_project(
        self, name: str, description: str | None, default_storage_policy: StoragePolicy
    ) -> str:
        """Create a project in the caller's company and return its id."""
        body = self._build(
            CreateProjectRequest,
            CreateProjectException,
            name=name,
            description=description,
            default_storage_policy=default_storage_policy,
        )
        return self._call("POST", "/project", json=body, exc=CreateProjectException)

    def get_projects(self) -> RecordList[Project]:
        """Return the projects the caller may read."""
        return self._parse_list(Project, self._call("GET", "/projects"))

    def get_project(self, project_id: str) -> Project:
        """Return the project with the given id."""
        return self._parse(Project, self._call("GET", f"/project/{segment(project_id)}"))

    def update_project(
        self,
        project_id: str,
        name: str | None = None,
        description: str | None = None,
        default_storage_policy: StoragePolicy | None = None,
    ) -> Project:
        """Update a project (``None`` leaves a field unchanged) and return it as it now is."""
        body = self._build(
            UpdateProjectRequest,
            UpdateProjectException,
            project_id=project_id,
            name=name,
            description=description,
            default_storage_policy=default_storage_policy,
        )
        data = self._call("PATCH", "/project", json=body, exc=UpdateProjectException)
        if data is None:  # a v1-style platform answers with no body
            return self.get_project(project_id)
        return self._parse(Project, data, UpdateProjectException)

    def show_projects(self) -> None:
        """Print the projects the caller may read as a table."""
        print(projects_table(self.get_projects()))
