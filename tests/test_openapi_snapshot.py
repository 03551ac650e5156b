"""The wire contract in review: the server's OpenAPI document must equal the committed `tests/openapi.json`.

A change of a route, a parameter, a bound or a model shows up as a diff of that file in the same
commit. After an intended change, rewrite it with::

    MLCUBE_UPDATE_OPENAPI=1 .venv/bin/pytest tests/test_openapi_snapshot.py
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from pathlib import Path

from mlcube_nb.server.app import create_app
from mlcube_nb.server.settings import Settings

SNAPSHOT = Path(__file__).with_name("openapi.json")


def _document() -> str:
    with tempfile.TemporaryDirectory() as home:
        document = create_app(Settings(home=Path(home), executor="inline")).openapi()
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def test_openapi_document_matches_the_committed_snapshot() -> None:
    current = _document()
    if os.environ.get("MLCUBE_UPDATE_OPENAPI") == "1":
        SNAPSHOT.write_text(current, encoding="utf-8")
    committed = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
    if current != committed:
        diff = "".join(list(difflib.unified_diff(committed.splitlines(True), current.splitlines(True),
                                                 "tests/openapi.json (committed)", "the server's document"))[:200])
        raise AssertionError("The wire contract changed; if that is intended, rewrite the snapshot with "
                             f"MLCUBE_UPDATE_OPENAPI=1 .venv/bin/pytest {Path(__file__).name} and commit it.\n{diff}")
