"""Settings: the one place that reads the environment (prefix ``MLCUBE_``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path.home() / ".mlcube"


class Settings(BaseSettings):
    """Every knob of the platform; see the README's settings table for what each one does."""

    model_config = SettingsConfigDict(env_prefix="MLCUBE_", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="Folder for the SQLite file, data and keys.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default a SQLite file `mlcube.db` in the home."
    )
    storage_url: str | None = Field(
        default=None, description="fsspec URL of the storage root (batches, staged uploads, summaries, reports): a "
                                  "folder, `s3://bucket/prefix`, `gs://...` (extra `gcs`), `az://...` (extra "
                                  "`abfs`); default `<home>/data`."
    )
    storage_options: dict[str, Any] = Field(
        default_factory=dict,
        description="JSON object of fsspec options of the storage root (e.g. "
                    "`{\"endpoint_url\": \"http://minio:9000\"}`); unset for `s3://` = the standard AWS variables. "
                    "Sent to job workers with each job.",
    )
    host: str = Field(default="127.0.0.1", description="Address `mlcube-nb serve` binds to.")
    port: int = Field(default=8730, ge=0, le=65535, description="Port `mlcube-nb serve` listens on.")
    public_url: str | None = Field(
        default=None, description="URL clients reach the server at (upload links); default from the request."
    )
    bootstrap_api_key: SecretStr | None = Field(
        default=None, description="At start-up, make sure a user holding exactly this API key exists."
    )
    bootstrap_username: str = Field(default="admin", description="User that holds the bootstrap key.")
    max_users: int | None = Field(default=None, ge=1, description="Users per company (None = unlimited).")
    max_tasks: int | None = Field(default=None, ge=1, description="Tasks per company (None = unlimited).")
    daily_data_batch_upload: int | None = Field(
        default=None, ge=1, description="Production batch uploads per company per day (None = unlimited)."
    )
    log_level: str = Field(default="info", description="Log level of the server.")
    migrate_on_start: bool = Field(
        default=True, description="Apply database migrations when a server starts; set false when a rollout runs "
                                  "`mlcube-nb migrate` once first (servers then refuse to start on an old schema).")
    executor: str = Field(
        default="process",
        description="Where jobs run: `process[:N]` (process pool), `thread[:N]`, or `dask://host:port`.",
    )
    smtp_host: str | None = Field(default=None, description="SMTP server for e-mail actions (None = e-mail disabled).")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_username: str | None = Field(default=None, description="SMTP login (None = no authentication).")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_sender: str = Field(default="mlcube@localhost", description="From address of e-mail actions.")
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection with STARTTLS.")
    action_timeout_s: float = Field(
        default=10.0, gt=0, description="Timeout in seconds of one rule-action delivery (HTTP, SMTP, MQTT, cloud)."
    )
    delivery_max_attempts: int = Field(
        default=5, ge=1, le=50, description="Attempts at delivering one rule action before it is recorded as failed."
    )
    delivery_backoff_s: float = Field(
        default=1.0, gt=0, description="Wait before the first retry of a failed delivery; it doubles on each retry."
    )
    upload_ttl_s: float = Field(
        default=3600.0, gt=0, le=7 * 86400,
        description="Lifetime in seconds of an upload slot: the file must be uploaded and used by an add_* call "
                    "within it.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Key encrypting integration secrets (a Fernet key or a passphrase); default `<home>/secret.key`.",
    )
    llm_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible base URL of the RAG evaluation's LLM judge (vLLM, llama.cpp, Ollama, a hosted "
                    "API), e.g. `http://127.0.0.1:11434/v1`; unset = the offline judge. Needs `mlcube-nb[llm]`.",
    )
    llm_model: str | None = Field(default=None, description="Model name the LLM judge asks for (with llm_base_url).")
    llm_api_key: SecretStr | None = Field(
        default=None,
        description="API key of the LLM judge's server, sent as a Bearer token; read by each job worker from its own "
                    "environment, never stored in a job or returned.",
    )
    llm_concurrency: int = Field(default=4, ge=1, le=64, description="LLM judge requests in flight at once.")
    llm_timeout_s: float = Field(default=60.0, gt=0, le=3600, description="Timeout of one LLM judge request.")

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file inside the home folder."""
        return self.database_url or f"sqlite:///{self.home / 'mlcube.db'}"

    @property
    def resolved_storage_url(self) -> str:
        """Where data batches live, defaulting to ``<home>/data``."""
        return self.storage_url or str(self.home / "data")

    @property
    def resolved_storage_options(self) -> dict[str, Any]:
        """fsspec options of the storage root: ``storage_options``, else for ``s3://`` the standard AWS variables.

        Job workers get these with every job (they share nothing with the server), so the AWS variables are
        read here, once, rather than expected in every worker's environment.
        """
        if self.storage_options or not self.resolved_storage_url.startswith(("s3://", "s3a://")):
            return dict(self.storage_options)
        env = os.environ
        options: dict[str, Any] = {}
        if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
            options.update(key=env["AWS_ACCESS_KEY_ID"], secret=env["AWS_SECRET_ACCESS_KEY"])
            if env.get("AWS_SESSION_TOKEN"):
                options["token"] = env["AWS_SESSION_TOKEN"]
        if env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL"):
            options["endpoint_url"] = env.get("AWS_ENDPOINT_URL_S3") or env["AWS_ENDPOINT_URL"]
        region = env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION")
        if region:
            options["client_kwargs"] = {"region_name": region}
        return options

    def ensure_home(self) -> Path:
        """Create the home folder (private to the user) and return it."""
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.home
