"""The benchmark's webhook receiver in a process of its own, as a real receiver is: never in Maeul's interpreter.

The child (``python -m maeul.benchmarking.receiver_process PORT``, the secret on its stdin) runs a
:class:`~maeul.benchmarking.alert_receiver.WebhookReceiver` and writes each request as one JSON line to its stdout,
with the wall-clock time it was read; a thread here reads them back into the fields the in-process receiver has
(``requests``, ``processed``, ``duplicates``). The child stops when its stdin is closed.
"""

from __future__ import annotations

import base64
import subprocess
import sys
import threading
from typing import IO

import orjson

from maeul.benchmarking.alert_receiver import Received, WebhookReceiver
from maeul.testing.ports import HOST, free_port

START_TIMEOUT_S = 30.0


def _line(request: Received) -> bytes:
    record = {
        "received_ns": request.received_ns,
        "path": request.path,
        "headers": request.headers,
        "body": base64.b64encode(request.body).decode("ascii"),
        "status": request.status,
        "signed": request.signed,
    }
    return orjson.dumps(record) + b"\n"


def _received(line: bytes) -> Received:
    r = orjson.loads(line)
    body = base64.b64decode(r["body"])
    return Received(int(r["received_ns"]), r["path"], dict(r["headers"]), body, int(r["status"]), bool(r["signed"]))


class ReceiverProcess:
    """``with ReceiverProcess(secret) as r:`` serves on ``r.url(path)`` from a child process."""

    def __init__(self, secret: str, port: int | None = None) -> None:
        self.secret = secret
        self.port = port or free_port()
        self.requests: list[Received] = []
        self.processed: dict[str, Received] = {}  # the first successfully processed request of each key
        self.duplicates = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._changed = threading.Condition()

    def url(self, path: str = "/hook") -> str:
        return f"http://{HOST}:{self.port}{path}"

    def pids(self) -> list[int]:
        return [self._process.pid] if self._process is not None else []

    def __enter__(self) -> ReceiverProcess:
        process = subprocess.Popen(
            [sys.executable, "-m", "maeul.benchmarking.receiver_process", str(self.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._process = process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(self.secret.encode() + b"\n")
        process.stdin.flush()
        ready = process.stdout.readline()  # the child's first line: it listens
        if not ready.startswith(b"ready"):
            self.__exit__()
            raise RuntimeError(f"the webhook receiver process did not start (exit code {process.poll()})")
        self._reader = threading.Thread(target=self._read, args=(process.stdout,), name="webhook-receiver-reader")
        self._reader.start()
        return self

    def _read(self, stdout: IO[bytes]) -> None:
        for line in stdout:
            request = _received(line)
            with self._changed:
                self.requests.append(request)
                if request.status == 200:
                    if request.key in self.processed:
                        self.duplicates += 1
                    else:
                        self.processed[request.key] = request
                self._changed.notify_all()

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is not None:
            if process.stdin is not None:
                process.stdin.close()
            try:
                process.wait(START_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._reader is not None:
            self._reader.join(5)
            self._reader = None


def main(argv: list[str]) -> None:
    secret = sys.stdin.readline().strip()
    out = sys.stdout.buffer
    lock = threading.Lock()

    def emit(request: Received) -> None:
        with lock:
            out.write(_line(request))
            out.flush()

    with WebhookReceiver(secret, int(argv[0]), on_request=emit):
        out.write(b"ready\n")
        out.flush()
        sys.stdin.read()  # until the parent closes it


if __name__ == "__main__":  # pragma: no cover - the child process
    main(sys.argv[1:])
