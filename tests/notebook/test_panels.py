"""The widget panel built and driven without a frontend: tabs load what the client returns, buttons call
the platform, errors stay inside the panel, and it renders as HTML and text where widgets do not."""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import ApiKeyExpirationTime, UserCompanyRole, UserProjectRole
from mlcube_nb.notebook.display import quantity_label
from mlcube_nb.notebook.panels import TaskPanel
from mlcube_nb.notebook.panels.plots import feature_series, quantity_series
from mlcube_nb.notebook.views import with_event_statuses
from tests.notebook.conftest import Drifted, send_batch

PNG = b"\x89PNG"


@pytest.fixture
def panel(drifted: Drifted) -> Iterator[TaskPanel]:
    built = TaskPanel(drifted.client, drifted.task_id, jobs_interval=0.2)
    try:
        yield built
    finally:
        built.close()


def _viewer(drifted: Drifted) -> ML3PlatformClient:
    """A colleague who may read the project but not act on it (PROJECT_VIEW)."""
    owner = drifted.client
    user_id = owner.create_company_user("Vi", "Ewer", f"viewer_{secrets.token_hex(3)}", "temporary-pass-1",
                                        "vi@example.com", UserCompanyRole.COMPANY_USER)
    owner.add_user_project_role(user_id, drifted.project_id, UserProjectRole.PROJECT_VIEW)
    return ML3PlatformClient(owner.url, owner.create_user_api_key(user_id, "k", ApiKeyExpirationTime.NEVER))


