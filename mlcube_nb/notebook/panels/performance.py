"""Estimated vs realised performance per production batch: the chart, the static view and the panel tab.

For one model and metric the chart draws the label-free estimate per batch (dots coloured by its OK / WARNING
/ DRIFT status) inside its band, the realised value once the batch's targets arrived (black crosses), the
reference's value and each batch's warning and drift levels. :class:`PerformanceView` is what
``%mlcube performance MODEL`` shows; :class:`PerformanceTab` is the panel's Performance tab.
"""

from __future__ import annotations

import base64
import html
from collections import defaultdict
from collections.abc import Sequence

import ipywidgets as widgets
from matplotlib.lines import Line2D

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.enums import ErrorCode
from mlcube_nb.exceptions import SDKClientException
from mlcube_nb.models import EstimatedPerformance, Model
from mlcube_nb.notebook.display import STATUS_STYLE, Html, Table, badge, nowrap, when
from mlcube_nb.notebook.panels.base import PanelTab, SharedReads
from mlcube_nb.notebook.panels.plots import new_figure, png

__all__ = ["PerformanceTab", "PerformanceView", "by_metric", "performance_chart", "performance_table"]

ERROR_METRICS = {"mae", "rmse"}


def by_metric(items: Sequence[EstimatedPerformance]) -> dict[str, list[EstimatedPerformance]]:
    """Estimates grouped by metric, each oldest batch first."""
    groups: dict[str, list[EstimatedPerformance]] = defaultdict(list)
    for item in sorted(items, key=lambda i: (i.from_timestamp if i.from_timestamp is not None else 0.0,
                                             i.insert_datetime)):
        groups[item.metric_name.value].append(item)
    return dict(groups)


def performance_chart(items: Sequence[EstimatedPerformance], title: str) -> bytes:
    """PNG: estimate per batch with its band and status, the realised value, reference and levels."""
    figure = new_figure(8.6, 3.6)
    axes = figure.add_subplot()
    xs = list(range(1, len(items) + 1))
    if items:
        axes.fill_between(xs, [i.lower for i in items], [i.upper for i in items], color="#cfe0f5", alpha=0.7,
                          step=None, label="95 % band")
        axes.plot(xs, [i.estimated_value for i in items], color="#777", linewidth=1, zorder=2)
        axes.scatter(xs, [i.estimated_value for i in items], s=32, zorder=3,
                     c=[STATUS_STYLE.get(i.status.value, ("", "#555"))[1] for i in items])
        known = [(x, i.realized_value) for x, i in zip(xs, items, strict=True) if i.realized_value is not None]
        if known:
            axes.scatter([x for x, _ in known], [v for _, v in known], marker="x", color="black", s=40, zorder=4)
        reference = items[-1].reference_value
        if reference is not None:
            axes.axhline(reference, color="#1e6b34", linestyle=":", linewidth=1)
        for attr, colour in (("warning_level", STATUS_STYLE["warning"][1]), ("drift_level", STATUS_STYLE["drift"][1])):
            levels = [getattr(i, attr) for i in items]
            if all(v is not None for v in levels):
                axes.step(xs, levels, where="mid", color=colour, linestyle="--", linewidth=1)
    worse = "higher is worse" if title.split()[0] in ERROR_METRICS else "lower is worse"
    axes.set_ylabel(f"{title.split()[0]} ({worse})", fontsize=9)
    axes.set_xlabel("production batch", fontsize=9)
    axes.set_xticks(xs)
    axes.set_title(title, fontsize=10, loc="left")
    axes.grid(axis="y", color="#eee")
    handles = [Line2D([], [], color="#cfe0f5", linewidth=6, label="band"),
               Line2D([], [], marker="o", color="#777", label="estimate (colour = status)"),
               Line2D([], [], marker="x", linestyle="", color="black", label="realised"),
               Line2D([], [], linestyle=":", color="#1e6b34", label="reference"),
               Line2D([], [], linestyle="--", color=STATUS_STYLE["warning"][1], label="warning level"),
               Line2D([], [], linestyle="--", color=STATUS_STYLE["drift"][1], label="drift level")]
    axes.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=6, fontsize=7,
                frameon=False)
    figure.tight_layout(rect=(0, 0.08, 1, 1))
    return png(figure)


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _span(start: float | None, end: float | None) -> Html | str:
    """A batch's time range on one line in UTC minutes, ``2024-01-02 09:19 – 17:39`` (the end's date if it differs)."""
    if start is None or end is None:
        return "—"
    first, last = when(start)[:16], when(end)[:16]
    shown = f"{first} – {last[11:] if last[:10] == first[:10] else last}"
    return nowrap(shown, title=f"{when(start)} – {when(end)} UTC")


