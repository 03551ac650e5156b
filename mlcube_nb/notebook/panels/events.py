"""The Detection events tab: the newest events first, with 👍 / 👎 buttons on drift events that record
whether the drift was expected (``set_detection_event_user_feedback``)."""

from __future__ import annotations

import html

import ipywidgets as widgets

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.enums import DetectionEventType
from mlcube_nb.models import DetectionEvent
from mlcube_nb.notebook.display import badge, quantity_label, when
from mlcube_nb.notebook.panels.base import PanelTab, run_guarded
from mlcube_nb.notebook.views import events_table, feedback_text

__all__ = ["EventsTab"]

_HEADERS = ["Raised (UTC)", "Event", "Severity", "Quantity", "Model", "Sample", "Feedback", "", ""]
_EVENT_COLOUR = {"drift_on": "drift", "warning_on": "warning", "drift_off": "ok", "warning_off": "ok"}


def _cell(text: str, *, bold: bool = False) -> widgets.HTML:
    weight = "font-weight:600;" if bold else ""
    return widgets.HTML(f"<span style='{weight}font-size:12px'>{html.escape(text)}</span>")


class EventsTab(PanelTab):
    """A grid of the task's detection events; drift events take feedback through their buttons."""

    title = "Detection events"

    def __init__(self, client: ML3PlatformClient, task_id: str, limit: int = 50) -> None:
        self.limit = limit
        self.events: list[DetectionEvent] = []
        self.feedback_cells: dict[str, widgets.HTML] = {}
        self.buttons: dict[str, tuple[widgets.Button, widgets.Button]] = {}
        self.caption = widgets.HTML()
        self.grid = widgets.GridBox(layout=widgets.Layout(
            grid_template_columns="repeat(7, max-content) 44px 44px", grid_gap="2px 12px", align_items="center"))
        self.grid.add_class("mlcube-events")
        super().__init__(client, task_id, widgets.VBox([self.caption, self.grid]))

    def load(self) -> str | None:
        self.events = sorted(self.client.get_detection_events(self.task_id), key=lambda e: e.insert_datetime,
                             reverse=True)
        shown = self.events[: self.limit]
        self.caption.value = (f"<i>{len(self.events)} events"
                              + (f", newest {self.limit} shown" if len(self.events) > self.limit else "")
                              + " — 👍 the drift was expected, 👎 it was not</i>" if self.events
                              else "<i>No detection events yet.</i>")
        cells: list[widgets.Widget] = [_cell(h, bold=True) for h in _HEADERS] if shown else []
        self.feedback_cells, self.buttons = {}, {}
        for event in shown:
            cells.extend(self._row(event))
        self.grid.children = cells
        return None

    def _row(self, event: DetectionEvent) -> list[widgets.Widget]:
        kind = widgets.HTML(badge(_EVENT_COLOUR.get(event.event_type.value, "ok"), event.event_type.value))
        model = f"{event.model_name}@{event.model_version}" if event.model_name else ""
        feedback = _cell(feedback_text(event.user_feedback))
        self.feedback_cells[event.event_id] = feedback
        row: list[widgets.Widget] = [_cell(when(event.insert_datetime)), kind,
                                     _cell(event.severity_type.value if event.severity_type else ""),
                                     _cell(quantity_label(event)), _cell(model), _cell(event.sample_customer_id),
                                     feedback]
        if event.event_type != DetectionEventType.DRIFT_ON:
            return [*row, _cell(""), _cell("")]
        # Font Awesome icons (bundled with Jupyter) draw 👍 / 👎 even where no emoji font is installed.
        up = widgets.Button(icon="thumbs-up", tooltip="👍 I expected this drift", layout={"width": "40px"})
        down = widgets.Button(icon="thumbs-down", tooltip="👎 I did not expect this drift", layout={"width": "40px"})
        up.on_click(lambda button, e=event.event_id: self.give_feedback(e, True, button))
        down.on_click(lambda button, e=event.event_id: self.give_feedback(e, False, button))
        self.buttons[event.event_id] = (up, down)
        return [*row, up, down]

    def give_feedback(self, event_id: str, expected: bool, button: widgets.Button | None = None) -> bool:
        """Send the feedback on one event and show it in its row; errors appear in the tab."""
        def send() -> str:
            self.client.set_detection_event_user_feedback(event_id, expected)
            self.feedback_cells[event_id].value = _cell(feedback_text(expected)).value
            return f"Feedback saved: event {event_id[:8]} was {'expected' if expected else 'unexpected'}."

        return run_guarded(button, self.out, self.message, send)

    def html(self) -> str:
        return events_table(self.events, self.limit)._repr_html_()
