"""Each notebook of ``notebooks/`` runs top to bottom in a real kernel (nbclient) without an error output and
shows what its text promises; the executed quickstart exported to HTML (nbconvert) shows the panel offline."""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
BUDGET_S = 120.0


def _execute(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[nbformat.NotebookNode, float]:
    """Run a copy of the notebook in a fresh kernel; the kernel inherits this environment."""
    monkeypatch.setenv("MLCUBE_EXECUTOR", "thread")  # no process pool to spawn: the notebooks' jobs are small
    monkeypatch.setenv("MLCUBE_HOME", str(tmp_path / "home"))
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=BUDGET_S, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return notebook, time.perf_counter() - started


def _outputs(notebook: nbformat.NotebookNode) -> list[dict]:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


def _text(notebook: nbformat.NotebookNode) -> str:
    parts = []
    for output in _outputs(notebook):
        parts.append(output.get("text", ""))
        parts.extend(str(v) for v in output.get("data", {}).values())
    return "\n".join(parts)


def _assert_clean(notebook: nbformat.NotebookNode, seconds: float) -> None:
    errors = [o for o in _outputs(notebook) if o.output_type == "error" or o.get("name") == "stderr"]
    assert errors == [], errors
    assert seconds < BUDGET_S


def _visible_html(page: str) -> str:
    """The exported page without its scripts (what a browser shows offline: no widget manager loads)."""
    return re.sub(r"<script\b.*?</script>", "", page, flags=re.DOTALL)


def test_quickstart_runs_and_its_html_export_shows_the_panel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    notebook, seconds = _execute("01_quickstart.ipynb", tmp_path, monkeypatch)
    _assert_clean(notebook, seconds)
    text = _text(notebook)
    assert "Started the mlcube_nb embedded platform" in text and "Monitoring status of churn: DRIFT" in text
    assert "drift_on" in text and "Retraining suggestions" in text  # the events table, the suggestions
    assert "evaluation · accuracy" in text  # %mlcube status leaves out no metric that drifted
    assert re.search(r"job [0-9a-f]{8} add_production_data: completed \(", text)  # bars end as a summary line
    assert not re.search(r"job [0-9a-f]{8}[^\n]* 0%", text)  # …not as their first frame
    panel = notebook.cells[-2].outputs[-1]["data"]
    assert "application/vnd.jupyter.widget-view+json" in panel  # the live widget and its static fallback
    assert "mlcube-badge" in panel["text/html"] and "mlcube-events" in panel["text/html"]
    assert "Detection events" in panel["text/plain"] and not panel["text/plain"].endswith("…")
    saved = nbformat.from_dict(notebook)
    saved.metadata.pop("widgets", None)  # JupyterLab saves no widget state unless asked to (saveState: false)
    page, _ = HTMLExporter().from_notebook_node(saved)
    shown = _visible_html(page)
    assert "mlcube-panel" in shown and "mlcube-badge" in shown and re.search("class=[\"']mlcube-events", shown)
    assert len(re.findall("data-status=[\"']drift", shown)) >= 2 and "drift_on" in shown  # badges, events
    assert "unpkg.com" not in page and "cdn.jsdelivr" not in page  # nothing loaded from the internet


def test_text_and_kpis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebook, seconds = _execute("02_text_and_kpis.ipynb", tmp_path, monkeypatch)
    _assert_clean(notebook, seconds)
    text = _text(notebook)
    assert "input · text_length" in text and "daily revenue" in text
    kpis = next(o["data"]["text/plain"] for cell in notebook.cells if "get_kpis" in cell.source
                for o in cell.outputs if "data" in o)
    assert "drift" in kpis and "not_initialized" not in kpis  # the promised revenue drop shows


def test_team_and_rbac(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebook, seconds = _execute("03_team_and_rbac.ipynb", tmp_path, monkeypatch)
    _assert_clean(notebook, seconds)
    text = _text(notebook)
    assert "Bob may not create a task: CreateTaskException FORBIDDEN" in text
    assert "Bob's old key: UnauthorizedException UNAUTHORIZED" in text
    assert "mlc_" in text and "_…" in text and not re.search(r"mlc_[0-9a-f]{12}_[\w-]{20,}", text)  # masked only
