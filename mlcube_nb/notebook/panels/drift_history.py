"""The Drift history tab: a quantity's statistic per batch with its warning and drift levels, and a
per-feature drill-down (chart and the latest batch's feature table)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import ipywidgets as widgets

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.models import MonitoringHistoryPoint
from mlcube_nb.notebook.display import Table, badge, quantity_label
from mlcube_nb.notebook.panels.base import PanelTab, run_guarded
from mlcube_nb.notebook.panels.plots import feature_chart, feature_score, history_chart

__all__ = ["DriftHistoryTab", "group_history"]


def group_history(points: list[MonitoringHistoryPoint]) -> dict[str, list[MonitoringHistoryPoint]]:
    """History points by quantity (with the model when the task has several), oldest batch first."""
    several = len({p.model_id for p in points}) > 1
    groups: dict[str, list[MonitoringHistoryPoint]] = defaultdict(list)
    for point in sorted(points, key=lambda p: p.timestamp):
        suffix = f" [{point.model_name}@{point.model_version}]" if several else ""
        groups[quantity_label(point) + suffix].append(point)
    return dict(groups)


def _features_table(point: MonitoringHistoryPoint) -> Table:
    def number(value: float | None) -> str:
        return "" if value is None else f"{value:.4g}"

    rows = ([f.feature, f.test, number(f.statistic), number(f.p_value), number(f.adjusted_p_value), number(f.psi),
             badge(f.decision)] for f in point.features)
    return Table(["Feature", "Test", "Statistic", "p-value", "Adjusted p", "PSI", "Decision"], rows,
                 title="Features in the latest batch", css_class="mlcube-features", empty="no per-feature tests")


class DriftHistoryTab(PanelTab):
    """Pick a monitored quantity to see its statistic per batch, then a feature to drill down."""

    title = "Drift history"

    def __init__(self, client: ML3PlatformClient, task_id: str) -> None:
        self.groups: dict[str, list[MonitoringHistoryPoint]] = {}
        self.quantity = widgets.Dropdown(description="Quantity", options=[], layout={"width": "420px"})
        self.feature = widgets.Dropdown(description="Feature", options=[], layout={"width": "420px"})
        self.chart = widgets.Image(format="png", layout={"max_width": "700px"})
        self.feature_chart = widgets.Image(format="png", layout={"max_width": "700px"})
        self.features = widgets.HTML()
        self.empty = widgets.HTML()
        body = widgets.VBox([self.empty, self.quantity, self.chart, self.feature, self.feature_chart, self.features])
        super().__init__(client, task_id, body)
        self.quantity.observe(lambda _: self._guarded(self.draw), names="value")
        self.feature.observe(lambda _: self._guarded(self.draw_feature), names="value")

    def _guarded(self, action: Callable[[], None]) -> None:
        run_guarded(None, self.out, self.message, action)

    @property
    def points(self) -> list[MonitoringHistoryPoint]:
        """The selected quantity's points, oldest batch first."""
        return self.groups.get(self.quantity.value or "", [])

    def load(self) -> str | None:
        self.groups = group_history(list(self.client.get_monitoring_history(self.task_id)))
        keep = self.quantity.value
        options = list(self.groups)
        self.empty.value = "" if options else "<i>No production batch analysed yet.</i>"
        self.quantity.options = options
        if options:
            self.quantity.value = keep if keep in options else options[0]
        self.draw()
        return None

    def draw(self) -> None:
        """Redraw the selected quantity's chart and refill the feature choices."""
        points = self.points
        self.chart.value = history_chart(points, self.quantity.value) if points else b""
        names = sorted({f.feature for p in points for f in p.features if feature_score(f) is not None})
        keep = self.feature.value
        self.feature.options = names
        self.feature.layout.display = "" if names else "none"
        if names:
            self.feature.value = keep if keep in names else names[0]
        self.features.value = _features_table(points[-1])._repr_html_() if points else ""
        self.draw_feature()

    def draw_feature(self) -> None:
        """Redraw the drill-down chart of the selected feature."""
        self.feature_chart.value = feature_chart(self.points, self.feature.value) if self.feature.value else b""

    def html(self) -> str:
        rows = ([label, len(points), f"{points[-1].statistic:.4g}", badge(points[-1].status)]
                for label, points in self.groups.items())
        return Table(["Quantity", "Batches", "Latest statistic", "Status"], rows, title="Drift history",
                     empty="no production batch analysed yet")._repr_html_()
