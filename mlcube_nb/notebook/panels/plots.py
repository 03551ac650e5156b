"""Drift-history charts as PNG bytes (matplotlib's Agg canvas, no pyplot state): they render offline and
in a test as well as in Jupyter.

Each chart says what its y-axis is (``−log10 p, higher = more drift``, or the metric and which way is worse),
draws every batch's own warning and drift levels and labels them on the right-hand axis, puts the batch's time
under its number, and has a legend for the OK / WARNING / DRIFT dot colours below the plot, where it covers
no point.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from matplotlib import rcParams
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.markers import TICKDOWN
from matplotlib.ticker import FixedLocator, FuncFormatter

from mlcube_nb.models import FeatureStatistic, MonitoringHistoryPoint
from mlcube_nb.notebook.display import STATUS_STYLE

__all__ = ["Series", "feature_chart", "feature_score", "feature_series", "history_chart", "levels_are_p_values",
           "new_figure", "png", "quantity_series"]

_P_FLOOR = 1e-300  # −log10 reaches 300: the chart is never capped below what the statistic itself says
_WIDTH, _DPI = 8.6, 90


def new_figure(width: float, height: float) -> Figure:
    """A figure on an Agg canvas from the start: ``tight_layout`` then measures text with the renderer that
    draws it (its text-size cache is kept for the drawing), not with a throw-away one."""
    figure = Figure(figsize=(width, height), dpi=_DPI)
    FigureCanvasAgg(figure)
    return figure


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes (drawn on its Agg canvas)."""
    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    canvas.print_png(buffer)
    return buffer.getvalue()


def _colour(status: str) -> str:
    return STATUS_STYLE.get(status, ("#eee", "#555"))[1]


def levels_are_p_values(point: MonitoringHistoryPoint) -> bool:
    """Whether the point's statistic is ``-log10(p)``, so its levels also apply to each feature's p-value."""
    return point.p_value is not None and math.isclose(
        point.statistic, -math.log10(max(point.p_value, _P_FLOOR)), rel_tol=1e-6, abs_tol=1e-9)


def feature_score(feature: FeatureStatistic) -> float | None:
    """A feature's drift score: ``-log10`` of its (adjusted) p-value, else its raw statistic."""
    p = feature.adjusted_p_value if feature.adjusted_p_value is not None else feature.p_value
    if p is not None:
        return -math.log10(max(p, _P_FLOOR))
    return feature.statistic


@dataclass(frozen=True)
class Series:
    """What one chart draws: a value, decision and levels per batch (None where a batch has no value)."""

    title: str
    ylabel: str
    xs: list[int]
    times: list[float | None]
    values: list[float | None]
    decisions: list[str]
    warning: list[float | None]
    drift: list[float | None]
    log_candidate: bool  # −log10 p values: a symmetric-log axis when they dwarf the levels


def _direction(point: MonitoringHistoryPoint) -> str:
    return "lower = worse" if point.drift_level < point.warning_level else "higher = worse"


def quantity_series(points: Sequence[MonitoringHistoryPoint], title: str,
                    times: Sequence[float | None] | None = None) -> Series:
    """The chart of a quantity: its statistic per batch, with each batch's own levels."""
    first = points[0]
    p_values = all(levels_are_p_values(p) for p in points)
    if p_values:
        ylabel = "−log10 p\n(higher = more drift)"
    elif first.monitoring_evaluation_metric is not None:
        ylabel = f"{first.monitoring_evaluation_metric.value}\n({_direction(first)})"
    else:
        ylabel = f"{first.test} statistic\n({_direction(first)})"
    return Series(title=f"{title} — {first.test}", ylabel=ylabel, xs=list(range(1, len(points) + 1)),
                  times=list(times) if times is not None else [p.sample_timestamp for p in points],
                  values=[p.statistic for p in points], decisions=[str(p.decision.value) for p in points],
                  warning=[p.warning_level for p in points], drift=[p.drift_level for p in points],
                  log_candidate=p_values)


