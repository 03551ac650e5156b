"""Liveness and readiness for a load balancer or an orchestrator: ``/healthz`` and ``/readyz``.

``/healthz`` answers as long as the process serves HTTP (restart it when it stops answering).
``/readyz`` says whether this server can do useful work now: its database answers, its storage
root is reachable, and its job runner and outbox threads are alive; a load balancer sends traffic
only to ready servers. Each check reports its own state and the time it took, never a secret.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["meta"])


def _database(request: Request) -> None:
    with request.app.state.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _storage(request: Request) -> None:
    request.app.state.storage.probe()


def _background(request: Request) -> None:
    runner = getattr(request.app.state, "job_runner", None)
    outbox = getattr(request.app.state, "outbox", None)
    if runner is None or not runner.alive:
        raise RuntimeError("the job runner is not running")
    if outbox is None or not outbox.alive:
        raise RuntimeError("the outbox dispatcher is not running")


CHECKS: dict[str, Callable[[Request], None]] = {"database": _database, "storage": _storage, "executor": _background}


def _run(check: Callable[[Request], None], request: Request) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        check(request)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; its type says which
        outcome: dict[str, Any] = {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    else:
        outcome = {"ok": True}
    outcome["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return outcome


@router.get("/healthz", operation_id="healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers HTTP."""
    return {"status": "ok"}


@router.get("/readyz", operation_id="readyz", responses={503: {"description": "not ready"}})
def readyz(request: Request) -> JSONResponse:
    """Readiness: database, storage and background workers checked now; 503 when any fails."""
    checks = {name: _run(check, request) for name, check in CHECKS.items()}
    ready = all(c["ok"] for c in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)