def performance_table(items: Sequence[EstimatedPerformance], title: str = "") -> Table:
    """One row per batch and metric: time range, rows, estimate and band, realised value, status."""
    rows = ([i.metric_name.value, _span(i.from_timestamp, i.to_timestamp), i.n_samples,
             _number(i.estimated_value), f"[{_number(i.lower)}, {_number(i.upper)}]", _number(i.realized_value),
             i.n_labelled, badge(i.status)] for i in items)
    return Table(["Metric", "Time range", "Rows", "Estimate", "Band", "Realised", "Labelled", "Status"], rows,
                 title=title, css_class="mlcube-performance", empty="no production batch estimated yet")


class PerformanceView:
    """A model's estimated vs realised performance, one chart per metric and the table (HTML and text)."""

    def __init__(self, model: Model, items: Sequence[EstimatedPerformance]) -> None:
        self.model, self.items = model, list(items)
        self.groups = by_metric(self.items)

    @property
    def df(self) -> object:
        """The estimates as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame([i.model_dump() for i in self.items])

    def _repr_html_(self) -> str:
        name = html.escape(f"{self.model.name}@{self.model.version}")
        charts = "".join(
            f"<img alt='{html.escape(metric)}' src='data:image/png;base64,"
            f"{base64.b64encode(performance_chart(points, f'{metric} of {name}')).decode()}'/>"
            for metric, points in self.groups.items())
        table = performance_table(self.items, f"Estimated performance of {name}")._repr_html_()
        return f"<div class='mlcube-performance-view'>{charts}{table}</div>"

    def __repr__(self) -> str:
        return repr(performance_table(self.items, f"Estimated performance of {self.model.name}@{self.model.version}"))


class PerformanceTab(PanelTab):
    """Pick a model and a metric: its estimate per batch with band and levels, and the realised value."""

    title = "Performance"

    def __init__(self, client: ML3PlatformClient, task_id: str, reads: SharedReads | None = None) -> None:
        self.items: dict[str, list[EstimatedPerformance]] = {}
        self.notes: dict[str, str] = {}
        self.model = widgets.Dropdown(description="Model", options=[], layout={"width": "440px"})
        self.metric = widgets.Dropdown(description="Metric", options=[], layout={"width": "440px"})
        self.chart = widgets.Image(format="png", layout={"max_width": "780px", "width": "100%"})
        self.note = widgets.HTML()
        self.table = widgets.HTML()
        super().__init__(client, task_id, widgets.VBox([self.model, self.metric, self.note, self.chart, self.table]),
                         reads)
        self.model.observe(self.when_chosen(self.pick_model), names="value")
        self.metric.observe(self.when_chosen(self.draw), names="value")

    def load(self) -> str | None:
        models = self.reads.models()
        self.items, self.notes = {}, {}
        for model in models:
            label = f"{model.name}@{model.version}"
            try:
                self.items[label] = list(self.client.get_estimated_performance(model.model_id))
            except SDKClientException as err:
                if err.error_code != ErrorCode.ESTIMATION_NOT_SUPPORTED:
                    raise
                self.items[label], self.notes[label] = [], err.error_message
        keep = self.model.value
        with self.quiet():  # one drawing below, not one per widget change
            self.model.options = list(self.items)
            if self.items:
                self.model.value = keep if keep in self.items else next(iter(self.items))
        self.pick_model()
        return None

    def pick_model(self) -> None:
        """Refill the metric choices for the selected model and redraw."""
        groups = by_metric(self.items.get(self.model.value or "", []))
        keep = self.metric.value
        with self.quiet():
            self.metric.options = list(groups)
            if groups:
                self.metric.value = keep if keep in groups else next(iter(groups))
        self.draw()

    def draw(self) -> None:
        """Redraw the chart and table of the selected model and metric."""
        label = self.model.value or ""
        points = by_metric(self.items.get(label, [])).get(self.metric.value or "", [])
        note = self.notes.get(label) or ("" if points else "No production batch estimated yet: the estimate "
                                                           "appears with the first batch after a reference.")
        self.note.value = f"<i>{html.escape(note)}</i>" if note else ""
        title = f"{self.metric.value} of {label}"
        self.picture(self.chart, (lambda: performance_chart(points, title)) if points else None)
        self.table.value = performance_table(points[-10:], "Latest batches")._repr_html_() if points else ""

    def html(self) -> str:
        rows = ([label, metric, len(points), _number(points[-1].estimated_value), _number(points[-1].realized_value),
                 badge(points[-1].status)]
                for label, items in self.items.items() for metric, points in by_metric(items).items())
        return Table(["Model", "Metric", "Batches", "Latest estimate", "Latest realised", "Status"], rows,
                     title="Estimated performance", empty="no production batch estimated yet")._repr_html_()
