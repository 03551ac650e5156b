"""Rich display shared by the magics and panels: status badges, tables that render as HTML and as text.

Every object here has ``_repr_html_`` (Jupyter, nbviewer, GitHub) and a plain ``__repr__`` (a terminal,
plain IPython), and uses inline styles only: nothing is fetched, so it renders offline.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from pydantic import BaseModel
from tabulate import tabulate

from mlcube_nb.exceptions import SDKClientException
from mlcube_nb.models import DetectionEvent, MonitoringHistoryPoint, MonitoringQuantityStatus

__all__ = ["Html", "STATUS_STYLE", "Table", "badge", "error_text", "model_html", "nowrap", "quantity_label",
           "short_id", "status_text", "when", "when_cell"]

def error_text(err: BaseException) -> str:
    """One line for the user: the platform's code and message, or the exception's type and text."""
    if isinstance(err, SDKClientException):
        return f"{err.error_code}: {err.error_message}".splitlines()[0]
    return f"{type(err).__name__}: {err}".splitlines()[0]


STATUS_STYLE = {
    "ok": ("#e6f4ea", "#1e6b34"),
    "warning": ("#fff4e0", "#9a5200"),
    "drift": ("#fde7e7", "#a31515"),
}
"""Background and text colour of each status badge."""

_TABLE_STYLE = "border-collapse:collapse;font-size:12px;margin:4px 0"
_CELL_STYLE = "border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top"
_ONE_LINE, _WRAPS = "white-space:nowrap", "white-space:normal"


class Html(str):
    """Text that is already HTML (badges, links): table cells holding it are not escaped.

    ``text`` is its plain form, used by terminal tables.
    """

    text: str

    def __new__(cls, markup: str, text: str = "") -> Html:
        obj = super().__new__(cls, markup)
        obj.text = text or markup
        return obj


def _value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def when(value: datetime | float | str | None) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM:SS`` UTC (datetimes, epoch seconds or ISO text); blank for None."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        moment = datetime.fromtimestamp(float(value), tz=timezone.utc)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def nowrap(text: str, *, title: str | None = None) -> Html:
    """A cell that stays on one line (dates, ids); ``title`` is shown on hover; the terminal form is *text*."""
    hover = f" title='{html.escape(title)}'" if title else ""
    return Html(f"<span style='white-space:nowrap'{hover}>{html.escape(text)}</span>", text)


def when_cell(value: datetime | float | str | None) -> Html | str:
    """A timestamp cell on one line (see :func:`when`); blank for None."""
    text = when(value)
    return nowrap(text) if text else ""


def short_id(identifier: str | None) -> Html | str:
    """An id cut to 8 characters in HTML with the whole id on hover; the terminal form keeps the whole id, which a
    terminal table has room for and people copy (``.df`` always has whole ids)."""
    if not identifier:
        return ""
    shown = identifier[:8]
    markup = (f"<code class='mlcube-id' title='{html.escape(identifier)}' style='white-space:nowrap;font-size:11px'>"
              f"{html.escape(shown)}</code>")
    return Html(markup, identifier)


def status_text(status: Any) -> str:
    """A status as its upper-case word (OK / WARNING / DRIFT); blank for None."""
    return "" if status is None else str(_value(status)).upper()


def badge(status: Any, label: str | None = None) -> Html:
    """A coloured OK / WARNING / DRIFT badge (``mlcube-badge`` and ``data-status`` mark it in the page);
    ``label`` replaces the word shown (an event type coloured by what it means)."""
    word = str(_value(status) or "").lower()
    shown = label or word.upper() or "—"
    background, colour = STATUS_STYLE.get(word, ("#eee", "#333"))
    style = (f"background:{background};color:{colour};border:1px solid {colour};border-radius:9px;"
             "padding:1px 8px;font-weight:600;font-size:11px;font-family:sans-serif;white-space:nowrap")
    return Html(f"<span class='mlcube-badge mlcube-badge-{html.escape(word)}' data-status='{html.escape(word)}' "
                f"style='{style}'>{html.escape(shown)}</span>", shown)


def quantity_label(item: MonitoringQuantityStatus | MonitoringHistoryPoint | DetectionEvent) -> str:
    """What a status, history point or event is about: ``input``, ``error · log_likelihood``, ``accuracy``."""
    target = _value(getattr(item, "monitoring_target", None))
    metric = _value(getattr(item, "monitoring_metric", None))
    evaluation = _value(getattr(item, "monitoring_evaluation_metric", None))
    if target is None:
        return f"evaluation · {evaluation}" if evaluation else "—"
    label = f"{target} · {metric}" if metric else str(target)
    specification = getattr(item, "specification", None)
    return f"{label} ({specification})" if specification else label


def _cell_html(value: Any) -> str:
    if isinstance(value, Html):
        return str(value)
    value = _value(value)
    return "" if value is None else html.escape(str(value))


def _cell_text(value: Any) -> Any:
    if isinstance(value, Html):
        return value.text
    value = _value(value)
    return "" if value is None else value


class Table:
    """Rows under headers, shown as an HTML table in Jupyter and as a ``tabulate`` table in a terminal."""

    def __init__(self, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "",
                 css_class: str = "mlcube-table", empty: str = "nothing yet", wrap: Sequence[str] = ()) -> None:
        self.headers = list(headers)
        self.rows = [list(row) for row in rows]
        self.title, self.css_class, self.empty = title, css_class, empty
        self.wrap = set(wrap)  # the columns whose text may wrap (free text); every other cell stays on one line

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        head = f"{self.title}\n" if self.title else ""
        if not self.rows:
            return f"{head}({self.empty})"
        return head + tabulate([[_cell_text(v) for v in row] for row in self.rows], headers=self.headers)

    def _repr_html_(self) -> str:
        head = f"<div style='font-weight:600;margin-top:6px'>{html.escape(self.title)}</div>" if self.title else ""
        if not self.rows:
            return f"{head}<div class='{self.css_class}' style='color:#777'><i>{html.escape(self.empty)}</i></div>"
        styles = [f"{_CELL_STYLE};{_WRAPS if h in self.wrap else _ONE_LINE}" for h in self.headers]
        header = "".join(f"<th style='{style}'>{html.escape(h)}</th>" for h, style in zip(self.headers, styles,
                                                                                          strict=True))
        body = "".join("<tr>" + "".join(f"<td style='{style}'>{_cell_html(v)}</td>" for v, style in zip(row, styles,
                                                                                                      strict=False))
                       + "</tr>" for row in self.rows)
        return (f"{head}<table class='{self.css_class}' style='{_TABLE_STYLE}'><thead><tr>{header}</tr></thead>"
                f"<tbody>{body}</tbody></table>")


def model_html(model: BaseModel) -> str:
    """One of our wire models as a two-column field / value table; statuses as badges, times in UTC."""
    rows = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name == "status" or (name.endswith("_status") and not isinstance(value, list)):
            value = badge(value) if value is not None else None
        elif isinstance(value, datetime):
            value = when(value)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            value = f"{len(value)} × {type(value[0]).__name__}"
        elif isinstance(value, BaseModel):
            value = type(value).__name__
        rows.append([name, value])
    return Table(["field", "value"], rows, title=type(model).__name__, css_class="mlcube-model")._repr_html_()
