"""What a benchmark runs against: a private Mosquitto with bench accounts, a fresh SQLite or PostgreSQL store."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, func, select

from maeul.adapters.mqtt.passwords import mosquitto_password_hash
from maeul.adapters.mqtt.provisioning import BrokerAccount, ingest_account
from maeul.adapters.sql.tables import latest_values
from maeul.benchmarking.publisher import Client, PublisherGroup
from maeul.benchmarking.workload import TENANT
from maeul.testing.databases import sqlite_url, temporary_postgres
from maeul.testing.mosquitto import MosquittoBroker

Store = Literal["sqlite", "postgres"]
STORES: tuple[Store, ...] = ("sqlite", "postgres")
INGEST_USER = "maeul-ingest"
PUBLISHER_USER = "bench-publisher"


@dataclass(frozen=True)
class BenchBroker:
    """A running private broker; the ingest account reads all telemetry, the publisher writes ``maeul/#``."""

    broker: MosquittoBroker
    ingest_password: str
    publisher_password: str

    @property
    def host(self) -> str:
        return self.broker.host

    @property
    def port(self) -> int:
        return self.broker.port

    @property
    def ingest_url(self) -> str:
        return self.broker.url_for(INGEST_USER, self.ingest_password)

    def pids(self) -> list[int]:
        """The broker's process id (from its pid file), for CPU accounting; empty if unknown."""
        try:
            text = self.broker.pid_file.read_text(encoding="ascii").strip()
        except OSError:
            return []
        return [int(text)] if text.isdigit() else []


@contextmanager
def bench_broker(directory: Path) -> Iterator[BenchBroker]:
    """A private Mosquitto (Maeul's own generated configuration) on a free loopback port; stopped afterwards."""
    ingest_password = secrets.token_urlsafe(18)
    publisher_password = secrets.token_urlsafe(18)
    accounts = [
        ingest_account(INGEST_USER, mosquitto_password_hash(ingest_password)),
        BrokerAccount(PUBLISHER_USER, mosquitto_password_hash(publisher_password), publish=["maeul/#"]),
    ]
    broker = MosquittoBroker(directory, accounts)
    try:
        yield BenchBroker(broker, ingest_password, publisher_password)
    finally:
        broker.stop()


@contextmanager
def fresh_database(store: Store, directory: Path) -> Iterator[str]:
    """The SQLAlchemy URL of an empty database: a SQLite file in ``directory`` or a new PostgreSQL database."""
    if store == "sqlite":
        directory.mkdir(parents=True, exist_ok=True)
        yield sqlite_url(directory)
        return
    with temporary_postgres("maeul_bench") as url:
        yield url


def load_publishers(
    broker: BenchBroker,
    device_ids: Sequence[int],
    *,
    processes: int,
    readings: int,
    window: int,
    rate: float | None = None,
    client: Client = "lean",
    after_ms: int = 0,
) -> PublisherGroup:
    """Publisher processes sending the workload's messages for ``device_ids`` through the benchmark's broker: at
    ``rate`` messages/s, or closed loop (``rate`` None) with at most ``window`` unacknowledged (1,000 at most);
    every stamp later than ``after_ms``."""
    return PublisherGroup(
        host=broker.host,
        port=broker.port,
        username=PUBLISHER_USER,
        password=broker.publisher_password,
        tenant=TENANT,
        device_ids=device_ids,
        processes=processes,
        readings=readings,
        inflight=min(window, 1000),
        rate=rate,
        client=client,
        after_ms=after_ms,
    )


def newest_stamp_ms(engine: Engine) -> int:
    """The newest reading time stored (0 if none): the next publisher group starts after it."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(latest_values.c.ts))).scalar_one() or 0)
