"""The HTTP transport against a real server on 127.0.0.1: stored rows, clear errors, an unreachable server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sim_support import make_tenant, sqlite_platform_in

from maeul.adapters.http.app import create_app
from maeul.adapters.sql.telemetry_query import latest
from maeul.platform.app import Platform
from maeul.simulate.fleet import SimDevice, ensure_sim_devices
from maeul.simulate.runner import SimConfig, Simulator
from maeul.simulate.transports import HttpTransport, TransportError
from maeul.testing.mosquitto import free_port, wait_until


@pytest.fixture
def sqlite_platform(tmp_path: Path) -> Iterator[Platform]:
    with sqlite_platform_in(tmp_path / "data") as platform:
        yield platform


@pytest.fixture
def sqlite_tenant(sqlite_platform: Platform) -> str:
    return make_tenant(sqlite_platform)


@pytest.fixture
def server_url(sqlite_platform: Platform) -> Iterator[str]:
    """The REST API of ``sqlite_platform`` served by uvicorn in a thread."""
    port = free_port()
    config = uvicorn.Config(
        create_app(sqlite_platform, manage_lifecycle=False), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: server.started, 10.0), "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_http_feeding_stores_rows(sqlite_platform: Platform, sqlite_tenant: str, server_url: str) -> None:
    fleet = ensure_sim_devices(sqlite_platform, sqlite_tenant, 3)
    report = Simulator(fleet, HttpTransport(server_url), SimConfig(rate=30, duration_s=0, messages=30)).run()
    assert (report.transport, report.sent, report.accepted, report.failed) == ("http", 30, 30, 0)
    with sqlite_platform.engine.connect() as conn:
        for device in fleet:
            assert set(latest(conn, device.id)) == {"temperature", "humidity", "illuminance", "motion"}


def test_unknown_token_is_reported(sqlite_platform: Platform, sqlite_tenant: str, server_url: str) -> None:
    transport = HttpTransport(server_url)
    transport.open([])
    try:
        error = transport.send(SimDevice(1, "ghost", "mau_dev_not-a-token"), b'{"temperature": 21}')
    finally:
        transport.close()
    assert error is not None and error.startswith("HTTP 401: unknown device token")


def test_unreachable_server() -> None:
    transport = HttpTransport(f"http://127.0.0.1:{free_port()}", timeout_s=2)
    with pytest.raises(TransportError, match="cannot reach the server"):
        transport.open([])


def test_url_must_be_http() -> None:
    with pytest.raises(TransportError, match="http://"):
        HttpTransport("127.0.0.1:8000")
