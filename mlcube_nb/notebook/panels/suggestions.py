"""The Suggestions tab: the retraining suggestions of each model version, and a button that registers a
model retrained on a suggestion as a new version (``update_model_version_by_suggestion_id``); the job it
starts is handed to ``on_job_started`` (the panel follows it live and reloads Models when it is done)."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.enums import ErrorCode
from mlcube_nb.exceptions import NotFoundException
from mlcube_nb.models import Model, SuggestionInfo
from mlcube_nb.notebook.display import short_id, when
from mlcube_nb.notebook.panels.base import PanelTab, SharedReads, run_guarded
from mlcube_nb.notebook.views import suggestions_table

__all__ = ["SuggestionsTab", "next_version"]

_HEADERS = ["Suggestion", "Model", "Executed", "Computed (UTC)", "New version", ""]


def next_version(version: str) -> str:
    """A proposal for the version after *version*: ``v1`` → ``v2``, ``3`` → ``4``, else ``<version>-retrained``."""
    stem = version.rstrip("0123456789")
    digits = version[len(stem):]
    return f"{stem}{int(digits) + 1}" if digits else f"{version}-retrained"


def _cell(text: str, *, bold: bool = False) -> widgets.HTML:
    weight = "font-weight:600;" if bold else ""
    return widgets.HTML(f"<span style='{weight}font-size:12px;white-space:nowrap'>{html.escape(text)}</span>")


class SuggestionsTab(PanelTab):
    """Suggestions per model version; an unexecuted one can become a new model version."""

    title = "Suggestions"

    def __init__(self, client: ML3PlatformClient, task_id: str, reads: SharedReads | None = None) -> None:
        self.suggestions: list[tuple[Model, SuggestionInfo]] = []
        self.on_job_started: Callable[[str], None] | None = None
        self.version_fields: dict[str, widgets.Text] = {}
        self.create_buttons: dict[str, widgets.Button] = {}
        self.caption = widgets.HTML()
        self.grid = widgets.GridBox(layout=widgets.Layout(grid_template_columns="repeat(4, max-content) 140px 150px",
                                                          grid_gap="2px 12px", align_items="center"))
        self.grid.add_class("mlcube-suggestions")
        super().__init__(client, task_id, widgets.VBox([self.caption, self.grid]), reads)

    def load(self) -> str | None:
        found: list[tuple[Model, SuggestionInfo]] = []
        try:
            for model in self.reads.models():
                found.extend((model, s) for s in self.client.get_suggestions_info(model.model_id, model.version))
        except NotFoundException as err:
            if err.error_code != ErrorCode.NOT_FOUND:  # a missing model is an error; a missing endpoint is not
                raise
            self.suggestions, self.grid.children = [], []
            self.caption.value = "<i>This platform does not compute retraining suggestions.</i>"
            return None
        self.suggestions = found
        self.caption.value = ("" if found else
                              "<i>No retraining suggestions yet: the platform computes them after a drift.</i>")
        cells: list[widgets.Widget] = [_cell(h, bold=True) for h in _HEADERS] if found else []
        self.version_fields, self.create_buttons = {}, {}
        for model, suggestion in found:
            cells += [widgets.HTML(str(short_id(suggestion.id))), _cell(f"{model.name}@{model.version}"),
                      _cell("yes" if suggestion.executed else "no"), _cell(when(suggestion.timestamp))]
            if suggestion.executed:
                cells += [_cell(""), _cell("")]
                continue
            field = widgets.Text(value=next_version(model.version), layout={"width": "130px"})
            button = widgets.Button(description="Create version", icon="plus", layout={"width": "140px"})
            button.on_click(lambda b, m=model, s=suggestion: self.create_version(m, s, b))
            self.version_fields[suggestion.id], self.create_buttons[suggestion.id] = field, button
            cells += [field, button]
        self.grid.children = cells
        return None

    def create_version(self, model: Model, suggestion: SuggestionInfo, button: widgets.Button | None = None) -> bool:
        """Register the model retrained on *suggestion* under the version typed in its row."""
        def create() -> str:
            version = self.version_fields[suggestion.id].value.strip()
            job_id = self.client.update_model_version_by_suggestion_id(model.model_id, version, suggestion.id)
            if self.on_job_started is not None:
                self.on_job_started(job_id)
            return (f"Version {version} of {model.name} is being created (job {job_id[:8]}): it appears in Models "
                    "when the job is done (see Jobs).")

        return run_guarded(button, self.out, self.message, create)

    def html(self) -> str:
        return suggestions_table([s for _, s in self.suggestions])._repr_html_()
