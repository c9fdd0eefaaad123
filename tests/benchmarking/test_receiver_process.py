"""The benchmark's webhook receiver in its own process records what the in-process one records."""

from __future__ import annotations

import time

import httpx

from maeul.adapters.notify.webhook import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from maeul.benchmarking.receiver_process import ReceiverProcess

SECRET = "bench-secret-0123456789"


def _post(url: str, key: str, body: bytes, secret: str = SECRET) -> int:
    stamp = str(int(time.time()))
    headers = {IDEMPOTENCY_HEADER: key, TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(secret, stamp, body)}
    return httpx.post(url, content=body, headers=headers, timeout=10).status_code


def test_requests_are_checked_timed_and_deduplicated_in_the_child() -> None:
    before = time.time_ns()
    with ReceiverProcess(SECRET) as receiver:
        assert receiver.pids()
        url = receiver.url("/119")
        assert _post(url, "a.1", b'{"n": 1}') == 200
        assert _post(url, "a.1", b'{"n": 1}') == 200  # a repeat: answered, counted as a duplicate
        assert _post(url, "a.2", b'{"n": 2}', secret="wrong-secret-000000000") == 401
        deadline = time.monotonic() + 10
        while len(receiver.requests) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert [r.status for r in receiver.requests] == [200, 200, 401]
    assert list(receiver.processed) == ["a.1"] and receiver.duplicates == 1
    first = receiver.processed["a.1"]
    assert first.json() == {"n": 1} and first.path == "/119" and first.signed
    assert before <= first.received_ns <= time.time_ns()
    assert receiver.pids() == [], "the child was stopped"
