"""Mosquitto password hashes: same format as mosquitto_passwd, accepted by a real broker."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest
from mqtt_support import DEVICES, INGEST_PASSWORD, INGEST_USER, connect_reason

from maeul.adapters.mqtt.passwords import mosquitto_password_hash, verify_mosquitto_password
from maeul.adapters.mqtt.provisioning import BrokerAccount
from maeul.testing.mosquitto import MosquittoBroker


def test_format_and_default_salt() -> None:
    hashed = mosquitto_password_hash("secret")
    prefix, iterations, salt, digest = hashed.split("$")[1:]
    assert (prefix, iterations) == ("7", "101")
    assert len(base64.b64decode(salt)) == 12
    assert len(base64.b64decode(digest)) == 64
    assert mosquitto_password_hash("secret") != hashed  # a fresh salt each time
    assert verify_mosquitto_password("secret", hashed)
    assert not verify_mosquitto_password("Secret", hashed)


@pytest.mark.parametrize("bad", ["", "$6$abc", "$7$x$AAAA$AAAA", "$7$101$!!!$AAAA", "$7$101$AAAA", "plain"])
def test_verify_rejects_malformed(bad: str) -> None:
    assert not verify_mosquitto_password("secret", bad)


def test_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError):
        mosquitto_password_hash("x", iterations=0)
    for salt in (b"", b"x" * 11, b"x" * 13, b"x" * 16):
        with pytest.raises(ValueError, match="12 bytes"):
            mosquitto_password_hash("x", salt=salt)


def test_identical_to_mosquitto_passwd(tmp_path: Path) -> None:
    tool = shutil.which("mosquitto_passwd")
    if tool is None:
        pytest.skip("mosquitto_passwd is not installed")
    password = "비밀 pass:word/1"
    path = tmp_path / "passwd"
    subprocess.run([tool, "-c", "-b", str(path), "alice", password], check=True, capture_output=True)
    username, reference = path.read_text(encoding="utf-8").strip().split(":", 1)
    iterations, salt = reference.split("$")[2:4]
    assert username == "alice"
    ours = mosquitto_password_hash(password, salt=base64.b64decode(salt), iterations=int(iterations))
    assert ours == reference
    assert verify_mosquitto_password(password, reference)


@pytest.mark.mqtt
def test_broker_accepts_generated_hashes_and_refuses_wrong_password(broker: MosquittoBroker) -> None:
    assert not connect_reason(broker, INGEST_USER, INGEST_PASSWORD).is_failure
    assert not connect_reason(broker, "namyangju/7", DEVICES[("namyangju", 7)]).is_failure
    refused = connect_reason(broker, INGEST_USER, "wrong")
    assert refused.is_failure and refused.value in (0x86, 0x87), refused
    assert connect_reason(broker, "nobody", INGEST_PASSWORD).is_failure


@pytest.mark.mqtt
def test_broker_ignores_an_entry_whose_salt_is_not_12_bytes(broker: MosquittoBroker) -> None:
    digest = mosquitto_password_hash("pw", salt=b"s" * 12).split("$")[4]
    long_salt = f"$7$101${base64.b64encode(b's' * 16).decode()}${digest}"
    broker.reload([BrokerAccount("long-salt", long_salt)])
    assert connect_reason(broker, "long-salt", "pw").is_failure
    assert "Unable to decode password salt for user long-salt" in broker.log_text()


@pytest.mark.mqtt
def test_broker_reads_iterations_from_the_hash(broker: MosquittoBroker) -> None:
    slow = BrokerAccount("slow-hash", mosquitto_password_hash("pw", iterations=5000))
    zero = BrokerAccount("zero-salt", mosquitto_password_hash("pw", salt=b"\x00" * 12))
    broker.reload([slow, zero])
    assert not connect_reason(broker, "slow-hash", "pw").is_failure
    assert not connect_reason(broker, "zero-salt", "pw").is_failure
    assert connect_reason(broker, "slow-hash", "pw2").is_failure
