"""A lean MQTT client for load generation only: QoS 1 publishing (3.1.1) and counting subscriptions (5.0).

paho costs about 100 µs of Python per message on either side; on a 2-core machine the load generator would
then eat the CPU the system under test needs. These clients write pre-encoded packets in large ``send``
calls and read acknowledgements in bulk, so that a publisher costs a few µs per message. They implement
only what the benchmarks use (no TLS, no QoS 2, no retained messages, no reconnects) and are never used by
Maeul itself.
"""

from __future__ import annotations

import contextlib
import socket
import struct

CONNECT, CONNACK, PUBLISH, PUBACK, SUBSCRIBE, SUBACK, DISCONNECT = 1, 2, 3, 4, 8, 9, 14
RECEIVE_MAXIMUM = 0x21


class MqttWireError(RuntimeError):
    """The broker refused or broke the conversation."""


def varint(n: int) -> bytes:
    """MQTT's variable byte integer."""
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">H", len(data)) + data


def _packet(kind: int, flags: int, body: bytes) -> bytes:
    return bytes([kind << 4 | flags]) + varint(len(body)) + body


def connect_packet(
    client_id: str, username: str, password: str, *, version: int = 4, receive_maximum: int | None = None
) -> bytes:
    """CONNECT with a clean session, no keep-alive, username and password (``version`` 4: 3.1.1, 5: 5.0)."""
    flags = 0x80 | 0x40 | 0x02  # username, password, clean session / clean start
    variable = _string("MQTT") + bytes([version, flags]) + struct.pack(">H", 0)
    if version == 5:
        props = b"" if receive_maximum is None else bytes([RECEIVE_MAXIMUM]) + struct.pack(">H", receive_maximum)
        variable += varint(len(props)) + props
    payload = _string(client_id) + _string(username) + _string(password)
    return _packet(CONNECT, 0, variable + payload)


def publish_packet(topic: bytes, packet_id: int, payload: bytes) -> bytes:
    """PUBLISH at QoS 1 (MQTT 3.1.1); ``topic`` is the length-prefixed UTF-8 topic (see :func:`topic_field`)."""
    body_len = len(topic) + 2 + len(payload)
    return b"\x32" + varint(body_len) + topic + struct.pack(">H", packet_id) + payload


def topic_field(topic: str) -> bytes:
    return _string(topic)


def subscribe_packet(packet_id: int, topic_filter: str, *, version: int) -> bytes:
    props = b"\x00" if version == 5 else b""
    body = struct.pack(">H", packet_id) + props + _string(topic_filter) + b"\x01"
    return _packet(SUBSCRIBE, 0x02, body)


def puback_packets(packet_ids: list[int]) -> bytes:
    """PUBACKs (success, no properties: the same 4 bytes in 3.1.1 and 5.0)."""
    return b"".join(b"\x40\x02" + struct.pack(">H", i) for i in packet_ids)


class PacketReader:
    """Splits a byte stream into (type, flags, body) packets."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, int, bytes]]:
        """The packets completed by ``data`` (an incomplete one waits for the next call)."""
        buffer = self._buffer
        buffer += data
        packets: list[tuple[int, int, bytes]] = []
        pos, end = 0, len(buffer)
        while end - pos >= 2:
            length, shift, i, complete = 0, 0, pos + 1, False
            while i < end and i - pos <= 4:
                byte = buffer[i]
                length |= (byte & 0x7F) << shift
                shift += 7
                i += 1
                if not byte & 0x80:
                    complete = True
                    break
            if not complete:
                if i - pos > 4:
                    raise MqttWireError("malformed packet length from the broker")
                break
            if i + length > end:
                break
            header = buffer[pos]
            packets.append((header >> 4, header & 0x0F, bytes(buffer[i : i + length])))
            pos = i + length
        del buffer[:pos]
        return packets


class WireClient:
    """A blocking TCP connection to the broker speaking just enough MQTT."""

    def __init__(
        self,
        host: str,
        port: int,
        client_id: str,
        username: str,
        password: str,
        *,
        version: int = 4,
        receive_maximum: int | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.version = version
        self.reader = PacketReader()
        self.sock = socket.create_connection((host, port), timeout=timeout_s)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(
            connect_packet(client_id, username, password, version=version, receive_maximum=receive_maximum)
        )
        kind, _flags, body = self._next_packet()
        if kind != CONNACK or len(body) < 2 or body[1] != 0:
            raise MqttWireError(f"connection refused by the broker (CONNACK {body[1:2].hex() or '?'})")

    def _next_packet(self) -> tuple[int, int, bytes]:
        """The next packet during the handshake (nothing else is in flight then)."""
        while True:
            data = self.sock.recv(65536)
            if not data:
                raise MqttWireError("the broker closed the connection")
            packets = self.reader.feed(data)
            if packets:
                return packets[0]

    def subscribe(self, topic_filter: str) -> None:
        self.sock.sendall(subscribe_packet(1, topic_filter, version=self.version))
        kind, _flags, body = self._next_packet()
        if kind != SUBACK or body[-1] >= 0x80:
            raise MqttWireError(f"subscription to {topic_filter!r} refused")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.sendall(_packet(DISCONNECT, 0, b"\x00" if self.version == 5 else b""))
        self.sock.close()


def publish_packet_id(body: bytes) -> int:
    """The packet id of a QoS 1 PUBLISH body (the topic comes first, then the id)."""
    topic_len = (body[0] << 8) | body[1]
    return (body[2 + topic_len] << 8) | body[3 + topic_len]
