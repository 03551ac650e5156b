"""The mlcube_nb platform server: FastAPI app, database, services, jobs and actions."""

from mlcube_nb.server.app import create_app
from mlcube_nb.server.settings import Settings

__all__ = ["Settings", "create_app"]
