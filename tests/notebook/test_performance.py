"""The performance view: ``%mlcube performance MODEL`` and the panel's Performance tab, on a real platform."""

from __future__ import annotations

import re

import pytest
from IPython.core.error import UsageError

from mlcube_nb.notebook.commands import dispatch
from mlcube_nb.notebook.panels.performance import PerformanceTab, PerformanceView, performance_chart
from tests.notebook.conftest import Drifted

PNG = b"\x89PNG"


def test_performance_command_shows_estimates_per_batch(drifted: Drifted) -> None:
    view = dispatch(lambda: drifted.client, f"performance {drifted.model_id}")
    assert isinstance(view, PerformanceView)
    assert {"accuracy", "roc_auc"} <= set(view.groups)
    assert len(view.groups["accuracy"]) >= 2  # the calm and the drifting batch (other tests may add more)
    page = view._repr_html_()
    assert page.count("data:image/png;base64,") == len(view.groups) and "mlcube-badge" in page
    assert "e+09" not in page and re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} – ", page)  # time ranges as dates
    assert "Estimated performance of churn-model@v1" in repr(view)
    assert list(view.df.columns)[:3] == ["model_id", "batch_id", "from_timestamp"]
    task = drifted.client.get_task(drifted.task_id).name
    one = dispatch(lambda: drifted.client, f"performance churn-model@v1 --task {task} --metric accuracy")
    assert set(one.groups) == {"accuracy"}
    with pytest.raises(UsageError, match="No model"):
        dispatch(lambda: drifted.client, "performance no-such-model")


def test_performance_tab_draws_the_selected_metric(drifted: Drifted) -> None:
    tab = PerformanceTab(drifted.client, drifted.task_id)
    assert tab.refresh() and tab.error == ""
    assert tab.model.value == "churn-model@v1" and tab.metric.value in tab.metric.options
    assert bytes(tab.chart.value).startswith(PNG) and "Latest batches" in tab.table.value
    tab.metric.value = "roc_auc"
    assert "roc_auc" in tab.table.value and "Estimated performance" in tab.html()


def test_chart_draws_without_realised_values_or_levels() -> None:
    assert performance_chart([], "accuracy of m@1").startswith(PNG)
