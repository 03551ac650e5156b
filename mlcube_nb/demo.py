"""``mlcube-nb demo``: a scripted tour on the embedded platform, printed step by step."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.enums import ApiKeyExpirationTime, StoragePolicy, UserCompanyRole, UserProjectRole
from mlcube_nb.server.bootstrap import bootstrap
from mlcube_nb.server.embedded import serve_in_thread
from mlcube_nb.server.settings import Settings


class _Tour:
    """Runs named steps, printing each with its duration, and keeps a summary."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, float]] = []

    def step(self, title: str, action: Callable[[], Any], describe: Callable[[Any], str] = str) -> Any:
        started = time.perf_counter()
        result = action()
        elapsed = time.perf_counter() - started
        self.rows.append((title, describe(result), elapsed))
        print(f"  ✓ {title:<38} {describe(result)}  ({elapsed * 1000:.0f} ms)")
        return result


def _tour(client: ML3PlatformClient, tour: _Tour) -> None:
    tour.step("create a company", lambda: client.create_company("Demo Co", "1 Demo Street", "IT00000000001"))
    project_id = tour.step("create a project", lambda: client.create_project(
        "churn model", "customer churn, monitored", StoragePolicy.MLCUBE))
    user_id = tour.step("invite a data scientist", lambda: client.create_company_user(
        "Grace", "Hopper", "grace", "change-me-at-login", "grace@example.com", UserCompanyRole.COMPANY_USER))
    tour.step("give her PROJECT_USER on the project", lambda: client.add_user_project_role(
        user_id, project_id, UserProjectRole.PROJECT_USER), lambda _: "done")
    key = tour.step("issue her an API key", lambda: client.create_user_api_key(
        user_id, "laptop", ApiKeyExpirationTime.THREE_MONTHS), lambda k: f"{k[:17]}… (shown once)")
    grace = ML3PlatformClient(client.url, key)
    tour.step("she lists the projects she can read", grace.get_projects,
              lambda ps: ", ".join(p.name for p in ps))
    tour.step("the plan and its quotas", client.get_active_subscription_plan,
              lambda plan: f"{plan.type.value} plan, {len(plan.boolean_licence_features)} modules on")
    print()
    client.show_projects()
    print()
    client.show_company_users()


def run_demo(keep_home: str | None = None) -> int:
    """Start the embedded platform, run the tour, print a summary; returns the exit code."""
    with tempfile.TemporaryDirectory(prefix="mlcube-demo-") as tmp:
        home = Path(keep_home) if keep_home else Path(tmp)
        settings = Settings(home=home, database_url=None, log_level="warning")
        started = time.perf_counter()
        handle = serve_in_thread(settings)
        print(f"mlcube_nb embedded platform at {handle.url} (home {home}), "
              f"ready in {time.perf_counter() - started:.2f} s\n")
        try:
            _, key = bootstrap(settings, username="demo")
            tour = _Tour()
            _tour(ML3PlatformClient(handle.url, key), tour)
        finally:
            handle.stop()
        total = sum(r[2] for r in tour.rows)
        print(f"\n{len(tour.rows)} steps in {total:.2f} s. Next: `make test`, or `%load_ext mlcube_nb` in Jupyter.")
    return 0
