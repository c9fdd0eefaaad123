"""MqttIngestClient against a real Mosquitto: shared QoS 1 subscription, ack after storage, no loss."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from mqtt_support import (
    INGEST_USER,
    RAW_PASSWORD,
    RAW_USER,
    TIMEOUT_S,
    MakeClient,
    MakeDevice,
    PahoClient,
    RecordingSink,
)

from maeul.adapters.mqtt.subscriber import BrokerAddress, MqttStartError, parse_mqtt_url
from maeul.testing.mosquitto import MosquittoBroker, free_port, wait_until

pytestmark = pytest.mark.mqtt
TOPIC7 = "maeul/namyangju/7/telemetry"
Device = Callable[[str, int], PahoClient]


def publish_numbered(device: PahoClient, topic: str, numbers: range) -> None:
    for n in numbers:
        assert not device.publish(topic, str(n).encode()).is_failure


def numbers(sink: RecordingSink) -> list[int]:
    return [int(p) for p in sink.payloads()]


def test_messages_reach_the_sink_and_are_acked(make_client: MakeClient, device: Device) -> None:
    sink = RecordingSink()
    client = make_client("ingest-1", sink)
    publish_numbered(device("namyangju", 7), TOPIC7, range(5))
    device("suwon", 1).publish("maeul/suwon/1/telemetry", b'{"t": 21.5}')
    assert wait_until(lambda: client.acked == 6, TIMEOUT_S)
    items = sink.items
    assert [(i.tenant, i.device_id, i.topic) for i in items[:1]] == [("namyangju", 7, TOPIC7)]
    assert (items[-1].tenant, items[-1].device_id, items[-1].payload) == ("suwon", 1, b'{"t": 21.5}')
    assert (client.received, client.rejected, client.stale_acks) == (6, 0, 0)


def test_malformed_topics_are_dead_lettered_and_acked(make_client: MakeClient, make_paho: MakeDevice) -> None:
    sink = RecordingSink()
    client = make_client("ingest-1", sink)
    raw = make_paho(RAW_USER, RAW_PASSWORD)
    bad_topics = ["maeul/Nam_Yangju/7/telemetry", "maeul/namyangju/007/telemetry", "maeul/namyangju/0/telemetry"]
    for topic in bad_topics:
        raw.publish(topic, b"x")
    raw.publish(TOPIC7, b"good")
    assert wait_until(lambda: client.acked == 4, TIMEOUT_S)
    assert [(t, r) for t, _p, r in sink.rejects] == [(t, "malformed telemetry topic") for t in bad_topics]
    assert client.rejected == 3 and sink.payloads() == [b"good"]

    # They were acknowledged: the same session gets nothing again, only the sentinel published later.
    client.stop()
    again = RecordingSink()
    make_client("ingest-1", again)
    raw.publish(TOPIC7, b"sentinel")
    assert wait_until(lambda: again.count() == 1, TIMEOUT_S)
    assert again.payloads() == [b"sentinel"] and again.rejects == []


def test_shared_subscription_splits_without_duplicates(make_client: MakeClient, device: Device) -> None:
    sink_a, sink_b = RecordingSink(), RecordingSink()
    client_a, client_b = make_client("ingest-a", sink_a), make_client("ingest-b", sink_b)
    publish_numbered(device("namyangju", 7), TOPIC7, range(60))
    publish_numbered(device("namyangju", 8), "maeul/namyangju/8/telemetry", range(60, 100))
    assert wait_until(lambda: client_a.acked + client_b.acked == 100, TIMEOUT_S)
    got = numbers(sink_a) + numbers(sink_b)
    assert sorted(got) == list(range(100))  # all, and none twice
    assert sink_a.count() > 0 and sink_b.count() > 0
    assert not set(numbers(sink_a)) & set(numbers(sink_b))


def test_unacked_messages_are_redelivered_to_the_same_client_id(make_client: MakeClient, device: Device) -> None:
    sink = RecordingSink(hold=lambda payload: int(payload) % 3 == 0)  # "storage" never finishes these
    client = make_client("ingest-1", sink)
    dev = device("namyangju", 7)
    publish_numbered(dev, TOPIC7, range(30))
    assert wait_until(lambda: client.received == 30, TIMEOUT_S)
    assert client.acked == 20
    client.stop()
    assert sink.release() == 10  # storage completes after the connection is gone: these acks are dropped
    assert client.stale_acks == 10 and client.acked == 20

    publish_numbered(dev, TOPIC7, range(30, 35))  # queued in the session while no client is connected
    again = RecordingSink()
    client2 = make_client("ingest-1", again)
    assert wait_until(lambda: client2.acked == 15, TIMEOUT_S)
    assert sorted(numbers(again)) == [*range(0, 30, 3), *range(30, 35)]

    # Now everything is acknowledged: after one more restart of the client only new messages arrive.
    client2.stop()
    final = RecordingSink()
    make_client("ingest-1", final)
    dev.publish(TOPIC7, b"99")
    assert wait_until(lambda: final.count() >= 1, TIMEOUT_S)
    assert numbers(final) == [99]


def test_messages_stored_together_are_all_acknowledged_at_once(make_client: MakeClient, device: Device) -> None:
    """Held, then committed in one go (PUBACKs written together): every one is acknowledged, none comes back."""
    sink = RecordingSink(hold=lambda _payload: True)
    client = make_client("ingest-1", sink)
    dev = device("namyangju", 7)
    publish_numbered(dev, TOPIC7, range(200))
    assert wait_until(lambda: client.received == 200, TIMEOUT_S)
    assert client.acked == 0
    assert sink.release() == 200
    assert wait_until(lambda: client.acked == 200, TIMEOUT_S)
    assert client.stale_acks == 0
    client.stop()

    again = RecordingSink()
    make_client("ingest-1", again)
    dev.publish(TOPIC7, b"999")
    assert wait_until(lambda: again.count() >= 1, TIMEOUT_S)
    assert numbers(again) == [999]  # nothing of the 200 was redelivered


def test_start_fails_clearly_without_gmqtts_qos1_hook(make_client: MakeClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another gmqtt without the packet hook Maeul takes must fail the start with a reason, not drop PUBACKs."""
    from gmqtt.mqtt.handler import MqttPackageHandler

    monkeypatch.delattr(MqttPackageHandler, "_handle_qos_1_publish_packet")
    with pytest.raises(MqttStartError, match="QoS 1 delivery hook"):
        make_client("ingest-1", RecordingSink())


