"""Create the first user outside HTTP (``mlcube-nb bootstrap``), on the configured database."""

from __future__ import annotations

from mlcube_nb.server.db.engine import make_engine, make_session_factory, transaction
from mlcube_nb.server.db.migrate import upgrade
from mlcube_nb.server.services.accounts import identity
from mlcube_nb.server.settings import Settings


def bootstrap(settings: Settings, *, username: str, email: str | None = None) -> tuple[str, str]:
    """Create or reuse *username* and mint them a new key; returns (user_id, key)."""
    settings.ensure_home()
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
        with transaction(make_session_factory(engine)) as session:
            user, key = identity.bootstrap_user(session=session, username=username, email=email)
            return user.id, key
    finally:
        engine.dispose()
