"""The notebook layer calls the public client; only the launcher imports the server, and nothing imports upward."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mlcube_nb"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_only_the_launcher_imports_the_server() -> None:
    users = {path.relative_to(PACKAGE).as_posix() for path in (PACKAGE / "notebook").rglob("*.py")
             if any(name.startswith("mlcube_nb.server") for name in _imports(path))}
    assert users == {"notebook/launcher.py"}


def test_no_lower_layer_imports_the_notebook() -> None:
    for layer in ("client", "server", "monitoring", "models"):
        for path in (PACKAGE / layer).rglob("*.py"):
            assert not any(name.startswith("mlcube_nb.notebook") for name in _imports(path)), path