def test_unacked_messages_stay_with_their_session(make_client: MakeClient, device: Device) -> None:
    """Another group member does not take over a stopped member's unacked messages (nor its share)."""
    held = RecordingSink(hold=lambda _payload: True)
    client = make_client("ingest-1", held)
    dev = device("namyangju", 7)
    publish_numbered(dev, TOPIC7, range(3))
    assert wait_until(lambda: client.received == 3, TIMEOUT_S)
    client.stop()
    other = RecordingSink()
    make_client("ingest-2", other)
    publish_numbered(dev, TOPIC7, range(10, 14))
    assert wait_until(lambda: other.count() >= 2, TIMEOUT_S)
    assert sorted(numbers(other)) == [11, 13]  # 10 and 12 went round-robin to the offline ingest-1 session


def test_offline_group_member_keeps_its_share_until_it_returns(make_client: MakeClient, device: Device) -> None:
    """Mosquitto keeps assigning shared messages to an offline persistent member: they wait for it."""
    sink_a, sink_b = RecordingSink(), RecordingSink()
    client_a = make_client("ingest-a", sink_a)
    make_client("ingest-b", sink_b)
    dev = device("namyangju", 7)
    publish_numbered(dev, TOPIC7, range(10))
    assert wait_until(lambda: sink_a.count() + sink_b.count() == 10, TIMEOUT_S)
    client_a.stop()
    publish_numbered(dev, TOPIC7, range(10, 20))
    sink_a2 = RecordingSink()
    make_client("ingest-a", sink_a2)
    assert wait_until(lambda: sink_a.count() + sink_b.count() + sink_a2.count() == 20, TIMEOUT_S)
    assert sorted(numbers(sink_a) + numbers(sink_b) + numbers(sink_a2)) == list(range(20))
    assert sink_a2.count() > 0  # its share of 10..19 was queued for it while it was away


def test_broker_restart_mid_stream_loses_nothing(
    broker: MosquittoBroker, make_client: MakeClient, device: Device
) -> None:
    total, restart_at, held_below = 200, 100, 20
    sink = RecordingSink(hold=lambda payload: int(payload) < held_below)  # unacked when the broker goes down
    client = make_client("ingest-1", sink)
    dev = device("namyangju", 7)
    published = threading.Event()
    reached = threading.Event()
    errors: list[BaseException] = []

    def stream() -> None:
        try:
            for n in range(total):
                if n == restart_at:
                    reached.set()
                dev.publish_reliably(TOPIC7, str(n).encode())
        except BaseException as exc:
            errors.append(exc)
        finally:
            reached.set()
            published.set()

    publisher = threading.Thread(target=stream, name="test-publisher")
    publisher.start()
    try:
        assert reached.wait(TIMEOUT_S)
        broker.restart()
        assert published.wait(60), "publisher did not finish"
    finally:
        publisher.join(60)
    assert not errors, errors
    complete = wait_until(lambda: client.is_subscribed and set(numbers(sink)) >= set(range(total)), TIMEOUT_S)
    assert complete, f"lost: {sorted(set(range(total)) - set(numbers(sink)))}"
    sink.release()  # pre-restart completions are stale; the redelivered copies were held and are acked now

    # Every message was acknowledged in the end: a restarted client gets only what is published afterwards.
    client.stop()
    final = RecordingSink()
    make_client("ingest-1", final)
    dev.publish(TOPIC7, b"999")
    assert wait_until(lambda: final.count() >= 1, TIMEOUT_S)
    assert numbers(final) == [999]
    duplicates = {n: c for n, c in Counter(numbers(sink)).items() if c > 1}
    assert set(range(held_below)) <= set(duplicates)  # redelivered after the restart (at least once)
    assert client.stale_acks >= held_below


