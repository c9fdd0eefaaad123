"""Fixtures of the MQTT adapter tests: a private Mosquitto, ingest clients, devices; no leaked threads."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from mqtt_support import (
    INGEST_PASSWORD,
    INGEST_USER,
    MakeClient,
    MakeDevice,
    PahoClient,
    base_accounts,
    device_password,
)

from maeul.adapters.mqtt.provisioning import device_username
from maeul.adapters.mqtt.sink import TelemetrySink
from maeul.adapters.mqtt.subscriber import MqttIngestClient
from maeul.testing.mosquitto import MosquittoBroker, require_mosquitto, wait_until


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Every test must stop the clients and brokers it started: no new thread may outlive it."""
    before = set(threading.enumerate())

    def leaked() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t not in before and t.is_alive()]

    yield
    assert wait_until(lambda: not leaked(), 5.0), f"threads left running: {leaked()}"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    require_mosquitto()
    verbose = os.environ.get("MAEUL_TEST_MOSQUITTO_VERBOSE") == "1"  # log every packet, for debugging
    instance = MosquittoBroker(tmp_path / "broker", base_accounts(), verbose=verbose)
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def ingest_url(broker: MosquittoBroker) -> str:
    return broker.url_for(INGEST_USER, INGEST_PASSWORD)


@pytest.fixture
def make_client(broker: MosquittoBroker) -> Iterator[MakeClient]:
    """Build and start MqttIngestClients (fast reconnects); all are stopped at the end of the test."""
    clients: list[MqttIngestClient] = []

    def make(client_id: str, sink: TelemetrySink, *, group: str = "maeul", url: str | None = None, start: bool = True):
        client = MqttIngestClient(
            url or broker.url_for(INGEST_USER, INGEST_PASSWORD),
            client_id,
            group,
            sink,
            reconnect_min_delay_s=1,
            reconnect_max_delay_s=2,
        )
        clients.append(client)
        if start:
            client.start(timeout_s=15)
        return client

    yield make
    for client in clients:
        client.stop()


@pytest.fixture
def make_paho(broker: MosquittoBroker) -> Iterator[MakeDevice]:
    """Plain paho clients: ``make_paho(username, password, subscribe=None)``; all closed at the end."""
    made: list[PahoClient] = []

    def make(username: str, password: str, *, subscribe: str | None = None) -> PahoClient:
        client = PahoClient(broker, username, password, subscribe=subscribe)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def device(make_paho: MakeDevice) -> Callable[[str, int], PahoClient]:
    """``device(tenant, device_id)``: a connected device with its provisioned credentials."""

    def connect(tenant: str, device_id: int) -> PahoClient:
        return make_paho(device_username(tenant, device_id), device_password(tenant, device_id))

    return connect