def feature_series(points: Sequence[MonitoringHistoryPoint], feature: str,
                   times: Sequence[float | None] | None = None) -> Series:
    """The drill-down of one feature, uncapped. When the platform calibrated the feature (its own warning and
    drift levels, in units of its test statistic), the chart draws that statistic against those levels;
    otherwise ``−log10`` of its adjusted p-value against the quantity's p-value levels (when they are)."""
    found = [next((f for f in point.features if f.feature == feature), None) for point in points]
    own = any(getattr(f, "drift_level", None) is not None for f in found if f is not None)
    tests = sorted({f.test for f in found if f is not None})
    values: list[float | None] = []
    warning: list[float | None] = []
    drift: list[float | None] = []
    for point, stat in zip(points, found, strict=True):
        if own:
            values.append(stat.statistic if stat is not None else None)
            warning.append(getattr(stat, "warning_level", None))
            drift.append(getattr(stat, "drift_level", None))
            continue
        values.append(feature_score(stat) if stat is not None else None)
        shared = levels_are_p_values(point)
        warning.append(point.warning_level if shared else None)
        drift.append(point.drift_level if shared else None)
    with_p = any(f is not None and (f.adjusted_p_value is not None or f.p_value is not None) for f in found)
    if own:
        ylabel = f"{', '.join(tests)} statistic\n(higher = more drift)"
    else:
        ylabel = "−log10 adjusted p\n(higher = more drift)" if with_p else "statistic\n(higher = more drift)"
    return Series(title=f"feature {feature}" + (f" — {', '.join(tests)}" if tests else ""), ylabel=ylabel,
                  xs=list(range(1, len(points) + 1)),
                  times=list(times) if times is not None else [p.sample_timestamp for p in points],
                  values=values, decisions=[str(f.decision.value) if f is not None else "ok" for f in found],
                  warning=warning, drift=drift, log_candidate=with_p and not own)


def _x_labels(xs: Sequence[int], times: Sequence[float | None]) -> list[str]:
    step = max(1, math.ceil(len(xs) / 12))  # at most a dozen labels, so they never overlap
    labels = []
    for index, (x, stamp) in enumerate(zip(xs, times, strict=True)):
        if index % step and index != len(xs) - 1:
            labels.append("")
            continue
        moment = datetime.fromtimestamp(stamp, tz=timezone.utc).strftime("%m-%d\n%H:%M") if stamp else ""
        labels.append(f"#{x}\n{moment}" if moment else f"#{x}")
    return labels


def _x_ticks(axes: Axes, series: Series) -> None:
    """A tick at every batch, a label at most at a dozen: the labelled ones are the axis's ticks; the marks of
    the others are one line of tick-shaped markers (a matplotlib Tick per batch costs ~2 ms to lay out and draw)."""
    labels = _x_labels(series.xs, series.times)
    shown = [(x, label) for x, label in zip(series.xs, labels, strict=True) if label]
    axes.set_xticks([x for x, _ in shown], labels=[label for _, label in shown], fontsize=8)
    rest = [x for x, label in zip(series.xs, labels, strict=True) if not label]
    if rest:
        size, width = rcParams["xtick.major.size"], rcParams["xtick.major.width"]
        axes.plot(rest, [0.0] * len(rest), transform=axes.get_xaxis_transform(), linestyle="", marker=TICKDOWN,
                  markersize=size, markeredgewidth=width, color=rcParams["xtick.color"], clip_on=False, zorder=0)


def _levels(axes: Axes, series: Series) -> list[tuple[str, float]]:
    """Each batch's warning and drift levels as steps; returns the newest batch's levels (for the ticks)."""
    newest: list[tuple[str, float]] = []
    for name, levels in (("warning", series.warning), ("drift", series.drift)):
        pairs = [(x, v) for x, v in zip(series.xs, levels, strict=True) if v is not None]
        if not pairs:
            continue
        xs, values = zip(*pairs, strict=True)
        if len(xs) == 1:
            axes.hlines(values, xs[0] - 0.4, xs[0] + 0.4, colors=_colour(name), linestyles="--")
        else:
            axes.step(xs, values, where="mid", color=_colour(name), linestyle="--", linewidth=1.2)
        newest.append((name, values[-1]))
    return newest


