"""KPI methods (PLATFORM.md §2 rows 35–38; uploads of KPI data live with the other uploads)."""

from __future__ import annotations

from mlcube_nb.client._base import ClientCore, segment
from mlcube_nb.client._records import RecordList
from mlcube_nb.client._tables import kpis_table
from mlcube_nb.exceptions import CreateKpiException
from mlcube_nb.models import KPI, CreateKpiRequest

__all__ = ["KpiMethods"]


class KpiMethods(ClientCore):
    """Business KPIs of a project: create, read, list and show."""

    def create_kpi(self, project_id: str, name: str) -> str:
        """Create a KPI in a project and return its id."""
        body = self._build(CreateKpiRequest, CreateKpiException, project_id=project_id, name=name)
        return self._call("POST", "/kpi", json=body, exc=CreateKpiException)

    def get_kpi(self, kpi_id: str) -> KPI:
        """Return the KPI with the given id."""
        return self._parse(KPI, self._call("GET", f"/kpi/{segment(kpi_id)}"))

    def get_kpis(self, project_id: str) -> RecordList[KPI]:
        """Return the KPIs of a project."""
        return self._parse_list(KPI, self._call("GET", f"/kpis/{segment(project_id)}"))

    def show_kpis(self, project_id: str) -> None:
        """Print the KPIs of a project as a table."""
        print(kpis_table(project_id, self.get_kpis(project_id)))
