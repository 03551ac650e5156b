"""The magics in a real IPython ``InteractiveShell``: login (embedded and remote), %mlcube, %mlcube_jobs."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import StoragePolicy
from mlcube_nb.models import Company
from mlcube_nb.notebook import launcher
from mlcube_nb.notebook.display import Table
from mlcube_nb.notebook.panels import TaskPanel
from mlcube_nb.notebook.sample_data import churn_batch
from tests.conftest import Platform
from tests.notebook.conftest import REFERENCE_ROWS, new_churn_task


def _run(ip: InteractiveShell, line: str) -> object:
    """Run one cell; raise what it raised (IPython only prints it), else return its value."""
    result = ip.run_cell(line)
    if result.error_in_exec is not None:
        raise result.error_in_exec
    return result.result


def _usage_error(ip: InteractiveShell, line: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Run a cell that must fail with a one-line UsageError, shown without a traceback; return the message."""
    capsys.readouterr()
    result = ip.run_cell(line)
    shown = capsys.readouterr()
    assert isinstance(result.error_in_exec, UsageError), result.error_in_exec
    message = str(result.error_in_exec)
    assert "\n" not in message and message
    assert "Traceback" not in shown.out + shown.err
    return message


def test_login_starts_the_embedded_platform_and_binds_a_ready_client(shell: InteractiveShell,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    _run(shell, "%mlcube_login --temp")
    printed = capsys.readouterr().out
    client = shell.user_ns["mlcube"]
    assert isinstance(client, ML3PlatformClient)
    assert client.get_company().name == "My company"
    assert client.url in printed and "user local" in printed and "company My company" in printed
    session = launcher.current()
    assert session is not None and session.embedded and session.url.startswith("http://127.0.0.1:")
    began = time.perf_counter()
    _run(shell, "%mlcube_login --temp --restart")  # the package is imported now: what is left is the start
    took = time.perf_counter() - began
    seconds = launcher.current().startup_seconds
    assert seconds < 3.0 and 0.9 * took <= seconds <= took  # "Ready in" is the magic's own time, all of it
    assert f"Ready in {seconds:.1f} s" in capsys.readouterr().out


def test_a_second_login_reuses_the_platform_and_restart_replaces_it(shell: InteractiveShell,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    _run(shell, "%mlcube_login --temp")
    first = launcher.current()
    first_client = shell.user_ns["mlcube"]
    _run(shell, "%mlcube_login --temp")
    assert "Reusing" in capsys.readouterr().out
    assert launcher.current() is first and shell.user_ns["mlcube"] is first_client
    _run(shell, "%mlcube_login --temp --restart --as ml")
    second = launcher.current()
    assert second is not first and second.url != first.url and second.running
    assert not first.running and first.home is not None and not first.home.exists()  # stopped, temp folder gone
    assert "mlcube" not in shell.user_ns and shell.user_ns["ml"].url == second.url


def test_a_kept_home_reuses_the_local_user_company_and_key(shell: InteractiveShell, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    _run(shell, f"%mlcube_login --home {tmp_path} --user ada --company Lovelace")
    company = shell.user_ns["mlcube"].get_company()
    key_file = tmp_path / "notebook-keys" / "ada.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    _run(shell, f"%mlcube_login --home {tmp_path} --user ada --restart")
    assert shell.user_ns["mlcube"].get_company() == company  # same user, same company, same saved key
    assert key_file.read_text().strip() not in capsys.readouterr().out


def test_remote_login_takes_the_key_from_the_environment_or_a_hidden_prompt(
        shell: InteractiveShell, platform: Platform, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    _, key = platform.new_user("remote")
    owner = ML3PlatformClient(platform.url, key)
    owner.create_company("Remote Co", "1 Road", "IT1")
    monkeypatch.setenv("MLCUBE_API_KEY", key)
    _run(shell, f"%mlcube_login --url {platform.url}")
    printed = capsys.readouterr().out
    assert "company Remote Co" in printed and "user remote" in printed and key not in printed
    assert shell.user_ns["mlcube"].get_company().name == "Remote Co"
    monkeypatch.delenv("MLCUBE_API_KEY")
    prompts: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or key)
    _run(shell, f"%mlcube_login --url {platform.url} --as remote")
    assert prompts == [f"API key for {platform.url}: "]
    assert shell.user_ns["remote"].get_company().name == "Remote Co" and key not in capsys.readouterr().out
    message = _usage_error(shell, f"%mlcube_login --url {platform.url} --api-key mlc_000000000000_wrong", capsys)
    assert message.startswith("UNAUTHORIZED") and "wrong" not in message


def test_user_errors_are_one_line_usage_errors(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    assert "Not logged in" in _usage_error(shell, "%mlcube projects", capsys)
    assert "Not logged in" in _usage_error(shell, "%mlcube_jobs", capsys)
    _run(shell, "%mlcube_login --temp")
    assert "needs a subcommand" in _usage_error(shell, "%mlcube", capsys)
    assert "invalid choice: 'bogus'" in _usage_error(shell, "%mlcube bogus", capsys)
    assert "required: task" in _usage_error(shell, "%mlcube models", capsys)
    assert "No task with id or name 'nope'" in _usage_error(shell, "%mlcube events nope", capsys)
    assert "No project with id or name 'nope'" in _usage_error(shell, "%mlcube tasks nope", capsys)
    assert "--status must be one of" in _usage_error(shell, "%mlcube_jobs --status lost", capsys)
    assert "variable name" in _usage_error(shell, "%mlcube_login --temp --as 1abc", capsys)
    assert "local username" in _usage_error(shell, "%mlcube_login --temp --user ../../etc", capsys)
    assert "drop --url" in _usage_error(shell, "%mlcube_login --url http://127.0.0.1:9 --temp", capsys)
    assert _usage_error(shell, "%mlcube_login --url http://127.0.0.1:9 --api-key k", capsys).startswith(
        "CONNECTION_ERROR")
    assert "not 'bad user'" in _usage_error(shell, "%mlcube_login --temp --user 'bad user'", capsys)  # no quotes
    unreachable = _usage_error(shell, "%mlcube_login --url http://example.invalid --api-key x", capsys)
    assert "example.invalid" in unreachable and "*" not in unreachable  # a one-letter key masks no host letter


def test_login_without_a_key_where_the_frontend_cannot_prompt(shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from IPython.core.error import StdinNotImplementedError

    def no_stdin(prompt: str) -> str:  # what ipykernel's getpass does under nbclient or papermill
        raise StdinNotImplementedError("getpass was called, but this frontend does not support input requests.")

    monkeypatch.delenv("MLCUBE_API_KEY", raising=False)
    monkeypatch.setattr("getpass.getpass", no_stdin)
    message = _usage_error(shell, "%mlcube_login --url http://127.0.0.1:9", capsys)
    assert "cannot prompt" in message and "$MLCUBE_API_KEY" in message


def test_help_lists_every_subcommand(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    _run(shell, "%mlcube_login --temp")
    capsys.readouterr()
    assert _run(shell, "%mlcube --help") is None
    printed = capsys.readouterr().out
    for name in ("projects", "tasks", "models", "events", "suggestions", "status", "panel"):
        assert name in printed


def test_subcommands_show_the_platform_as_tables_and_a_panel(shell: InteractiveShell) -> None:
    _run(shell, "%mlcube_login --temp")
    client: ML3PlatformClient = shell.user_ns["mlcube"]
    project_id = client.create_project("churn", "customer churn", StoragePolicy.MLCUBE)
    task_id, model_id = new_churn_task(client, project_id)
    task_name = client.get_task(task_id).name
    projects = _run(shell, "%mlcube projects")
    assert isinstance(projects, Table)
    assert [[row[0].text, *row[1:]] for row in projects.rows] == [[project_id, "churn", "customer churn", "mlcube"]]
    html = projects._repr_html_()
    assert f"title='{project_id}'" in html and f">{project_id[:8]}</code>" in html  # 8 characters, all on hover
    tasks = _run(shell, "%mlcube tasks churn")  # by name
    assert [row[0].text for row in tasks.rows] == [task_id] and "churn" in repr(tasks)
    assert [row[4].text for row in tasks.rows] == ["not monitored"]  # no data yet: no green OK
    models = _run(shell, f"%mlcube models {task_name}")
    assert [[row[0].text, *row[1:3]] for row in models.rows] == [[model_id, "churn-model", "v1"]]
    assert "mlcube-badge" in models._repr_html_() and "OK" not in repr(models)
    assert _run(shell, f"%mlcube events {task_id}").rows == []
    shell.user_ns["task_id"] = task_id
    status = _run(shell, "%mlcube status $task_id")
    assert [row[2].text for row in status.rows] == [s.status.value.upper()
                                                    for s in client.get_task(task_id).monitoring_status]
    panel = _run(shell, f"%mlcube panel {task_id}")
    try:
        assert isinstance(panel, TaskPanel) and panel.task_id == task_id
    finally:
        panel.close()
    try:
        suggestions = _run(shell, f"%mlcube suggestions {model_id} v1")
        assert isinstance(suggestions, Table) and suggestions.rows == []
    except UsageError as err:  # a platform without the retraining module says so in one line
        assert "\n" not in str(err) and str(err).startswith("NOT_FOUND")


def test_jobs_table_and_watch_until_every_job_has_finished(shell: InteractiveShell,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    _run(shell, "%mlcube_login --temp")
    _run(shell, "%config MlcubeMagics.watch_interval = 0.2")
    client: ML3PlatformClient = shell.user_ns["mlcube"]
    project_id = client.create_project("churn", None, StoragePolicy.MLCUBE)
    task_id, _ = new_churn_task(client, project_id)
    batch = churn_batch(REFERENCE_ROWS, seed=1)
    job_id = client.add_historical_data(task_id, inputs=batch.inputs, target=batch.target)
    capsys.readouterr()
    assert _run(shell, f"%mlcube_jobs --project {project_id} --watch") is None
    assert client.get_job(job_id).status == "completed"  # the watch ended because every job had finished
    printed = capsys.readouterr().out
    assert job_id in printed and ("all finished" in printed or "0 running" in printed)
    table = _run(shell, f"%mlcube_jobs --task {task_id} --status completed")
    assert [row[0].text for row in table.rows] == [job_id] and "completed" in repr(table)
    html = table._repr_html_()
    assert f"title='{job_id}'" in html and f">{job_id[:8]}</code>" in html  # 8 characters, all on hover
    assert "white-space:nowrap" in html  # one-line dates
    assert _run(shell, f"%mlcube_jobs --task {task_id} --status running").rows == []


def test_config_options_and_model_display(shell: InteractiveShell) -> None:
    _run(shell, '%config MlcubeMagics.client_name = "ml"')
    _run(shell, '%config MlcubeMagics.company = "Configured Co"')
    _run(shell, "%mlcube_login --temp")
    company = shell.user_ns["ml"].get_company()
    assert isinstance(company, Company) and company.name == "Configured Co"
    formats, _ = shell.display_formatter.format(company)
    assert "Configured Co" in formats["text/html"] and "<table" in formats["text/html"]
    assert formats["text/plain"].startswith("Company(")
    shell.run_line_magic("unload_ext", "mlcube_nb")
    assert launcher.current() is None  # unloading stops the embedded platform
    assert "text/html" not in shell.display_formatter.format(company)[0]
