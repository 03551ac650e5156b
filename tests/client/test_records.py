"""RecordList: a plain list with a pandas view (``.df``) and a Jupyter table (``_repr_html_``)."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from mlcube_nb.client import RecordList
from mlcube_nb.enums import KPIStatus, MonitoringStatus, MonitoringTarget, TaskType
from mlcube_nb.models import KPI, MonitoringQuantityStatus, Project, RegressionTaskCostInfo, Task


def _task(task_id: str, cost: RegressionTaskCostInfo | None) -> Task:
    status = MonitoringQuantityStatus(status=MonitoringStatus.DRIFT, monitoring_target=MonitoringTarget.INPUT)
    return Task(
        task_id=task_id,
        name=f"task {task_id}",
        type=TaskType.REGRESSION,
        cost_info=cost,
        optional_target=False,
        monitoring_status=[status],
    )


def test_is_a_plain_list() -> None:
    projects = RecordList([Project(project_id="p1", name="one")], model=Project)
    assert projects == [Project(project_id="p1", name="one")]
    assert isinstance(projects, list) and projects[0].name == "one"


def test_df_has_one_row_per_record_with_enum_values_and_datetimes() -> None:
    kpis = RecordList(
        [
            KPI(
                kpi_id="k1", name="sales", status=KPIStatus.OK, status_insert_datetime=datetime(2024, 5, 1, 8)
            ),
            KPI(
                kpi_id="k2",
                name="churn",
                status=KPIStatus.NOT_INITIALIZED,
                status_kpi_start_timestamp=datetime(2024, 5, 2, tzinfo=timezone.utc),
                status_insert_datetime=datetime(2024, 5, 2, 9, tzinfo=timezone.utc),
            ),
        ],
        model=KPI,
    )
    frame = kpis.df
    assert list(frame["kpi_id"]) == ["k1", "k2"]
    assert list(frame["status"]) == ["ok", "not_initialized"]  # values, not enum members
    assert pd.api.types.is_datetime64_any_dtype(frame["status_insert_datetime"])  # mixed zones → UTC
    assert pd.api.types.is_datetime64_any_dtype(frame["status_kpi_start_timestamp"])
    assert pd.isna(frame["status_kpi_start_timestamp"][0])


def test_nested_models_become_dotted_columns_and_lists_stay_whole() -> None:
    cost = RegressionTaskCostInfo(currency="euro", overestimation_cost=1.0, underestimation_cost=2.5)
    frame = RecordList([_task("t1", cost), _task("t2", None)], model=Task).df
    assert frame.loc[0, "cost_info.currency"] == "euro"
    assert frame.loc[0, "cost_info.underestimation_cost"] == 2.5
    assert pd.isna(frame.loc[1, "cost_info.currency"])
    assert frame.loc[0, "monitoring_status"] == [
        {
            "status": "drift",
            "monitoring_target": "input",
            "monitoring_metric": None,
            "specification": None,
            "segment_id": None,
            "monitoring_evaluation_metric": None,
            "model_id": None,
            "model_name": None,
            "model_version": None,
            "last_change_datetime": None,
        }
    ]


def test_empty_list_keeps_the_model_columns() -> None:
    frame = RecordList([], model=Project).df
    assert frame.empty and list(frame.columns) == list(Project.model_fields)
    assert RecordList([]).df.empty


def test_plain_values_and_dicts() -> None:
    assert list(RecordList(["a", "b"]).df["value"]) == ["a", "b"]
    assert list(RecordList([{"x": TaskType.RAG}]).df["x"]) == ["rag"]


def test_repr_html_is_the_dataframe_table() -> None:
    html = RecordList([Project(project_id="p1", name="<one>")], model=Project)._repr_html_()
    assert html.startswith("<table") and "<th>project_id</th>" in html
    assert "&lt;one&gt;" in html  # values are escaped
    assert "<th>name</th>" in RecordList([], model=Project)._repr_html_()
