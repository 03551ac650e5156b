"""The layers of ARCHITECTURE.md, checked on the source: who may import whom (function-level imports included).

Reading the files (not importing them) sees every import, also those hidden inside functions, which
is where an upward import would otherwise go unnoticed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mlcube_nb"
WEB_AND_DB = ("sqlalchemy", "alembic", "fastapi", "starlette", "uvicorn", "requests", "urllib3")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module *path* imports, relative imports resolved to absolute names."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
    return found


def _violations(folder: str, forbidden: tuple[str, ...], allowed_files: tuple[str, ...] = ()) -> list[str]:
    root = PACKAGE / folder
    files = [root] if root.suffix == ".py" else sorted(root.rglob("*.py"))
    bad = []
    for path in files:
        if path.name in allowed_files:
            continue
        for name in sorted(_imports(path)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    return bad


PURE = ("mlcube_nb.server", "mlcube_nb.client", "mlcube_nb.notebook", "mlcube_nb.arthur", *WEB_AND_DB)

RULES = {
    "monitoring/ is pure mathematics": ("monitoring", PURE),
    "retraining/ is pure": ("retraining", PURE),
    "topics/ is pure": ("topics", PURE),
    "rag_evaluation/ is pure (its LLM judge speaks through the openai package)": (
        "rag_evaluation", ("mlcube_nb.server", "mlcube_nb.client", "mlcube_nb.notebook", *WEB_AND_DB[:5])),
    "the wire contract (models/) imports only pydantic and itself": (
        "models", ("mlcube_nb.server", "mlcube_nb.client", "mlcube_nb.notebook", "mlcube_nb.monitoring",
                   *WEB_AND_DB)),
    "enums.py is the contract": ("enums.py", PURE),
    "exceptions.py is the contract": ("exceptions.py", PURE),
    "client/ never reaches into the server": (
        "client", ("mlcube_nb.server", "mlcube_nb.notebook", "sqlalchemy", "fastapi", "starlette", "uvicorn")),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_layer(rule: str) -> None:
    folder, forbidden = RULES[rule]
    assert _violations(folder, forbidden) == []


def test_notebook_uses_the_server_only_to_launch_the_embedded_platform() -> None:
    assert _violations("notebook", ("mlcube_nb.server", "sqlalchemy", "fastapi"), allowed_files=("launcher.py",)) == []


def test_the_import_walker_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    assert "mlcube_nb.monitoring._regrid" in _imports(PACKAGE / "monitoring" / "numeric_summary.py")
    assert "mlcube_nb.server.settings" in _imports(PACKAGE / "server" / "app.py")


def test_pipelines_import_no_service_and_no_database() -> None:
    """Job steps run on workers that share nothing with the server: they read storage and compute, never the DB."""
    forbidden = ("mlcube_nb.server.services", "mlcube_nb.server.db", "mlcube_nb.server.jobs", *WEB_AND_DB[:5])
    assert _violations("server/pipelines", forbidden) == []
