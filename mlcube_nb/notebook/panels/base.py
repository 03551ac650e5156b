"""What every panel tab shares: a message line for errors, a guarded refresh, and guarded button callbacks.

A tab is an ``ipywidgets.VBox`` whose children are set once (message line, output, body); ``refresh()``
reloads its data from the client and shows any error inside the tab instead of raising, so one failing
call never breaks the panel.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from IPython.display import clear_output

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.exceptions import SDKClientException

__all__ = ["PanelTab", "error_text", "run_guarded"]

_ERROR_STYLE = "color:#a31515;background:#fde7e7;padding:3px 8px;border-radius:4px;font-size:12px"
_INFO_STYLE = "color:#1e4d8c;background:#e8f0fb;padding:3px 8px;border-radius:4px;font-size:12px"


def error_text(err: BaseException) -> str:
    """One line for the user: the platform's code and message, or the exception's type and text."""
    if isinstance(err, SDKClientException):
        return f"{err.error_code}: {err.error_message}".splitlines()[0]
    return f"{type(err).__name__}: {err}".splitlines()[0]


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


class PanelTab(widgets.VBox):
    """Base of the panel's tabs: ``title``, a message line, an output for callbacks, and ``body``."""

    title = "Tab"

    def __init__(self, client: ML3PlatformClient, task_id: str, body: widgets.Widget, **kwargs: Any) -> None:
        self.client, self.task_id = client, task_id
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

    def html(self) -> str:
        """The tab's content as static HTML (what the panel shows where widgets do not render)."""
        return ""
