"""The widget panel built and driven without a frontend: tabs load what the client returns, buttons call
the platform, errors stay inside the panel, and it renders as HTML and text where widgets do not."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import ApiKeyExpirationTime, UserCompanyRole, UserProjectRole
from mlcube_nb.notebook.display import quantity_label
from mlcube_nb.notebook.panels import TaskPanel
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


def test_overview_shows_a_badge_per_status_the_client_returns(drifted: Drifted, panel: TaskPanel) -> None:
    statuses = drifted.client.get_task(drifted.task_id).monitoring_status
    assert statuses, "the drifting batch must have been monitored"
    assert panel.overview.badges == {quantity_label(s): s.status.value.upper() for s in statuses}
    html = panel.overview.table.value
    assert html.count("class='mlcube-badge") == len(statuses) + 1  # one per quantity, one for the task
    assert "DRIFT" in panel.overview.badges.values()  # the drifting batch drifted
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
    up.click()
    saved = {e.event_id: e.user_feedback for e in drifted.client.get_detection_events(drifted.task_id)}
    assert saved[drift_ids[0]] is True and "expected" in tab.feedback_cells[drift_ids[0]].value
    down.click()
    saved = {e.event_id: e.user_feedback for e in drifted.client.get_detection_events(drifted.task_id)}
    assert saved[drift_ids[0]] is False and "unexpected" in tab.feedback_cells[drift_ids[0]].value
    assert not up.disabled and not down.disabled and tab.error == ""


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


def test_drift_history_charts_a_quantity_and_drills_down_to_a_feature(drifted: Drifted, panel: TaskPanel) -> None:
    tab = panel.history
    history = drifted.client.get_monitoring_history(drifted.task_id)
    assert set(tab.quantity.options) == {quantity_label(p) for p in history}
    tab.quantity.value = "input"
    assert bytes(tab.chart.value).startswith(PNG) and [p.statistic for p in tab.points] == [
        p.statistic for p in history if quantity_label(p) == "input"]
    assert "tenure_months" in tab.feature.options
    tab.feature.value = "tenure_months"
    assert bytes(tab.feature_chart.value).startswith(PNG)
    assert "tenure_months" in tab.features.value and "mlcube-badge" in tab.features.value
    assert tab.error == ""


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
    assert "application/vnd.jupyter.widget-view+json" in bundle


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
    client.wait_job_completion(job_id)
    assert "v2-retrained" in [m.version for m in client.get_models(drifted.task_id)]
    tab.refresh()
    assert dict((s.id, s.executed) for _, s in tab.suggestions)[chosen] is True and chosen not in tab.create_buttons
