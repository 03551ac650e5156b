"""Pipeline steps the job tests run: module-level, so process pools and Dask workers can import them."""

from __future__ import annotations

import os
import time
from typing import Any


def sleep_step(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Sleep as long as the payload says and report when and where it ran."""
    start = time.time()
    time.sleep(payload.get("sleep", 0.1))
    return {"start": start, "end": time.time(), "pid": os.getpid()}


def fail_step(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Fail with the payload's reason."""
    raise ValueError(f"boom: {payload.get('why', 'no reason')}")


def record_run(session: Any, job: Any, carried: dict[str, Any]) -> None:
    """Finish: keep what the step reported on the job (payload is JSON)."""
    job.payload = {**job.payload, "ran": carried}
