"""Drift-history charts as PNG bytes (matplotlib's Agg canvas, no pyplot state): they render offline and
in a test as well as in Jupyter."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mlcube_nb.models import FeatureStatistic, MonitoringHistoryPoint
from mlcube_nb.notebook.display import STATUS_STYLE

__all__ = ["feature_chart", "feature_score", "history_chart", "levels_are_p_values"]

_P_FLOOR = 1e-12


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
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


def _draw_levels(axes: Axes, xs: Sequence[int], warning: Sequence[float], drift: Sequence[float]) -> None:
    axes.step(xs, warning, where="mid", color=_colour("warning"), linestyle="--", label="warning level")
    axes.step(xs, drift, where="mid", color=_colour("drift"), linestyle="--", label="drift level")


def _scale(axes: Axes, values: Sequence[float], levels: Sequence[float]) -> None:
    """A symmetric-log axis when the statistic dwarfs the levels, so the levels stay visible."""
    top = max(levels, default=0.0)
    if top > 0 and values and max(values) > 10 * top and min(values) >= 0:
        axes.set_yscale("symlog", linthresh=top)


def history_chart(points: Sequence[MonitoringHistoryPoint], title: str) -> bytes:
    """The quantity's statistic per batch, coloured by decision, with its warning and drift levels."""
    figure = Figure(figsize=(7.5, 3.0), dpi=90)
    axes = figure.add_subplot()
    xs = list(range(1, len(points) + 1))
    axes.plot(xs, [p.statistic for p in points], color="#555", linewidth=1, zorder=1)
    axes.scatter(xs, [p.statistic for p in points], c=[_colour(str(p.decision.value)) for p in points], zorder=2,
                 s=28)
    _draw_levels(axes, xs, [p.warning_level for p in points], [p.drift_level for p in points])
    _scale(axes, [p.statistic for p in points], [p.drift_level for p in points])
    axes.set_xlabel("production batch")
    axes.set_ylabel(f"statistic ({points[0].test})" if points else "statistic")
    axes.set_title(title, fontsize=10)
    axes.set_xticks(xs)
    axes.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    return _png(figure)


def feature_chart(points: Sequence[MonitoringHistoryPoint], feature: str) -> bytes:
    """One feature's drift score per batch; the quantity's levels are drawn when they are p-value levels."""
    figure = Figure(figsize=(7.5, 2.6), dpi=90)
    axes = figure.add_subplot()
    xs, scores, colours = [], [], []
    for index, point in enumerate(points, start=1):
        found = next((f for f in point.features if f.feature == feature), None)
        score = feature_score(found) if found else None
        if found is not None and score is not None:
            xs.append(index)
            scores.append(score)
            colours.append(_colour(str(found.decision.value)))
    axes.plot(xs, scores, color="#555", linewidth=1, zorder=1)
    axes.scatter(xs, scores, c=colours, s=28, zorder=2)
    if points and all(levels_are_p_values(p) for p in points):
        every = list(range(1, len(points) + 1))
        _draw_levels(axes, every, [p.warning_level for p in points], [p.drift_level for p in points])
        _scale(axes, scores, [p.drift_level for p in points])
        axes.set_ylabel("-log10 adjusted p")
        axes.legend(fontsize=8, loc="upper left")
    else:
        axes.set_ylabel("statistic")
    axes.set_xlabel("production batch")
    axes.set_title(f"feature {feature}", fontsize=10)
    axes.set_xticks(list(range(1, len(points) + 1)))
    figure.tight_layout()
    return _png(figure)