def _eventually(condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    """Whether *condition* holds within *seconds* (polled; the panel updates from its live jobs thread)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_overview_shows_a_badge_per_status_and_per_quantity_its_events_report(drifted: Drifted,
                                                                             panel: TaskPanel) -> None:
    client = drifted.client
    statuses = client.get_task(drifted.task_id).monitoring_status
    events = client.get_detection_events(drifted.task_id)
    assert statuses, "the drifting batch must have been monitored"
    shown = with_event_statuses(statuses, events)
    assert panel.overview.badges == {quantity_label(s): s.status.value.upper() for s in shown}
    html = panel.overview.table.value
    assert html.count("class='mlcube-badge") == len(shown) + 1  # one per quantity, one for the task
    assert "DRIFT" in panel.overview.badges.values()  # the drifting batch drifted
    newest = {}
    for event in sorted(events, key=lambda e: e.insert_datetime):
        newest[quantity_label(event)] = event.event_type.value
    drifting = {label for label, kind in newest.items() if kind == "drift_on"}
    assert any(label.startswith("evaluation ·") for label in drifting)  # accuracy & co. drift in this scenario
    assert all(panel.overview.badges[label] == "DRIFT" for label in drifting)  # none is left out
    assert panel.errors == {}


def test_models_tab_lists_the_versions(drifted: Drifted, panel: TaskPanel) -> None:
    models = drifted.client.get_models(drifted.task_id)
    assert [m.model_id for m in panel.models.models] == [m.model_id for m in models]
    assert "churn-model" in panel.models.table.value and "accuracy" in panel.models.table.value


def test_feedback_buttons_record_the_feedback(drifted: Drifted, panel: TaskPanel) -> None:
    tab = panel.events
    assert len(tab.events) == len(drifted.client.get_detection_events(drifted.task_id))
    drift_ids = [e.event_id for e in tab.events if e.event_type.value == "drift_on"]
    assert drift_ids and set(tab.buttons) == set(drift_ids[: tab.limit])
    up, down = tab.buttons[drift_ids[0]]
    columns = tab.grid.layout.grid_template_columns
    up.click()
    saved = {e.event_id: e.user_feedback for e in drifted.client.get_detection_events(drifted.task_id)}
    assert saved[drift_ids[0]] is True and "expected" in tab.feedback_cells[drift_ids[0]].value
    assert (up.button_style, down.button_style) == ("success", "")  # the button shows the feedback given
    down.click()
    saved = {e.event_id: e.user_feedback for e in drifted.client.get_detection_events(drifted.task_id)}
    assert saved[drift_ids[0]] is False and "unexpected" in tab.feedback_cells[drift_ids[0]].value
    assert (up.button_style, down.button_style) == ("", "danger")
    assert not up.disabled and not down.disabled and tab.error == ""
    assert tab.grid.layout.grid_template_columns == columns and "max-content 36px 36px 96px" in columns
    assert "unexpected" in tab.html()  # the static form follows the click too


def test_a_refused_feedback_is_shown_in_the_tab(drifted: Drifted) -> None:
    panel = TaskPanel(_viewer(drifted), drifted.task_id, live_jobs=False)
    try:
        event_id, (up, _) = next(iter(panel.events.buttons.items()))
        up.click()  # a viewer may not give feedback: the platform says 403, the panel shows it
        assert panel.events.error.startswith("FORBIDDEN") and not up.disabled
        assert panel.errors == {"Detection events": panel.events.error}
        before = {e.event_id: e.user_feedback for e in drifted.client.get_detection_events(drifted.task_id)}
        assert panel.events.feedback_cells[event_id].value.count("expected") == (before[event_id] is not None)
    finally:
        panel.close()


def test_charts_are_drawn_when_their_tab_is_opened_and_reads_are_shared(drifted: Drifted,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    calls: Counter[str] = Counter()
    for name in ("get_models", "get_detection_events", "get_task"):
        read = getattr(drifted.client, name)
        monkeypatch.setattr(drifted.client, name, lambda *args, _read=read, _name=name, **kwargs:
                            calls.update([_name]) or _read(*args, **kwargs))
    panel = TaskPanel(drifted.client, drifted.task_id, live_jobs=False)
    try:
        assert calls == {"get_models": 1, "get_detection_events": 1, "get_task": 1}  # one read each, not one per tab
        history = panel.history  # built on the Overview: the Drift history charts wait until they are looked at
        assert panel.errors == {} and history.quantity.value == "input" and history.pending == 2
        assert history.chart.value == b"" and history.chart.layout.display == "none"  # no broken-image icon
        assert "Levels of the newest batch" in history.calibration.value  # the text parts are there already
        assert panel.select("Drift history") is history and history.pending == 0
        assert bytes(history.chart.value).startswith(PNG) and history.chart.layout.display == ""
        assert bytes(history.feature_chart.value).startswith(PNG)
        drawn = bytes(history.chart.value)
        panel.select("Overview")
        panel.refresh()  # a refresh of a hidden tab defers its charts again; the old ones stay in the widget
        assert history.pending == 2 and bytes(history.chart.value) == drawn
        panel.select("Drift history")
        assert history.pending == 0 and history.error == ""
    finally:
        panel.close()


def test_drift_history_charts_a_quantity_and_drills_down_to_a_feature(drifted: Drifted, panel: TaskPanel) -> None:
    tab = panel.select("Drift history")
    history = drifted.client.get_monitoring_history(drifted.task_id)
    assert set(tab.quantity.options) == {quantity_label(p) for p in history}
    options = list(tab.quantity.options)  # a fixed order: inputs first, evaluation metrics last
    assert options[0] == "input" and tab.quantity.value == "input"
    assert options.index("error") < min(i for i, o in enumerate(options) if o.startswith("evaluation ·"))
    assert bytes(tab.chart.value).startswith(PNG) and [p.statistic for p in tab.points] == [
        p.statistic for p in history if quantity_label(p) == "input"]
    assert "Levels of the newest batch" in tab.calibration.value
    assert "tenure_months" in tab.feature.options
    tab.feature.value = "tenure_months"
    assert bytes(tab.feature_chart.value).startswith(PNG) and tab.feature_chart.layout.display == ""
    assert "tenure_months" in tab.features.value and "mlcube-badge" in tab.features.value
    assert tab.error == ""


def test_a_quantity_without_features_shows_a_sentence_not_an_empty_image(panel: TaskPanel) -> None:
    tab = panel.select("Drift history")
    tab.quantity.value = "evaluation · accuracy"
    assert bytes(tab.chart.value).startswith(PNG) and tab.chart.layout.display == ""
    assert tab.feature.layout.display == "none" and tab.feature_chart.layout.display == "none"
    assert "no per-feature test" in tab.feature_note.value and tab.features.value == ""
    series = quantity_series(tab.points, "accuracy")
    assert series.ylabel == "accuracy\n(lower = worse)"  # its level is a floor, not a ceiling
    assert tab.error == ""


def test_the_feature_drill_down_is_uncapped_and_draws_the_feature_s_own_levels(drifted: Drifted) -> None:
    points = [p for p in drifted.client.get_monitoring_history(drifted.task_id) if quantity_label(p) == "input"]
    bare = [p.model_copy(update={"features": [f.model_copy(update={"warning_level": None, "drift_level": None})
                                              for f in p.features]}) for p in points]
    plain = feature_series(bare, "tenure_months")  # no levels of its own: −log10 adjusted p, the quantity's levels
    assert max(v for v in plain.values if v is not None) > 12  # not cut at 12 any more
    assert plain.ylabel.startswith("−log10 adjusted p") and plain.drift == [p.drift_level for p in points]
    stats = [next(f for f in p.features if f.feature == "tenure_months") for p in points]
    assert all(getattr(f, "drift_level", None) is not None for f in stats), "the platform calibrates features"
    own = feature_series(points, "tenure_months")  # its own levels, per batch, in its statistic's units
    assert own.values == [f.statistic for f in stats] and own.ylabel.startswith("ks statistic")
    assert own.warning == [f.warning_level for f in stats] and own.drift == [f.drift_level for f in stats]


def test_jobs_tab_follows_running_jobs_live(drifted: Drifted, panel: TaskPanel) -> None:
    tab = panel.jobs
    assert {j.job_id for j in tab.jobs} == {j.job_id for j in drifted.client.get_jobs(task_id=drifted.task_id)}
    job_id = send_batch(drifted.client, drifted.task_id, drifted.model_id, 3, 1.0)  # still drifting
    panel.refresh_button.click()
    assert job_id in tab.table.value
    watcher = tab._watcher
    if watcher is not None:  # still running when refreshed: the live refresh follows it to the end
        watcher.join(120)
        assert not watcher.is_alive()
    drifted.client.wait_job_completion(job_id)
    tab.refresh()
    assert not tab.running and not tab.watching and "completed" in tab.table.value


def test_suggestions_tab_loads_without_error(panel: TaskPanel) -> None:
    assert panel.suggestions.error == ""
    assert panel.suggestions.caption.value or panel.suggestions.grid.children


def test_errors_stay_inside_the_panel(drifted: Drifted) -> None:
    panel = TaskPanel(drifted.client, "no-such-task", live_jobs=False)
    try:
        assert set(panel.errors) >= {"Overview", "Models", "Drift history", "Detection events"}
        assert all("\n" not in e and "NOT_FOUND" in e for e in panel.errors.values())
        assert "mlcube-error" in panel.overview.message.value and "could not load" in panel.message.value
        panel.refresh_button.click()  # refreshing again fails the same way, inside the panel
        assert not panel.refresh_button.disabled and "no-such-task" in repr(panel)
    finally:
        panel.close()


def test_the_panel_renders_as_html_and_text(drifted: Drifted, panel: TaskPanel) -> None:
    html = panel._repr_html_()
    assert "mlcube-panel" in html and "mlcube-badge" in html and "mlcube-events" in html
    text = repr(panel)
    assert "Monitoring status" in text and "Detection events" in text and "DRIFT" in text
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # the live widget…
    assert bundle["text/html"] == html and bundle["text/plain"] == text  # …and whole fallbacks (not cut at 110)
    assert len(text) > 110


def test_a_suggestion_becomes_a_model_version_from_its_button(drifted: Drifted, panel: TaskPanel) -> None:
    """Last in this module: it adds version v2 to the shared task."""
    client, tab = drifted.client, panel.suggestions
    client.wait_job_completion(client.compute_retraining_report(drifted.model_id))
    assert tab.refresh() and tab.error == ""
    suggestion_ids = [s.id for s in client.get_suggestions_info(drifted.model_id, "v1")]
    assert suggestion_ids and [s.id for _, s in tab.suggestions] == suggestion_ids
    chosen = suggestion_ids[-1]
    assert tab.version_fields[chosen].value == "v2"  # proposed from v1
    tab.version_fields[chosen].value = "v2-retrained"
    tab.create_buttons[chosen].click()
    assert "v2-retrained" in tab.message.value and tab.error == "" and not tab.create_buttons[chosen].disabled
    job_id = next(j.job_id for j in client.get_jobs(task_id=drifted.task_id)
                  if j.job_group == "update_model_version_by_suggestion_id")
    assert job_id in panel.jobs.table.value or job_id[:8] in panel.jobs.table.value  # Jobs shows it at once
    # No refresh from here on: the panel follows the job it started and reloads the tabs it changed.
    assert _eventually(lambda: "v2-retrained" in panel.models.table.value), panel.models.table.value
    assert "v2-retrained" in [m.version for m in client.get_models(drifted.task_id)]
    assert _eventually(lambda: chosen not in tab.create_buttons)
    assert dict((s.id, s.executed) for _, s in tab.suggestions)[chosen] is True
