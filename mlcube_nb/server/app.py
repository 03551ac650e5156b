"""``create_app(settings)``: builds the FastAPI app, its database and background work; nothing at import."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI

from mlcube_nb.server.db.engine import make_engine, make_session_factory, transaction
from mlcube_nb.server.db.migrate import require_current_schema, upgrade
from mlcube_nb.server.errors import install_error_handlers
from mlcube_nb.server.health import router as health_router
from mlcube_nb.server.jobs.housekeeping import housekeeping
from mlcube_nb.server.jobs.signals import JobSignals
from mlcube_nb.server.json_limits import JsonBodyLimits
from mlcube_nb.server.outbox import OutboxDispatcher
from mlcube_nb.server.redact import install_redaction
from mlcube_nb.server.routes import (
    api_keys,
    arthur,
    company,
    credentials,
    data,
    estimation,
    jobs,
    kpis,
    models,
    monitoring,
    projects,
    rag_evaluation,
    retraining,
    rules,
    schemas,
    session,
    tasks,
    topic_modeling,
    triggers,
    uploads,
    users,
)
from mlcube_nb.server.services.accounts import identity
from mlcube_nb.server.settings import Settings
from mlcube_nb.server.storage import Storage

API_PREFIX = "/sdk/v1"
ROUTERS = (company.router, projects.router, users.router, api_keys.router, tasks.router, models.router,
           schemas.router, kpis.router, data.router, jobs.router, monitoring.router, estimation.router,
           credentials.router, rules.router, triggers.router, session.router, arthur.router,
           retraining.router, rag_evaluation.router, topic_modeling.router)
log = logging.getLogger("mlcube_nb.server")

if TYPE_CHECKING:
    from mlcube_nb.server.jobs.runner import JobRunner


def _bootstrap(app: FastAPI, settings: Settings) -> None:
    if settings.bootstrap_api_key is None:
        return
    with transaction(app.state.session_factory) as session:
        identity.ensure_bootstrap_key(session=session, username=settings.bootstrap_username,
                                      api_key=settings.bootstrap_api_key.get_secret_value())


def _job_runner(app: FastAPI, settings: Settings) -> JobRunner:
    """The runner of this app's jobs, on the executor named by ``MLCUBE_EXECUTOR``."""
    from mlcube_nb.server.jobs.runner import JobRunner  # its job catalog imports the pipelines (scipy, sklearn)

    return JobRunner(app.state.session_factory, executor=settings.executor, signals=app.state.job_signals,
                     context={"storage_url": settings.resolved_storage_url,
                              "storage_options": settings.resolved_storage_options},
                     maintenance=housekeeping(settings, app.state.storage))


class _BackgroundJobs:
    """The job runner started in a thread: the app answers meanwhile (a job posted now waits in its queue, the
    jobs table being the truth, and ``/readyz`` says "not running" until the runner is up). ``stop`` does not
    wait for a start still importing the pipelines: that runner is then never started."""

    def __init__(self, app: FastAPI, settings: Settings) -> None:
        self.app, self.settings = app, settings
        self._lock = threading.Lock()
        self._stopping = False
        threading.Thread(target=self._start, name="mlcube-jobs-start", daemon=True).start()

    def _start(self) -> None:
        try:
            runner = _job_runner(self.app, self.settings)  # the slow part: imports the job catalog
            with self._lock:
                if self._stopping:
                    return
                runner.start()
                self.app.state.job_runner = runner
        except Exception:  # noqa: BLE001 - no runner: /readyz reports it, the log says why
            log.exception("the job runner did not start")

    def stop(self) -> None:
        """Stop the runner if it started; a start still under way will not start it."""
        with self._lock:
            self._stopping = True
            runner = getattr(self.app.state, "job_runner", None)
        if runner is not None:
            runner.stop()


def create_app(settings: Settings | None = None, *, jobs_in_background: bool = False) -> FastAPI:
    """The platform app for *settings*: migrates the database, then serves the wire API under /sdk/v1. With
    *jobs_in_background* the job runner (whose catalog imports every pipeline: pandas, scipy, scikit-learn)
    starts in a thread while the app already answers; the notebook's embedded platform asks for it."""
    settings = settings or Settings()
    install_redaction()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _bootstrap(app, settings)
        background = _BackgroundJobs(app, settings) if jobs_in_background else None
        if background is None:
            runner = app.state.job_runner = _job_runner(app, settings)
            runner.start()
        outbox = app.state.outbox = OutboxDispatcher(app.state.session_factory, settings)
        outbox.start()
        log.info("mlcube_nb platform ready (database: %s)", app.state.engine.url.get_backend_name())
        yield
        outbox.stop()
        if background is not None:
            background.stop()
        else:
            runner.stop()
        app.state.engine.dispose()

    app = FastAPI(title="mlcube_nb platform", version="0.1.0", lifespan=lifespan)
    settings.ensure_home()
    app.state.settings = settings
    app.state.engine = make_engine(settings.resolved_database_url)
    if settings.migrate_on_start:
        upgrade(app.state.engine)
    else:
        require_current_schema(app.state.engine)
    app.state.session_factory = make_session_factory(app.state.engine)
    app.state.storage = Storage(settings.resolved_storage_url, settings.resolved_storage_options)
    app.state.job_signals = JobSignals()
    install_error_handlers(app)
    app.add_middleware(JsonBodyLimits)  # depth and size of JSON bodies measured before FastAPI parses them
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(uploads.router)  # presigned upload URLs: outside the API prefix, no API key
    app.include_router(health_router)  # /healthz, /readyz: for load balancers, no API key

    @app.get("/health", operation_id="health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
