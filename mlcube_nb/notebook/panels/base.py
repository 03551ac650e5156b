"""What every panel tab shares: a message line for errors, a guarded refresh, and guarded button callbacks.

A tab is an ``ipywidgets.VBox`` whose children are set once (message line, output, body); ``refresh()``
reloads its data from the client and shows any error inside the tab instead of raising, so one failing
call never breaks the panel.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
from IPython.display import clear_output

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.models import DetectionEvent, Model
from mlcube_nb.notebook.display import error_text

__all__ = ["PanelTab", "SharedReads", "error_text", "run_guarded"]

_ERROR_STYLE = "color:#a31515;background:#fde7e7;padding:3px 8px;border-radius:4px;font-size:12px"
_INFO_STYLE = "color:#1e4d8c;background:#e8f0fb;padding:3px 8px;border-radius:4px;font-size:12px"


def run_guarded(button: widgets.Button | None, out: widgets.Output, message: widgets.HTML,
                action: Callable[[], str | None]) -> bool:
    """Run a callback: disable the button, work in ``out``, show its result or error in ``message``,
    re-enable in ``finally``. Returns whether the action succeeded."""
    if button is not None:
        button.disabled = True
    try:
        with out:
            clear_output(wait=True)
            note = action()
        show(message, note)
        return True
    except Exception as err:  # noqa: BLE001 - every failure is shown in the panel, none escapes a callback
        show(message, error_text(err), error=True)
        return False
    finally:
        if button is not None:
            button.disabled = False


def show(message: widgets.HTML, text: str | None, *, error: bool = False) -> None:
    """Put a one-line note (blue) or error (red) in a message widget; None clears it."""
    if not text:
        message.value = ""
        return
    style = _ERROR_STYLE if error else _INFO_STYLE
    kind = "mlcube-error" if error else "mlcube-info"
    message.value = f"<div class='{kind}' style='{style}'>{html.escape(text)}</div>"


class SharedReads:
    """The reads several tabs make (the task's models, its detection events): inside ``round()`` each is
    fetched once and handed to every tab that asks (a failure too, so every tab shows it); outside a round every
    call goes to the platform."""

    def __init__(self, client: ML3PlatformClient, task_id: str) -> None:
        self.client, self.task_id = client, task_id
        self._lock = threading.Lock()
        self._depth = 0
        self._kept: dict[str, Any] = {}

    @contextmanager
    def round(self) -> Iterator[None]:
        """Share the reads made until the block ends (rounds nest; the outermost one forgets them)."""
        with self._lock:
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if not self._depth:
                    self._kept.clear()

    def _read(self, name: str, fetch: Callable[[], Any]) -> Any:
        with self._lock:
            sharing = self._depth > 0
            kept = self._kept.get(name)
        if not sharing:
            return fetch()
        if kept is None:
            try:
                kept = ("ok", fetch())
            except Exception as err:  # noqa: BLE001 - kept and raised to every tab that reads it
                kept = ("error", err)
            with self._lock:
                if self._depth:
                    self._kept[name] = kept
        if kept[0] == "error":
            raise kept[1]
        return kept[1]

    def models(self) -> list[Model]:
        """``get_models(task_id)``, oldest first as the platform lists them."""
        return list(self._read("models", lambda: list(self.client.get_models(self.task_id))))

    def events(self) -> list[DetectionEvent]:
        """``get_detection_events(task_id)``."""
        return list(self._read("events", lambda: list(self.client.get_detection_events(self.task_id))))


class PanelTab(widgets.VBox):
    """Base of the panel's tabs: ``title``, a message line, an output for callbacks, and ``body``. Tabs of one
    panel share ``reads`` (see :class:`SharedReads`); a tab built alone has its own."""

    title = "Tab"

    def __init__(self, client: ML3PlatformClient, task_id: str, body: widgets.Widget,
                 reads: SharedReads | None = None, **kwargs: Any) -> None:
        self.client, self.task_id = client, task_id
        self.reads = reads if reads is not None else SharedReads(client, task_id)
        self.shown = True  # a tab alone is on screen; the panel says which of its tabs is
        self._deferred: dict[str, tuple[widgets.Image, Callable[[], bytes]]] = {}
        self.message = widgets.HTML()
        self.out = widgets.Output()
        self.body = body
        super().__init__(children=[self.message, body, self.out], **kwargs)

    @property
    def error(self) -> str:
        """The error the tab currently shows (plain text), or an empty string."""
        value = self.message.value
        return html.unescape(value.split(">", 1)[1].rsplit("<", 1)[0]) if "mlcube-error" in value else ""

    def refresh(self) -> bool:
        """Reload the tab's data; any error is shown inside the tab. Returns whether it worked."""
        return run_guarded(None, self.out, self.message, self.load)

    def load(self) -> str | None:
        """Fetch and render the tab's data and return a note to show; each tab overrides it (here: nothing)."""
        return None

    def picture(self, image: widgets.Image, render: Callable[[], bytes] | None) -> None:
        """Put *render*'s PNG in *image*, or hide the image when there is nothing to draw. While the tab is not
        on screen the drawing waits for ``set_shown(True)`` (a chart costs ~0.1 s; most are never looked at),
        and the image stays hidden until it is drawn (no broken-image icon)."""
        self._deferred.pop(image.model_id, None)
        if render is None:
            image.value, image.layout.display = b"", "none"
        elif self.shown:
            image.value, image.layout.display = render(), ""
        else:
            image.layout.display = "none"
            self._deferred[image.model_id] = (image, render)

    @property
    def pending(self) -> int:
        """How many pictures wait for the tab to be shown."""
        return len(self._deferred)

    def set_shown(self, shown: bool) -> None:
        """The panel selected (or left) this tab: draw the pictures that waited, errors shown in the tab."""
        self.shown = shown
        if not shown or not self._deferred:
            return

        def draw() -> None:
            while self._deferred:
                _, (image, render) = self._deferred.popitem()
                image.value, image.layout.display = render(), ""

        run_guarded(None, self.out, self.message, draw)

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Set choice widgets without their observers redrawing (``load`` draws once, at the end)."""
        self._quiet = getattr(self, "_quiet", 0) + 1
        try:
            yield
        finally:
            self._quiet -= 1

    def when_chosen(self, action: Callable[[], None]) -> Callable[[object], None]:
        """An observer that runs *action* guarded when the user changes a choice (not while ``quiet``)."""
        def observer(_: object) -> None:
            if not getattr(self, "_quiet", 0):
                run_guarded(None, self.out, self.message, action)

        return observer

    def html(self) -> str:
        """The tab's content as static HTML (what the panel shows where widgets do not render)."""
        return ""