def _scale(axes: Axes, series: Series, newest: list[tuple[str, float]]) -> None:
    """A symmetric-log axis when −log10 p values dwarf the levels (ticks at 0, 1, 10, 100…, labelled), so both
    a 250 and the level at 2 stay readable; the levels are labelled on the right-hand axis."""
    values = [v for v in series.values if v is not None]
    top = max((v for _, v in newest), default=0.0)
    if series.log_candidate and top > 0 and values and max(values) > 10 * top and min(values) >= 0:
        axes.set_yscale("symlog", linthresh=top)
        ticks = [0.0, *[10.0 ** k for k in range(0, int(math.log10(max(values))) + 1)]]
        axes.yaxis.set_major_locator(FixedLocator(ticks))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        axes.yaxis.set_minor_locator(FixedLocator([]))
    top_value = max((v for _, v in newest), default=0.0)
    for name, value in newest:  # a tick and a label at each level on the right edge; the higher one goes up
        up = 4 if value == top_value and len(newest) > 1 else -4 if len(newest) > 1 else 0
        axes.annotate(f"— {name} {value:.3g}", xy=(1.0, value), xycoords=("axes fraction", "data"),
                      xytext=(2, up), textcoords="offset points", va="center", fontsize=8, color=_colour(name),
                      annotation_clip=False)


def _legend(axes: Axes, series: Series) -> None:
    marks = [Line2D([], [], marker="o", linestyle="", color=_colour(s), label=s.upper())
             for s in ("ok", "warning", "drift")]
    lines = [Line2D([], [], linestyle="--", color=_colour(n), label=f"{n} level")
             for n, levels in (("warning", series.warning), ("drift", series.drift)) if any(v is not None
                                                                                          for v in levels)]
    axes.figure.legend(handles=[*marks, *lines], fontsize=8, ncol=5, loc="lower center", frameon=False)


def _draw(series: Series, height: float) -> bytes:
    figure = new_figure(_WIDTH, height)
    axes = figure.add_subplot()
    drawn = [(x, v, d) for x, v, d in zip(series.xs, series.values, series.decisions, strict=True) if v is not None]
    if drawn:
        xs, values, decisions = zip(*drawn, strict=True)
        axes.plot(xs, values, color="#777", linewidth=1, zorder=1)
        axes.scatter(xs, values, c=[_colour(d) for d in decisions], s=30, zorder=3)
    newest = _levels(axes, series)
    _scale(axes, series, newest)
    _x_ticks(axes, series)
    axes.set_xlim(0.5, len(series.xs) + 0.5)
    axes.set_xlabel("production batch and the time of its newest sample (UTC)", fontsize=9)
    axes.set_ylabel(series.ylabel, fontsize=9)
    axes.set_title(series.title, fontsize=10, loc="left")
    axes.grid(axis="y", color="#eee")
    _legend(axes, series)
    figure.tight_layout(rect=(0, 0.09, 0.92, 1))  # room for the legend below and the level labels on the right
    return png(figure)


def history_chart(points: Sequence[MonitoringHistoryPoint], title: str,
                  times: Sequence[float | None] | None = None) -> bytes:
    """The quantity's statistic per batch, coloured by decision, with each batch's warning and drift levels."""
    return _draw(quantity_series(points, title, times), 3.6)


def feature_chart(points: Sequence[MonitoringHistoryPoint], feature: str,
                  times: Sequence[float | None] | None = None) -> bytes:
    """One feature's drift score per batch, uncapped, with its own levels (see :func:`feature_series`)."""
    return _draw(feature_series(points, feature, times), 3.3)
