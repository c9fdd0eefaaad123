"""Settings from environment variables (``MAEUL_*``) or a TOML file, with safe embedded defaults."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, model_validator

ENV_PREFIX = "MAEUL_"
# Largest write batch (group commit takes what is queued, up to this). Large enough that a batch holds several
# readings of each (device, key), so that the latest-value and rollup upserts are few per stored row: on
# PostgreSQL the store's server time per row is about 2.6 times lower at 20,000 than at 5,000 (issue 2).
DEFAULT_INGEST_BATCH_ROWS = 20_000


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which setting and why."""


class Settings(BaseModel):
    """Everything an operator can set. Environment variables override the TOML file."""

    data_dir: Path = Field(default=Path("data"), description="Where SQLite, broker files and keys live.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file maeul.db in data_dir."
    )
    mqtt_url: str | None = Field(
        default=None, description="mqtt://user:password@host:port of the broker; none means HTTP only."
    )
    mqtt_share_group: str = Field(default="maeul", description="Shared-subscription group of the workers.")
    mqtt_client_id: str = Field(default="maeul-ingest-1", description="Persistent-session client id.")
    mqtt_receive_maximum: int = Field(
        default=1000, ge=1, le=65535, description="Unacknowledged messages the broker may send each MQTT client."
    )
    mqtt_provision_dir: Path | None = Field(
        default=None, description="Where to write the broker's password and ACL files (Mosquitto)."
    )
    mqtt_broker_pid_file: Path | None = Field(
        default=None, description="Broker pid file; Maeul sends SIGHUP to reload provisioned credentials."
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True
    default_retention_days: int = Field(default=365, ge=1)
    ingest_queue_rows: int = Field(default=200_000, ge=1000, description="Rows buffered before back-pressure.")
    ingest_batch_rows: int = Field(default=DEFAULT_INGEST_BATCH_ROWS, ge=1, description="Largest write batch.")
    ingest_batch_ms: int = Field(default=0, ge=0, description="Extra wait to grow a batch (0: group commit).")
    ingest_workers: int = Field(
        default=0,
        ge=0,
        le=64,
        description="MQTT receiver processes (each its own client in the share group) feeding the one writer; "
        "0: the MQTT client runs in the main process.",
    )
    session_hours: int = Field(default=12, ge=1)
    rules_tick_s: float = Field(default=15.0, gt=0, description="How often time-based rules are evaluated.")
    rules_in_ingest_transaction: bool = Field(
        default=True,
        description="Evaluate rules on ingest inside the writer's transaction (alarming devices committed first, "
        "the rest of the batch after) instead of on a thread after its commit.",
    )
    rules_state_cache: bool = Field(
        default=True,
        description="Keep rule states in memory between evaluations (one Maeul node per database); "
        "false when several nodes share one PostgreSQL database, so that each reads what the others wrote.",
    )
    notify_retry_base_s: float = Field(
        default=5.0, gt=0, description="First retry delay of a failed notification; doubles each attempt."
    )
    notify_retry_cap_s: float = Field(default=300.0, gt=0, description="Longest delay between two retries.")
    services: str = Field(default="all", description="Services to run, comma-separated ('all', or '' for none).")

    @model_validator(mode="after")
    def _workers_share(self) -> Settings:
        if self.ingest_workers > 1 and not self.mqtt_share_group:
            raise ValueError("several ingest workers need a shared subscription (set MAEUL_MQTT_SHARE_GROUP)")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'maeul.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


def _env_values(environ: dict[str, str]) -> dict[str, Any]:
    fields = Settings.model_fields
    values: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        key = name[len(ENV_PREFIX) :].lower()
        if key in fields:
            values[key] = raw
    return values


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Read ``MAEUL_CONFIG`` (a TOML file) if set, then ``MAEUL_*`` variables, then explicit overrides."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    config_path = env.get(ENV_PREFIX + "CONFIG")
    if config_path:
        path = Path(config_path)
        try:
            with path.open("rb") as fh:
                document = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(f"MAEUL_CONFIG points to {path}, which does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
        section = document.get("maeul", document)
        unknown = set(section) - set(Settings.model_fields)
        if unknown:
            raise ConfigError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}")
        values.update(section)
    values.update(_env_values(env))
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{ENV_PREFIX}{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            if err["loc"]
            else err["msg"].removeprefix("Value error, ")
            for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from exc