def test_broker_restart_keeps_session_messages_but_forgets_the_shared_subscription(
    broker: MosquittoBroker, make_client: MakeClient, device: Device
) -> None:
    """Characterizes Mosquitto 2.0.11: what a restart keeps and what it drops until the worker resubscribes.

    Unacknowledged and queued messages of the persistent session survive a (graceful) restart, but the
    session's $share subscription does not: until the worker reconnects and subscribes again, telemetry is
    dropped and MQTT 5 publishers get PUBACK reason 0x10 "No matching subscribers" (3.1.1 ones get nothing).
    """
    sink = RecordingSink(hold=lambda _payload: True)
    client = make_client("ingest-1", sink)
    dev = device("namyangju", 7)
    publish_numbered(dev, TOPIC7, range(3))
    assert wait_until(lambda: client.received == 3, TIMEOUT_S)
    client.stop()
    publish_numbered(dev, TOPIC7, range(3, 5))  # queued for the offline session
    broker.restart()
    other = device("namyangju", 7)  # the first device client reconnects on its own schedule
    assert other.publish(TOPIC7, b"5").value == 0x10  # dropped: nobody subscribed any more
    again = RecordingSink()
    make_client("ingest-1", again)
    other.publish(TOPIC7, b"6")
    assert wait_until(lambda: again.count() >= 6, TIMEOUT_S)
    assert sorted(numbers(again)) == [0, 1, 2, 3, 4, 6]


def test_exclusive_subscription_survives_a_broker_restart(
    broker: MosquittoBroker, make_client: MakeClient, device: Device
) -> None:
    """With an empty share group the plain subscription is restored by Mosquitto: nothing is dropped."""
    sink = RecordingSink()
    client = make_client("ingest-solo", sink, group="")
    dev = device("namyangju", 7)
    publish_numbered(dev, TOPIC7, range(3))
    assert wait_until(lambda: client.acked == 3, TIMEOUT_S)
    client.stop()
    broker.restart()
    other = device("namyangju", 7)
    assert other.publish(TOPIC7, b"3").value == 0  # Success: the offline session is still subscribed
    again = RecordingSink()
    make_client("ingest-solo", again, group="")
    other.publish(TOPIC7, b"4")
    assert wait_until(lambda: again.count() >= 2, TIMEOUT_S)
    assert numbers(again) == [3, 4]


def test_start_fails_fast_with_bad_credentials(broker: MosquittoBroker, make_client: MakeClient) -> None:
    with pytest.raises(MqttStartError, match="Not authorized"):
        make_client("ingest-1", RecordingSink(), url=broker.url_for(INGEST_USER, "wrong"))


def test_start_times_out_when_no_broker_listens(make_client: MakeClient) -> None:
    url = f"mqtt://u:p@127.0.0.1:{free_port()}"
    client = make_client("ingest-1", RecordingSink(), url=url, start=False)
    with pytest.raises(MqttStartError, match=r"timed out after 1\.5s \(last error: connection failed"):
        client.start(timeout_s=1.5)
    assert not client.is_subscribed


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mqtt://u:p@127.0.0.1:1884", BrokerAddress("127.0.0.1", 1884, "u", "p")),
        ("mqtt://namyangju%2F7:p%40ss@127.0.0.1", BrokerAddress("127.0.0.1", 1883, "namyangju/7", "p@ss")),
        ("mqtt://127.0.0.1:1883/", BrokerAddress("127.0.0.1", 1883, None, None)),
    ],
)
def test_parse_mqtt_url(url: str, expected: BrokerAddress) -> None:
    assert parse_mqtt_url(url) == expected


@pytest.mark.parametrize("url", ["http://h:1", "mqtt://", "mqtt://h:1/topic", "mqtt://h:1?x=1", "mqtt://h:port"])
def test_parse_mqtt_url_rejects(url: str) -> None:
    with pytest.raises(ValueError):
        parse_mqtt_url(url)
