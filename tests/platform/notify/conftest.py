"""Fixtures of the notification flow tests: a migrated store, a controllable clock, real SMTP and HTTP receivers."""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "adapters" / "notify"))

from notify_flow_support import Clock, World, build_world, signed
from notify_support import DedupReceiver, Receiver, SmtpServer

from maeul.adapters.sql.engine import make_engine
from maeul.adapters.sql.migrate import upgrade
from maeul.platform.notify import NotifyOptions, NotifyService


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url, pool_size=8)
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def dedup() -> DedupReceiver:
    return DedupReceiver(signed)


@pytest.fixture
def hook(dedup: DedupReceiver) -> Iterator[Receiver]:
    with Receiver(dedup) as receiver:
        yield receiver


@pytest.fixture
def service(engine: Engine, clock: Clock, tmp_path: Path) -> Iterator[NotifyService]:
    svc = NotifyService(engine, base_dir=tmp_path, clock=clock, options=NotifyOptions(), rng=random.Random(7))
    try:
        yield svc
    finally:
        svc.stop()


@pytest.fixture
def world(engine: Engine, smtp: SmtpServer, hook: Receiver) -> World:
    return build_world(engine, smtp.port, hook.url("/119"))
