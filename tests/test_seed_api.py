"""ML3PlatformClient matches the seed reference for every method implemented so far (shared tool)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT.parent / "shared" / "tools" / "seed_api_check.py"

FOUNDATION = [
    "create_company", "get_company", "update_company", "get_all_company_subscription_plans",
    "get_active_subscription_plan", "create_project", "get_projects", "get_project", "update_project",
    "show_projects", "create_company_user", "get_company_users", "change_user_company_role",
    "show_company_users", "get_user_projects", "show_user_projects", "add_user_project_role",
    "delete_project_role", "get_api_keys", "show_api_keys", "create_api_key", "delete_api_key",
    "get_user_api_keys", "show_user_api_keys", "create_user_api_key", "delete_user_api_key",
    "change_company_owner", "delete_company_user",
]


@pytest.mark.skipif(not TOOL.exists(), reason="../shared/tools is not beside this checkout")
def test_seed_signatures_match_for_implemented_methods() -> None:
    out = subprocess.run([sys.executable, str(TOOL), "--json"], cwd=ROOT, capture_output=True, text=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    problems = [p for p in report["problems"] if p.split()[1].rstrip(":") in FOUNDATION]
    assert problems == []
