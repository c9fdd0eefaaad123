"""A webhook receiver as an integrator would write one: a real HTTP server on 127.0.0.1 in a thread.

It timestamps each request on receipt, checks Maeul's HMAC signature, and processes each ``Idempotency-Key``
once (a repeat is answered 200 and counted as a duplicate). It can answer 503 (``available = False``) or be
stopped and started again on the same port, to play a receiver that is down. Used by the alert-latency
benchmark and by the end-to-end test of the alert chain.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from maeul.adapters.notify.webhook import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from maeul.testing.ports import HOST, free_port


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it, with the wall-clock time it was read (epoch ns) and the answer."""

    received_ns: int
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    signed: bool

    @property
    def key(self) -> str:
        return self.headers.get(IDEMPOTENCY_HEADER.lower(), "")

    def json(self) -> Any:
        return orjson.loads(self.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the request threads: no thread outlives the receiver
    block_on_close = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up makes the reply fail; that is expected here."""


class WebhookReceiver:
    """``with WebhookReceiver(secret) as r:`` serves on ``r.url(path)``; ``r.processed`` maps each key once."""

    def __init__(
        self, secret: str, port: int | None = None, on_request: Callable[[Received], None] | None = None
    ) -> None:
        self.secret = secret
        self.on_request = on_request  # called with each request as recorded (under the receiver's lock)
        self.port = port or free_port()
        self.available = True  # False: every request is answered 503 (and not processed)
        self.requests: list[Received] = []
        self.processed: dict[str, Received] = {}  # the first successfully processed request of each key
        self.duplicates = 0  # requests repeating a key already processed
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def url(self, path: str = "/hook") -> str:
        return f"http://{HOST}:{self.port}{path}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        received_ns = time.time_ns()
        timestamp, signature = headers.get(TIMESTAMP_HEADER.lower()), headers.get(SIGNATURE_HEADER.lower())
        signed = verify_signature(self.secret, timestamp, body, signature)
        with self._changed:
            if not self.available:
                status = 503
            elif not signed:
                status = 401
            else:
                status = 200
            request = Received(received_ns, path, headers, body, status, signed)
            self.requests.append(request)
            if self.on_request is not None:
                self.on_request(request)
            if status == 200:
                if request.key in self.processed:
                    self.duplicates += 1
                else:
                    self.processed[request.key] = request
            self._changed.notify_all()
        return status

    def wait_for(self, processed: int, timeout_s: float) -> bool:
        """Wait until at least ``processed`` keys were processed; returns whether they were."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while len(self.processed) < processed:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.requests)

    def start(self) -> None:
        """Listen (again) on :attr:`port`."""
        if self._server is not None:
            return
        receiver = self

        class Handler(BaseHTTPRequestHandler):  # HTTP/1.0: one request per connection, so stop() never waits
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver._handle(self.path, headers, body)
                reply = b'{"ok": true}' if status == 200 else b'{"ok": false}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server((HOST, self.port), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="webhook-receiver", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening (connections are refused until :meth:`start`); the record is kept."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(5)

    def __enter__(self) -> WebhookReceiver:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
