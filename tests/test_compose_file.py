"""compose.yaml (docs/scale.md's topology) parses and wires the parts the way the page says.

There is no Docker where this runs, so the file is checked for structure, not started.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from mlcube_nb.server.settings import Settings

COMPOSE = Path(__file__).resolve().parents[1] / "compose.yaml"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_has_every_part_of_the_topology() -> None:
    services = _compose()["services"]
    assert set(services) == {"db", "minio", "bucket", "scheduler", "worker", "migrate", "server-1", "server-2",
                             "balancer"}
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["migrate"]["command"] == ["mlcube-nb", "migrate"]
    assert services["scheduler"]["command"][:2] == ["dask", "scheduler"]
    assert services["worker"]["command"][:2] == ["dask", "worker"]


def test_both_servers_share_one_configuration_that_settings_understands() -> None:
    services = _compose()["services"]
    first, second = services["server-1"], services["server-2"]
    assert first["environment"] == second["environment"] and first["command"] == ["mlcube-nb", "serve"]
    assert first["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    env = first["environment"]
    known = {f"MLCUBE_{name.upper()}" for name in Settings.model_fields}
    assert {k for k in env if k.startswith("MLCUBE_")} <= known
    assert env["MLCUBE_MIGRATE_ON_START"] == "false" and env["MLCUBE_EXECUTOR"].startswith("dask://scheduler:")
    assert env["MLCUBE_STORAGE_URL"].startswith("s3://") and env["AWS_ENDPOINT_URL"] == "http://minio:9000"
    assert "MLCUBE_DATABASE_URL" not in services["worker"].get("environment", {})  # workers never see the database


def test_the_balancer_spreads_over_both_servers_and_streams_uploads() -> None:
    compose = _compose()
    nginx = compose["configs"]["nginx"]["content"]
    assert "server server-1:8730" in nginx and "server server-2:8730" in nginx
    assert "client_max_body_size 0" in nginx and "proxy_request_buffering off" in nginx
    assert compose["services"]["balancer"]["depends_on"]["server-1"] == {"condition": "service_healthy"}
    assert "/readyz" in " ".join(compose["services"]["server-1"]["healthcheck"]["test"])
