"""A private Mosquitto broker for tests, configured exactly as Maeul provisions a production one."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

from maeul.adapters.mqtt.provisioning import BrokerAccount, render_broker_config, write_provision

HOST = "127.0.0.1"
_FALLBACK_BINARIES = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")
_RELOAD_LINE = "Reloading config."


class MosquittoNotFoundError(RuntimeError):
    """The ``mosquitto`` binary is not installed; MQTT tests cannot run."""


def find_mosquitto() -> str:
    """Path of the mosquitto binary, or MosquittoNotFoundError saying how to get one."""
    found = shutil.which("mosquitto") or next((p for p in _FALLBACK_BINARIES if os.access(p, os.X_OK)), None)
    if found is None:
        raise MosquittoNotFoundError(
            "the mosquitto broker binary was not found on PATH or in /usr/sbin: install Mosquitto 2.x "
            "(e.g. `apt-get install mosquitto`) to run the MQTT tests"
        )
    return found


def require_mosquitto() -> None:
    """For tests: skip when no Mosquitto binary can be started; in CI (``CI=true``), fail instead."""
    import pytest  # only tests call this; the benchmarks import this module without pytest

    try:
        find_mosquitto()
    except MosquittoNotFoundError as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"Mosquitto must be installed in CI: {exc}")
        pytest.skip(str(exc))


def free_port(host: str = HOST) -> int:
    """A TCP port on ``host`` that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], bool], timeout_s: float, interval_s: float = 0.01) -> bool:
    """Poll ``predicate`` until it holds or ``timeout_s`` passes; returns whether it held."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() >= deadline:
            return predicate()
        time.sleep(interval_s)
    return True


class MosquittoBroker:
    """Mosquitto on a free loopback port, with Maeul's generated config and persistence in ``tmp_dir``."""

    def __init__(
        self,
        tmp_dir: Path,
        accounts: Sequence[BrokerAccount],
        *,
        start_timeout_s: float = 10.0,
        verbose: bool = False,
    ) -> None:
        self.binary = find_mosquitto()
        self.dir = Path(tmp_dir).resolve()
        self.provision_dir = self.dir / "provision"
        self.persistence_dir = self.dir / "persistence"
        self.config_path = self.dir / "mosquitto.conf"
        self.pid_file = self.dir / "mosquitto.pid"
        self.log_path = self.dir / "mosquitto.log"
        self.host = HOST
        self.port = free_port()
        self._start_timeout_s = start_timeout_s
        self._process: subprocess.Popen[bytes] | None = None
        self.persistence_dir.mkdir(parents=True, exist_ok=True)
        write_provision(self.provision_dir, list(accounts))
        config = render_broker_config(
            self.host,
            self.port,
            self.provision_dir,
            self.persistence_dir,
            pid_file=self.pid_file,
            # As root, Mosquitto drops to user "mosquitto", which cannot write into tmp_dir.
            run_as_user="root" if os.geteuid() == 0 else None,
        )
        if verbose:  # every packet in the log: for debugging tests
            config = config.replace("log_type error\n", "log_type all\n")
        self.config_path.write_text(config, encoding="utf-8")
        self.start()

    @property
    def running(self) -> bool:
        """True while the broker process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the broker and wait until it accepts connections."""
        if self.running:
            raise RuntimeError("broker already running")
        with self.log_path.open("ab") as log_file:
            self._process = subprocess.Popen(
                [self.binary, "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        if not wait_until(self._accepts_connections, self._start_timeout_s, 0.02):
            self.stop()
            raise RuntimeError(f"mosquitto did not start on {self.host}:{self.port}:\n{self.log_text()[-3000:]}")

    def stop(self) -> None:
        """Stop gracefully (SIGTERM: Mosquitto saves its persistence database), killing it if it hangs."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def restart(self) -> None:
        """Stop and start again on the same port with the same persistence: persistent sessions survive."""
        self.stop()
        self.start()

    def reload(self, accounts: Sequence[BrokerAccount] | None = None) -> None:
        """Optionally rewrite the password and ACL files, then SIGHUP the broker and wait until it reloaded."""
        if self._process is None or not self.running:
            raise RuntimeError("broker is not running")
        if accounts is not None:
            write_provision(self.provision_dir, list(accounts))
        before = self.log_text().count(_RELOAD_LINE)
        # Mosquitto turns SIGHUP into a flag that it clears only after reloading; a signal that arrives while an
        # earlier one (from the platform's own provisioning) is being handled is lost. So signal again each second.
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            self._process.send_signal(signal.SIGHUP)
            if wait_until(lambda: self.log_text().count(_RELOAD_LINE) > before, 1.0):
                return
        raise RuntimeError(f"mosquitto did not log a reload:\n{self.log_text()[-3000:]}")

    def url_for(self, username: str, password: str) -> str:
        """``mqtt://user:password@127.0.0.1:port`` with the credentials percent-encoded."""
        return f"mqtt://{quote(username, safe='')}:{quote(password, safe='')}@{self.host}:{self.port}"

    def log_text(self) -> str:
        """Everything the broker logged so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def _accepts_connections(self) -> bool:
        if self._process is None or self._process.poll() is not None:
            raise RuntimeError(f"mosquitto exited at startup:\n{self.log_text()[-3000:]}")
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def __enter__(self) -> MosquittoBroker:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
