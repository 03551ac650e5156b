"""The quickstart in a real browser: JupyterLab on 127.0.0.1, Debian's chromium driven by Playwright, at
1280 × 800 with the file browser open. It runs every cell, finds the panel's badges and events table, checks
the feedback buttons are fully in view, interrupts a ``%mlcube_jobs --watch`` cell with ⏹ and sees the next
batch complete, clicks "Create version" and finds the new version in Models without Refresh. A screenshot of
every tab of the panel is kept in test-artifacts/browser/."""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "browser"
IN_CI = os.environ.get("CI", "").lower() == "true"
RUN_ALL_TIMEOUT_MS = 240_000
VIEWPORT = {"width": 1280, "height": 800}
# Appended to the copy of the quickstart: a long job followed by a watch (interrupted by the test), then a batch.
EXTRA_CELLS = [
    "big_batch = churn_batch(30_000, start_index=10_000, seed=7, drift=0.3)\n"
    "big_job = mlcube.add_production_data(task_id, inputs=big_batch.inputs, target=big_batch.target,\n"
    "                                     predictions=[(model_id, big_batch.predictions)])\n"
    "%mlcube_jobs --task $task_id --watch",
    "mlcube.wait_job_completion(big_job)\n"
    "last = churn_batch(500, start_index=50_000, seed=8, drift=1.0)\n"
    "mlcube.wait_job_completion(mlcube.add_production_data(task_id, inputs=last.inputs, target=last.target,\n"
    "                                                      predictions=[(model_id, last.predictions)]))\n"
    "print('after the interrupt: the next batch', mlcube.get_jobs(task_id=task_id)[-1].status)",
]
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
    notebook = json.loads((ROOT / "notebooks" / "01_quickstart.ipynb").read_text())
    notebook["cells"] += [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                           "source": source} for source in EXTRA_CELLS]
    (root / "01_quickstart.ipynb").write_text(json.dumps(notebook))
    settings = tmp_path / "settings" / "@jupyterlab"
    for name, values in (("notebook-extension/tracker", '{"autoStartDefaultKernel": true}'),
                         ("apputils-extension/notification", '{"fetchNews": "false"}')):
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / f"{name}.jupyterlab-settings").write_text(values)
    port, token = _free_port(), secrets.token_hex(16)
    env = {**{k: v for k, v in os.environ.items() if k != "MLCUBE_EXECUTOR"},  # the notebook's own default
           "MLCUBE_HOME": str(tmp_path / "home"),
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


def _tab(page: Page, title: str) -> None:
    """Open a tab of the panel and give the widgets a moment to draw: a tab's charts are drawn by the kernel
    when the tab is first opened, so wait for the kernel to be idle again."""
    page.locator(".mlcube-panel .lm-TabBar-tab", has_text=title).first.click()
    page.wait_for_timeout(400)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    page.wait_for_timeout(200)


def _shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def _fully_visible(page: Page, selector: str) -> list[str]:
    """The elements matching *selector* that stick out of the notebook's visible area (their boxes)."""
    area = page.locator(".jp-NotebookPanel-notebook").first.bounding_box()
    assert area is not None
    right = min(area["x"] + area["width"], VIEWPORT["width"])
    cut = []
    for element in page.locator(selector).all()[:6]:
        box = element.bounding_box()
        if box is None or box["x"] < area["x"] or box["x"] + box["width"] > right:
            cut.append(f"{box} outside x {area['x']:.0f}..{right:.0f}")
    return cut


@pytest.mark.timeout(480)
def test_the_quickstart_runs_in_jupyterlab_and_shows_the_panel(lab: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport=VIEWPORT)
        try:
            page.goto(lab)
            page.wait_for_function(KERNEL_IDLE, timeout=90_000)
            assert page.locator(".jp-FileBrowser").first.is_visible()  # the sidebar is open
            page.locator(".lm-MenuBar-item", has_text="Run").first.click()  # Run ▸ Run All Cells, as a person would
            page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
            page.wait_for_selector(".mlcube-panel .mlcube-badge", timeout=RUN_ALL_TIMEOUT_MS)

            # ⏹ while %mlcube_jobs --watch follows a long job: the watch stops, the kernel and platform go on.
            page.get_by_text("1 running").first.wait_for(timeout=120_000)
            page.locator("[data-command='notebook:interrupt-kernel']").first.click()
            page.get_by_text("watch stopped").first.wait_for(timeout=30_000)
            page.get_by_text("after the interrupt: the next batch completed").first.wait_for(timeout=120_000)
            page.wait_for_function(KERNEL_IDLE, timeout=60_000)

            panel = page.locator(".mlcube-panel").first
            panel.scroll_into_view_if_needed()
            for title in page.locator(".mlcube-panel .lm-TabBar-tab").all_inner_texts():
                _tab(page, title)
                panel.locator(".lm-TabBar").first.scroll_into_view_if_needed()
                _shoot(page, f"tab-{title.strip().lower().replace(' ', '-')}")
            badges = page.locator(".mlcube-panel .mlcube-badge").all_inner_texts()
            assert "DRIFT" in badges

            _tab(page, "Detection events")
            assert page.locator(".mlcube-panel .mlcube-events button").count() >= 2  # 👍 and 👎 on a drift event
            assert _fully_visible(page, ".mlcube-panel .mlcube-events button") == []  # at 1280 px, sidebar open
            page.locator(".mlcube-panel .mlcube-events button").first.click()  # 👍 on the newest drift event
            page.locator(".mlcube-panel .mlcube-events .mod-success").first.wait_for(timeout=10_000)  # shown
            _shoot(page, "tab-detection-events-after-feedback")

            _tab(page, "Drift history")  # a quantity measured on the whole batch: a sentence, no broken image
            page.locator(".mlcube-panel select").first.select_option(label="evaluation · accuracy")
            page.get_by_text("no per-feature test to drill into").first.wait_for(timeout=10_000)
            _shoot(page, "tab-drift-history-accuracy")

            _tab(page, "Suggestions")  # "Create version", then Models shows it without a Refresh
            page.locator(".mlcube-panel button", has_text="Create version").first.click()
            _tab(page, "Models")
            page.locator(".mlcube-panel .mlcube-models", has_text="v2").first.wait_for(timeout=60_000)
            _shoot(page, "tab-models-after-create-version")

            errors = page.locator("[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
            assert not [e for e in errors if "Error" in e or "Traceback" in e], errors
            assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
                                has_text="KeyboardInterrupt").count() == 0
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "01_quickstart-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
