"""Developer tool: autogenerate the next Alembic revision from the tables.

Usage: ``python tools/new_migration.py "message" 000N`` — applies every existing revision to a
throwaway SQLite file, then writes ``versions/000N_<message>.py`` with the difference.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from mlcube_nb.server.db.migrate import alembic_config, upgrade


def main() -> None:
    message, rev_id = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'gen.db'}")
        upgrade(engine)
        command.revision(alembic_config(engine), message=message, autogenerate=True, rev_id=rev_id)


if __name__ == "__main__":
    main()
