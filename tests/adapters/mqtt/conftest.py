"""Fixtures of the MQTT adapter tests: a private Mosquitto, ingest clients, devices; no leaked threads."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from mqtt_support import PahoClient

from maeul.adapters.mqtt.passwords import mosquitto_password_hash
from maeul.adapters.mqtt.provisioning import BrokerAccount, device_account, device_username, ingest_account
from maeul.adapters.mqtt.sink import TelemetrySink
from maeul.adapters.mqtt.subscriber import MqttIngestClient
from maeul.testing.mosquitto import MosquittoBroker, MosquittoNotFoundError, find_mosquitto, wait_until

INGEST_USER = "maeul-ingest"
INGEST_PASSWORD = "ingest-secret"
RAW_USER = "raw-tool"  # may publish anywhere under maeul/: used to send malformed topics
RAW_PASSWORD = "raw-secret"
DEVICES = {("namyangju", 7): "pw-7", ("namyangju", 8): "pw-8", ("suwon", 1): "pw-s1"}


def device_password(tenant: str, device_id: int) -> str:
    return DEVICES[(tenant, device_id)]


def base_accounts() -> list[BrokerAccount]:
    accounts = [device_account(t, d, mosquitto_password_hash(pw)) for (t, d), pw in DEVICES.items()]
    accounts.append(ingest_account(INGEST_USER, mosquitto_password_hash(INGEST_PASSWORD)))
    accounts.append(BrokerAccount(RAW_USER, mosquitto_password_hash(RAW_PASSWORD), publish=["maeul/#"]))
    return accounts


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
    try:
        find_mosquitto()
    except MosquittoNotFoundError as exc:
        pytest.skip(str(exc))
    verbose = os.environ.get("MAEUL_TEST_MOSQUITTO_VERBOSE") == "1"  # log every packet, for debugging
    instance = MosquittoBroker(tmp_path / "broker", base_accounts(), verbose=verbose)
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def ingest_url(broker: MosquittoBroker) -> str:
    return broker.url_for(INGEST_USER, INGEST_PASSWORD)


MakeClient = Callable[..., MqttIngestClient]


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


MakeDevice = Callable[..., PahoClient]


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
