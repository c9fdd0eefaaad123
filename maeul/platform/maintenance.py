"""Background housekeeping of a running platform: retention, and creating the next partitions ahead of time."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from maeul.adapters.sql.partitions import PartitionManager
from maeul.adapters.sql.retention import apply_retention
from maeul.platform.clock import now_ms

log = logging.getLogger("maeul.maintenance")


class Maintenance:
    """Runs retention every ``interval_s`` seconds (first run shortly after start) on its own thread."""

    def __init__(self, engine: Engine, partitions: PartitionManager | None, interval_s: float = 3600.0) -> None:
        self.engine = engine
        self.partitions = partitions
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        removed = apply_retention(self.engine, self.partitions, now_ms())
        if removed:
            log.info("retention removed %d expired %s", removed, "partitions" if self.partitions else "rows")
        return removed

    def _loop(self) -> None:
        if self._stop.wait(10.0):
            return
        while True:
            try:
                self.run_once()
            except Exception:  # housekeeping must never take the platform down; it retries next time
                log.exception("maintenance failed; retrying in %.0f s", self.interval_s)
            if self._stop.wait(self.interval_s):
                return

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="maeul-maintenance", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
