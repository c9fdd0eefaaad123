"""Background housekeeping of a running platform: retention, and creating the next partitions ahead of time."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from maeul.adapters.sql.partitions import PartitionManager
from maeul.adapters.sql.retention import apply_retention
from maeul.platform.clock import now_ms
from maeul.platform.periodic import Periodic

log = logging.getLogger("maeul.maintenance")


class Maintenance:
    """Runs retention every ``interval_s`` seconds (first run shortly after start) on its own thread."""

    def __init__(self, engine: Engine, partitions: PartitionManager | None, interval_s: float = 3600.0) -> None:
        self.engine = engine
        self.partitions = partitions
        self.interval_s = interval_s
        self._periodic = Periodic("maeul-maintenance", self.run_once, interval_s, first_delay_s=10.0, log=log)

    def run_once(self) -> int:
        removed = apply_retention(self.engine, self.partitions, now_ms())
        if removed:
            log.info("retention removed %d expired %s", removed, "partitions" if self.partitions else "rows")
        return removed

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()
