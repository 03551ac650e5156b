"""The Drift history tab: a quantity's statistic per batch with each batch's own warning and drift levels, the
sentence saying how those levels were set, and a per-feature drill-down (chart and the latest batch's table).

Quantities come in a fixed order (input, prediction, input_prediction, concept, error…, then the evaluation
metrics), so the default view is the same in every run. A quantity measured on the whole batch (an evaluation
metric, the error rate) has no per-feature test: the tab says so instead of drawing an empty image.
"""

from __future__ import annotations

import html
from collections import defaultdict

import ipywidgets as widgets

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.models import MonitoringHistoryPoint
from mlcube_nb.notebook.display import Table, badge, quantity_label
from mlcube_nb.notebook.panels.base import PanelTab, SharedReads
from mlcube_nb.notebook.panels.plots import feature_chart, feature_score, history_chart
from mlcube_nb.notebook.views import quantity_order

__all__ = ["DriftHistoryTab", "batch_times", "group_history"]

_NOTE_STYLE = "font-size:12px;color:#555;margin:2px 0 8px 4px"


def group_history(points: list[MonitoringHistoryPoint]) -> dict[str, list[MonitoringHistoryPoint]]:
    """History points by quantity (with the model when the task has several) in a fixed order, each quantity's
    points oldest batch first."""
    several = len({p.model_id for p in points}) > 1
    groups: dict[str, list[MonitoringHistoryPoint]] = defaultdict(list)
    for point in sorted(points, key=lambda p: (quantity_order(p), p.timestamp)):
        suffix = f" [{point.model_name}@{point.model_version}]" if several else ""
        groups[quantity_label(point) + suffix].append(point)
    return dict(groups)


def batch_times(points: list[MonitoringHistoryPoint]) -> dict[str, float]:
    """The time of each batch's newest sample (the latest sample time any of its quantities reports)."""
    times: dict[str, float] = {}
    for point in points:
        if point.batch_id and point.sample_timestamp is not None:
            times[point.batch_id] = max(times.get(point.batch_id, point.sample_timestamp), point.sample_timestamp)
    return times


def _number(value: float | None) -> str:
    return "" if value is None else f"{value + 0.0:.4g}"  # + 0.0: -0.0 (−log10 of p = 1) shows as 0


def _test(feature: object) -> str:
    """The feature's test, and "spread" when the spread test gave the column its p-value."""
    test = str(getattr(feature, "test", ""))
    return f"{test} (spread)" if getattr(feature, "decided_by", None) == "spread" else test


def _spread(feature: object) -> str:
    """The spread test's signed z (> 0: wider than the reference) and its p-value, in one cell."""
    z, p = getattr(feature, "spread_statistic", None), getattr(feature, "spread_p_value", None)
    return "" if z is None and p is None else f"{_number(z)} (p {_number(p)})"


def _features_table(point: MonitoringHistoryPoint) -> Table:
    """The latest batch's per-feature tests, with the feature's own levels when the platform sent them."""
    own = any(getattr(f, "drift_level", None) is not None for f in point.features)
    quantile = any(getattr(f, "reference_quantile", None) is not None for f in point.features)
    spread = any(getattr(f, "spread_p_value", None) is not None for f in point.features)
    headers = ["Feature", "Test", "Statistic", "p-value", "Adjusted p", "−log10 p", "PSI",
               *(["Warn at", "Drift at"] if own else []), *(["Ref. quantile"] if quantile else []),
               *(["Spread z (p)"] if spread else []), "Decision"]
    rows = ([f.feature, _test(f), _number(f.statistic), _number(f.p_value), _number(f.adjusted_p_value),
             _number(feature_score(f)) if (f.adjusted_p_value, f.p_value) != (None, None) else "", _number(f.psi),
             *([_number(getattr(f, "warning_level", None)), _number(getattr(f, "drift_level", None))] if own else []),
             *([_number(getattr(f, "reference_quantile", None))] if quantile else []),
             *([_spread(f)] if spread else []), badge(f.decision)]
            for f in point.features)
    return Table(headers, rows, title="Features in the latest batch", css_class="mlcube-features",
                 empty="no per-feature tests")


