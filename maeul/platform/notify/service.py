"""The notification service of a platform: the alarm listener, the escalation scheduler and the dispatchers."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from maeul.adapters.notify.registry import build_channels
from maeul.adapters.sql import notify_outbox as store
from maeul.core.notify.backoff import Backoff
from maeul.core.notify.storm import StormRule
from maeul.platform.clock import now_ms
from maeul.platform.notify.dispatcher import Dispatcher
from maeul.platform.notify.escalator import Escalator
from maeul.platform.notify.planner import Planner
from maeul.platform.notify.registries import Builder, Registries
from maeul.platform.notify.wakeup import CommitWaker, HandOver
from maeul.platform.notify.workers import Loop
from maeul.platform.settings import Settings

log = logging.getLogger("maeul.notify")
# How long a message written for this process's dispatchers is theirs alone: should the process stop before
# delivering it, any dispatcher claims it after this.
HAND_OVER_LEASE_MS = 60_000


@dataclass(frozen=True)
class NotifyOptions:
    """Storm control, retries and the pace of the background loops."""

    storm: StormRule = field(default_factory=StormRule)
    backoff: Backoff = field(default_factory=Backoff)
    max_age_s: float = 24 * 3600.0
    lease_s: float = 600.0
    batch: int = 5
    dispatchers: int = 2
    dispatch_idle_s: float = 0.25  # polling fallback: dispatchers are woken when a message is queued
    schedule_idle_s: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> NotifyOptions:
        """The defaults, with the retry back-off of ``MAEUL_NOTIFY_RETRY_BASE_S`` and ``..._CAP_S``."""
        base = settings.notify_retry_base_s
        return cls(backoff=Backoff(base_s=base, cap_s=max(base, settings.notify_retry_cap_s)))


class Scheduler:
    """Runs due escalation steps and releases digests; each alarm and digest in its own transaction."""

    def __init__(self, engine: Engine, escalator: Escalator, clock: Callable[[], int]) -> None:
        self.engine = engine
        self.escalator = escalator
        self.clock = clock

    def run_once(self) -> int:
        """One round; returns how many rows were queued or folded into digests."""
        now = self.clock()
        done = 0
        with self.engine.connect() as conn:
            alarm_ids = store.due_escalations(conn, now)
            groups = store.digest_groups(conn, now)
        for alarm_id in alarm_ids:
            try:
                with self.engine.begin() as conn:
                    done += self.escalator.advance(conn, alarm_id, now)
            except Exception:
                log.exception("escalation of alarm %s failed; trying again next round", alarm_id)
        for group in groups:
            try:
                with self.engine.begin() as conn:
                    done += self.escalator.planner.digest(conn, group, uuid.uuid4().hex)
            except Exception:
                log.exception("digest for %s failed; trying again next round", group[:2])
        return done


class NotifyService:
    """The alarm :attr:`listener`, plus the scheduler and dispatcher threads (or :meth:`run_once` in tests)."""

    # ``clock`` (epoch ms) drives escalation delays, quiet hours, storm windows and retries.

    def __init__(
        self,
        engine: Engine,
        *,
        base_dir: Path,
        clock: Callable[[], int] = now_ms,
        options: NotifyOptions | None = None,
        build: Builder = build_channels,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.options = options or NotifyOptions()
        self.planner = Planner(clock, self.options.storm)
        self.escalator = Escalator(self.planner, clock)
        self.listener = self.escalator
        self.registries = Registries(base_dir, build)
        self.scheduler = Scheduler(engine, self.escalator, clock)
        self.dispatcher = Dispatcher(
            engine,
            self.registries,
            clock,
            backoff=self.options.backoff,
            max_age_ms=round(self.options.max_age_s * 1000),
            lease_ms=round(self.options.lease_s * 1000),
            batch=self.options.batch,
            rng=rng,
        )
        self._loops: list[Loop] = []
        self._dispatch_loops: list[Loop] = []
        self._waker = CommitWaker(engine, self.wake)
        self._hand_over = HandOver(engine, self._take)
        self._lease_token = uuid.uuid4().hex  # this process's dispatchers' lease on messages written for them

    def _take(self, ids: list[str]) -> None:
        self.dispatcher.hand_over(self._lease_token, ids)
        self.wake()

    def wake(self) -> None:
        """Let the dispatchers look for due messages now (called after a transaction queued some)."""
        for loop in self._dispatch_loops:
            loop.wake()

    def run_once(self) -> tuple[int, int]:
        """One scheduler round, then dispatch until nothing is due: (rows scheduled, attempts made)."""
        scheduled = self.scheduler.run_once()
        attempted = 0
        while True:
            done = self.dispatcher.run_once()
            attempted += done
            if not done:
                return scheduled, attempted

    def start(self) -> None:
        if self._loops:
            return
        self._dispatch_loops = [
            Loop(f"maeul-notify-dispatch-{i + 1}", self.dispatcher.run_once, self.options.dispatch_idle_s)
            for i in range(max(1, self.options.dispatchers))
        ]
        self._loops = [Loop("maeul-notify-scheduler", self.scheduler.run_once, self.options.schedule_idle_s)]
        self._loops += self._dispatch_loops
        for loop in self._loops:
            loop.start()
        self._hand_over.install()
        self._waker.install()
        self.planner.lease = (self._lease_token, HAND_OVER_LEASE_MS)

    def stop(self) -> None:
        """Stop the loops (a delivery under way finishes first) and close the channels."""
        self.planner.lease = None
        self._waker.remove()
        self._hand_over.remove()
        for loop in self._loops:
            loop.stop()
        self.dispatcher.forget_handed()  # still leased: claimed by any dispatcher once the lease ends
        self._loops = []
        self._dispatch_loops = []
        self.registries.close()
