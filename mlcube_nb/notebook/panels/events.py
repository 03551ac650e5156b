"""The Detection events tab: the newest events first, with 👍 / 👎 buttons on drift events that record
whether the drift was expected (``set_detection_event_user_feedback``).

The buttons come right after the event (before the wide columns) so they stay in view at 1280 px with the
sidebar open; the chosen one is coloured and the columns have fixed widths, so nothing moves on a click."""

from __future__ import annotations

import html

import ipywidgets as widgets

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.enums import DetectionEventType
from mlcube_nb.models import DetectionEvent
from mlcube_nb.notebook.display import badge, quantity_label, when
from mlcube_nb.notebook.panels.base import PanelTab, SharedReads, run_guarded
from mlcube_nb.notebook.views import event_status, events_table, feedback_text

__all__ = ["EventsTab"]

_HEADERS = ["Raised (UTC)", "Event", "", "", "Feedback", "Severity", "Quantity", "Model", "Sample"]
_COLUMNS = "max-content max-content 36px 36px 96px max-content minmax(110px, max-content) max-content max-content"
# Font Awesome (bundled with Jupyter) draws the thumbs where no emoji font is installed (Debian's chromium).
_ICON = {True: "<i class='fa fa-thumbs-up'></i>", False: "<i class='fa fa-thumbs-down'></i>"}
_CHOSEN = {True: "success", False: "danger"}  # button_style of the feedback given


def _cell(text: str, *, bold: bool = False, wraps: bool = False) -> widgets.HTML:
    weight = "font-weight:600;" if bold else ""
    space = "normal" if wraps else "nowrap"
    return widgets.HTML(f"<span style='{weight}font-size:12px;white-space:{space}'>{html.escape(text)}</span>")


def _feedback(given: bool | None) -> str:
    """The feedback cell's markup: the thumb icon and the word (blank when none was given)."""
    if given is None:
        return ""
    word = html.escape(feedback_text(given).split(" ", 1)[1])
    return f"<span style='font-size:12px;white-space:nowrap'>{_ICON[given]} {word}</span>"


def _mark(up: widgets.Button, down: widgets.Button, given: bool | None) -> None:
    """Colour the button of the feedback given (green 👍 / red 👎), leave the other plain."""
    up.button_style = _CHOSEN[True] if given is True else ""
    down.button_style = _CHOSEN[False] if given is False else ""


class EventsTab(PanelTab):
    """A grid of the task's detection events; drift events take feedback through their buttons."""

    title = "Detection events"

    def __init__(self, client: ML3PlatformClient, task_id: str, limit: int = 50,
                 reads: SharedReads | None = None) -> None:
        self.limit = limit
        self.events: list[DetectionEvent] = []
        self.feedback_cells: dict[str, widgets.HTML] = {}
        self.buttons: dict[str, tuple[widgets.Button, widgets.Button]] = {}
        self.caption = widgets.HTML()
        self.grid = widgets.GridBox(layout=widgets.Layout(
            grid_template_columns=_COLUMNS, grid_gap="2px 10px", align_items="center"))
        self.grid.add_class("mlcube-events")
        super().__init__(client, task_id, widgets.VBox([self.caption, self.grid]), reads)

    def load(self) -> str | None:
        self.events = sorted(self.reads.events(), key=lambda e: e.insert_datetime,
                             reverse=True)
        shown = self.events[: self.limit]
        self.caption.value = (f"<i>{len(self.events)} events"
                              + (f", newest {self.limit} shown" if len(self.events) > self.limit else "")
                              + f" — {_ICON[True]} the drift was expected, {_ICON[False]} it was not</i>" if self.events
                              else "<i>No detection events yet.</i>")
        cells: list[widgets.Widget] = [_cell(h, bold=True) for h in _HEADERS] if shown else []
        self.feedback_cells, self.buttons = {}, {}
        for event in shown:
            cells.extend(self._row(event))
        self.grid.children = cells
        return None

    def _row(self, event: DetectionEvent) -> list[widgets.Widget]:
        kind = widgets.HTML(badge(event_status(event), event.event_type.value))
        model = f"{event.model_name}@{event.model_version}" if event.model_name else ""
        feedback = widgets.HTML(_feedback(event.user_feedback))
        self.feedback_cells[event.event_id] = feedback
        rest = [feedback, _cell(event.severity_type.value if event.severity_type else ""),
                _cell(quantity_label(event), wraps=True), _cell(model), _cell(event.sample_customer_id)]
        start: list[widgets.Widget] = [_cell(when(event.insert_datetime)), kind]
        if event.event_type != DetectionEventType.DRIFT_ON:
            return [*start, _cell(""), _cell(""), *rest]
        # Font Awesome icons (bundled with Jupyter) draw 👍 / 👎 even where no emoji font is installed.
        up = widgets.Button(icon="thumbs-up", tooltip="I expected this drift", layout={"width": "34px"})
        down = widgets.Button(icon="thumbs-down", tooltip="I did not expect this drift", layout={"width": "34px"})
        _mark(up, down, event.user_feedback)
        up.on_click(lambda button, e=event.event_id: self.give_feedback(e, True, button))
        down.on_click(lambda button, e=event.event_id: self.give_feedback(e, False, button))
        self.buttons[event.event_id] = (up, down)
        return [*start, up, down, *rest]

    def give_feedback(self, event_id: str, expected: bool, button: widgets.Button | None = None) -> bool:
        """Send the feedback on one event and show it in its row; errors appear in the tab."""
        def send() -> str:
            self.client.set_detection_event_user_feedback(event_id, expected)
            self.feedback_cells[event_id].value = _feedback(expected)
            if event_id in self.buttons:
                _mark(*self.buttons[event_id], expected)
            self.events = [e.model_copy(update={"user_feedback": expected}) if e.event_id == event_id else e
                           for e in self.events]  # the static HTML and text forms show it too
            return f"Feedback saved: event {event_id[:8]} was {'expected' if expected else 'unexpected'}."

        return run_guarded(button, self.out, self.message, send)

    def html(self) -> str:
        return events_table(self.events, self.limit)._repr_html_()