def _note(text: str) -> str:
    return f"<div class='mlcube-note' style='{_NOTE_STYLE}'>{html.escape(text)}</div>" if text else ""


def calibration_text(points: list[MonitoringHistoryPoint]) -> str:
    """How the newest batch's levels were set, in the platform's words (empty when it does not say)."""
    if not points:
        return ""
    sentence = getattr(points[-1], "calibration", None)
    newest = points[-1]
    levels = f"warning level {newest.warning_level:.3g}, drift level {newest.drift_level:.3g}"
    return f"Levels of the newest batch: {levels}" + (f" — {sentence}." if sentence else ".")


class DriftHistoryTab(PanelTab):
    """Pick a monitored quantity to see its statistic per batch, then a feature to drill down."""

    title = "Drift history"

    def __init__(self, client: ML3PlatformClient, task_id: str, reads: SharedReads | None = None) -> None:
        self.groups: dict[str, list[MonitoringHistoryPoint]] = {}
        self.times: dict[str, float] = {}
        self.quantity = widgets.Dropdown(description="Quantity", options=[], layout={"width": "440px"})
        self.feature = widgets.Dropdown(description="Feature", options=[], layout={"width": "440px"})
        self.chart = widgets.Image(format="png", layout={"max_width": "780px", "width": "100%"})
        self.calibration = widgets.HTML()
        self.feature_note = widgets.HTML()
        self.feature_chart = widgets.Image(format="png", layout={"max_width": "780px", "width": "100%"})
        self.features = widgets.HTML()
        self.empty = widgets.HTML()
        body = widgets.VBox([self.empty, self.quantity, self.chart, self.calibration, self.feature,
                             self.feature_note, self.feature_chart, self.features])
        super().__init__(client, task_id, body, reads)
        self.quantity.observe(self.when_chosen(self.draw), names="value")
        self.feature.observe(self.when_chosen(self.draw_feature), names="value")

    @property
    def points(self) -> list[MonitoringHistoryPoint]:
        """The selected quantity's points, oldest batch first."""
        return self.groups.get(self.quantity.value or "", [])

    def _times(self) -> list[float | None]:
        return [self.times.get(p.batch_id or "", p.sample_timestamp) for p in self.points]

    def load(self) -> str | None:
        history = list(self.client.get_monitoring_history(self.task_id))
        self.groups, self.times = group_history(history), batch_times(history)
        keep = self.quantity.value
        options = list(self.groups)
        self.empty.value = "" if options else "<i>No production batch analysed yet.</i>"
        self.quantity.layout.display = "" if options else "none"
        with self.quiet():  # one drawing below, not one per widget change
            self.quantity.options = options
            if options:
                self.quantity.value = keep if keep in options else options[0]
        self.draw()
        return None

    def draw(self) -> None:
        """Redraw the selected quantity's chart and refill the feature choices."""
        points, title, times = self.points, self.quantity.value, self._times()
        self.picture(self.chart, (lambda: history_chart(points, title, times)) if points else None)
        self.calibration.value = _note(calibration_text(points))
        names = sorted({f.feature for p in points for f in p.features if feature_score(f) is not None})
        keep = self.feature.value
        with self.quiet():
            self.feature.options = names
            if names:
                self.feature.value = keep if keep in names else names[0]
        self.feature.layout.display = "" if names else "none"
        self.feature_note.value = "" if names or not points else _note(
            f"{self.quantity.value} is measured on each batch as a whole: it has no per-feature test to drill "
            "into.")
        self.features.value = _features_table(points[-1])._repr_html_() if points and names else ""
        self.draw_feature()

    def draw_feature(self) -> None:
        """Redraw the drill-down chart of the selected feature (hidden when there is none)."""
        points, feature, times = self.points, self.feature.value, self._times()
        shown = bool(feature) and bool(self.feature.options)
        self.picture(self.feature_chart, (lambda: feature_chart(points, feature, times)) if shown else None)

    def html(self) -> str:
        rows = ([label, len(points), f"{points[-1].statistic:.4g}", badge(points[-1].status)]
                for label, points in self.groups.items())
        return Table(["Quantity", "Batches", "Latest statistic", "Status"], rows, title="Drift history",
                     empty="no production batch analysed yet")._repr_html_()
