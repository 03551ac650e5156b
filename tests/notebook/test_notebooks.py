"""Each notebook of ``notebooks/`` runs top to bottom in a real kernel (nbclient) without an error output."""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

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


def test_quickstart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebook, seconds = _execute("01_quickstart.ipynb", tmp_path, monkeypatch)
    _assert_clean(notebook, seconds)
    text = _text(notebook)
    assert "Started the mlcube_nb embedded platform" in text and "Monitoring status of churn: DRIFT" in text
    assert "drift_on" in text and "Retraining suggestions" in text  # the events table, the suggestions
    panel = notebook.cells[-2].outputs[-1]["data"]
    assert "application/vnd.jupyter.widget-view+json" in panel
    assert "mlcube-badge" in panel["text/html"] and "mlcube-events" in panel["text/html"]


def test_text_and_kpis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebook, seconds = _execute("02_text_and_kpis.ipynb", tmp_path, monkeypatch)
    _assert_clean(notebook, seconds)
    text = _text(notebook)
    assert "input · text_length" in text and "daily revenue" in text


def test_team_and_rbac(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebook, seconds = _execute("03_team_and_rbac.ipynb", tmp_path, monkeypatch)
    _assert_clean(notebook, seconds)
    text = _text(notebook)
    assert "Bob may not create a task: CreateTaskException FORBIDDEN" in text
    assert "Bob's old key: UnauthorizedException UNAUTHORIZED" in text
    assert "mlc_" in text and "_…" in text and not re.search(r"mlc_[0-9a-f]{12}_[\w-]{20,}", text)  # masked only
