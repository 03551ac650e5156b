"""The quickstart in a real browser: JupyterLab on 127.0.0.1, Debian's chromium driven by Playwright, runs
every cell and finds the panel's status badges and events table; the screenshot is kept in test-artifacts/."""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "browser"
IN_CI = os.environ.get("CI", "").lower() == "true"
RUN_ALL_TIMEOUT_MS = 240_000
KERNEL_IDLE = ("window.jupyterapp && window.jupyterapp.shell.currentWidget && "
               "window.jupyterapp.shell.currentWidget.sessionContext?.session?.kernel?.status === 'idle'")


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install -y chromium)"
    for module in ("jupyterlab", "playwright"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install -e '.[dev]')"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[str]:
    """JupyterLab serving a copy of the quickstart; yields the notebook's URL (with its one-off token)."""
    missing = _missing()
    if missing:
        if IN_CI:
            pytest.fail(f"CI=true but the browser test cannot run: {missing}")
        pytest.skip(missing)
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / "01_quickstart.ipynb", root)
    settings = tmp_path / "settings" / "@jupyterlab"
    for name, values in (("notebook-extension/tracker", '{"autoStartDefaultKernel": true}'),
                         ("apputils-extension/notification", '{"fetchNews": "false"}')):
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / f"{name}.jupyterlab-settings").write_text(values)
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "MLCUBE_EXECUTOR": "thread", "MLCUBE_HOME": str(tmp_path / "home"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    log = open(tmp_path / "jupyterlab.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--allow-root"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/api/status", params={"token": token}, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((tmp_path / "jupyterlab.log").read_text())
            time.sleep(0.3)
        yield f"{base}/lab/tree/01_quickstart.ipynb?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.mark.timeout(420)
def test_the_quickstart_runs_in_jupyterlab_and_shows_the_panel(lab: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(lab)
            page.wait_for_function(KERNEL_IDLE, timeout=90_000)
            page.locator(".lm-MenuBar-item", has_text="Run").first.click()  # Run ▸ Run All Cells, as a person would
            page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
            page.wait_for_selector(".mlcube-panel .mlcube-badge", timeout=RUN_ALL_TIMEOUT_MS)
            page.locator(".mlcube-panel .lm-TabBar-tab", has_text="Detection events").click()
            events = page.wait_for_selector(".mlcube-panel .mlcube-events", timeout=30_000)
            page.wait_for_timeout(500)
            events.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "01_quickstart.png"), full_page=False)
            badges = page.locator(".mlcube-panel .mlcube-badge").all_inner_texts()
            assert "DRIFT" in badges
            rows = page.locator(".mlcube-panel .mlcube-events button").count()
            assert rows >= 2  # 👍 and 👎 on at least one drift event
            errors = page.locator("[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
            assert not [e for e in errors if "Error" in e or "Traceback" in e], errors
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "01_quickstart-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
