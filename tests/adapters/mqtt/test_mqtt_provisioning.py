"""Broker provisioning: generated files, atomic writes, SIGHUP reload and per-device ACLs on a real broker."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from mqtt_support import (
    INGEST_PASSWORD,
    INGEST_USER,
    TIMEOUT_S,
    MakeDevice,
    base_accounts,
    connect_reason,
    device_password,
)

from maeul.adapters.mqtt.passwords import mosquitto_password_hash
from maeul.adapters.mqtt.provisioning import (
    ACL_FILE_NAME,
    PASSWORD_FILE_NAME,
    BrokerAccount,
    device_account,
    device_username,
    ingest_account,
    reload_broker,
    render_acl_file,
    render_broker_config,
    render_password_file,
    write_provision,
)
from maeul.testing.mosquitto import MosquittoBroker, wait_until

H = "$7$101$AAAAAAAAAAAAAAAA$BBBB"


def test_device_username() -> None:
    assert device_username("namyangju", 7) == "namyangju/7"
    for tenant, device_id in (("Bad", 1), ("a/b", 1), ("t", 0)):
        with pytest.raises(ValueError):
            device_username(tenant, device_id)


def test_render_files() -> None:
    accounts = [device_account("namyangju", 7, H), ingest_account("maeul-ingest", H)]
    assert render_password_file(accounts) == f"namyangju/7:{H}\nmaeul-ingest:{H}\n"
    acl = render_acl_file(accounts)
    assert acl.splitlines()[0].startswith("#")
    assert acl.split("\n", 1)[1] == (
        "\nuser namyangju/7\ntopic write maeul/namyangju/7/telemetry\n"
        "\nuser maeul-ingest\ntopic read maeul/+/+/telemetry\n"
    )


@pytest.mark.parametrize(
    "account",
    [
        BrokerAccount("a:b", H),
        BrokerAccount("a b", H),
        BrokerAccount("", H),
        BrokerAccount("a\nuser root", H),
        BrokerAccount("a", "plaintext"),
        BrokerAccount("a", H, publish=["x\ntopic readwrite #"]),
        BrokerAccount("a", H, subscribe=[""]),
    ],
)
def test_render_rejects_unsafe_accounts(account: BrokerAccount, tmp_path: Path) -> None:
    for render in (render_password_file, render_acl_file):
        with pytest.raises(ValueError):
            render([account])
    with pytest.raises(ValueError):
        write_provision(tmp_path, [account])
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_render_rejects_duplicate_usernames() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        render_password_file([BrokerAccount("a", H), BrokerAccount("a", H)])


def test_broker_config(tmp_path: Path) -> None:
    conf = render_broker_config("127.0.0.1", 1884, tmp_path / "prov", tmp_path / "data", pid_file=tmp_path / "p")
    lines = conf.splitlines()
    for expected in (
        "allow_anonymous false",
        f"password_file {tmp_path.resolve()}/prov/{PASSWORD_FILE_NAME}",
        f"acl_file {tmp_path.resolve()}/prov/{ACL_FILE_NAME}",
        "persistence true",
        f"persistence_location {tmp_path.resolve()}/data/",
        f"pid_file {tmp_path.resolve()}/p",
        "listener 1884 127.0.0.1",
    ):
        assert expected in lines
    assert lines.index("allow_anonymous false") < lines.index("listener 1884 127.0.0.1")


def test_write_provision_is_atomic_and_private(tmp_path: Path) -> None:
    accounts = [device_account("namyangju", 7, H)]
    write_provision(tmp_path / "prov", accounts)
    write_provision(tmp_path / "prov", [*accounts, ingest_account("ingest", H)])
    assert sorted(os.listdir(tmp_path / "prov")) == [ACL_FILE_NAME, PASSWORD_FILE_NAME]  # no tmp files left
    passwd = tmp_path / "prov" / PASSWORD_FILE_NAME
    assert passwd.read_text().count("\n") == 2
    assert stat.S_IMODE(passwd.stat().st_mode) & 0o007 == 0


def test_reload_broker_without_pid_file(tmp_path: Path) -> None:
    assert reload_broker(tmp_path / "missing.pid") is False
    (tmp_path / "bad.pid").write_text("not a pid")
    with pytest.raises(ValueError):
        reload_broker(tmp_path / "bad.pid")


@pytest.mark.mqtt
def test_anonymous_clients_are_refused(broker: MosquittoBroker) -> None:
    assert connect_reason(broker, "", "").is_failure


@pytest.mark.mqtt
def test_provision_new_device_and_reload_by_sighup(broker: MosquittoBroker) -> None:
    assert connect_reason(broker, "suwon/2", "new-pw").is_failure
    write_provision(
        broker.provision_dir, [*base_accounts(), device_account("suwon", 2, mosquitto_password_hash("new-pw"))]
    )
    reloads = broker.log_text().count("Reloading config.")
    assert reload_broker(broker.pid_file) is True
    assert wait_until(lambda: broker.log_text().count("Reloading config.") > reloads, TIMEOUT_S)
    assert not connect_reason(broker, "suwon/2", "new-pw").is_failure
    # and revoking it again takes effect for new connections
    broker.reload(base_accounts())
    assert connect_reason(broker, "suwon/2", "new-pw").is_failure


@pytest.mark.mqtt
def test_device_publishes_only_to_its_own_topic(broker: MosquittoBroker, make_paho: MakeDevice) -> None:
    monitor = make_paho(INGEST_USER, INGEST_PASSWORD, subscribe="maeul/#")
    device7 = make_paho("namyangju/7", device_password("namyangju", 7))

    denied = [
        device7.publish("maeul/namyangju/8/telemetry", b"spoofed"),
        device7.publish("maeul/suwon/1/telemetry", b"spoofed"),
        device7.publish("maeul/namyangju/7/status", b"spoofed"),
    ]
    assert all(reason.value == 0x87 for reason in denied), denied  # MQTT 5 PUBACK: Not authorized
    assert not device7.publish("maeul/namyangju/7/telemetry", b"own").is_failure

    # The broker handles one connection's publishes in order: once "own" arrives, nothing earlier will.
    assert wait_until(lambda: len(monitor.received()) >= 1, TIMEOUT_S)
    assert monitor.received() == [("maeul/namyangju/7/telemetry", b"own")]


@pytest.mark.mqtt
def test_a_device_receives_no_telemetry(broker: MosquittoBroker, make_paho: MakeDevice) -> None:
    snoop = make_paho("namyangju/8", device_password("namyangju", 8), subscribe="maeul/#")
    monitor = make_paho(INGEST_USER, INGEST_PASSWORD, subscribe="maeul/#")
    device7 = make_paho("namyangju/7", device_password("namyangju", 7))
    device7.publish("maeul/namyangju/7/telemetry", b"private")
    assert wait_until(lambda: len(monitor.received()) == 1, TIMEOUT_S)
    own = make_paho("suwon/1", device_password("suwon", 1))
    own.publish("maeul/suwon/1/telemetry", b"later")
    assert wait_until(lambda: len(monitor.received()) == 2, TIMEOUT_S)
    assert snoop.received() == []
