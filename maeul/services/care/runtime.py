"""The care service inside a running platform: the alarm listener that keeps status and responses current and
tells the family at the levels they chose, and a ticker that re-decides every home's status (inactivity and device
silence change with time alone)."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from maeul.core.alarms import Action
from maeul.platform.clock import now_ms
from maeul.services.care.core.status import classify
from maeul.services.care.crypto import FieldCipher, cipher_for
from maeul.services.care.store import outbox, responses
from maeul.services.care.store import status as status_store
from maeul.services.care.store.households import get_household

if TYPE_CHECKING:
    from maeul.platform.app import Platform

log = logging.getLogger("maeul.services.care")
TICK_S = 30.0
WATCHED = frozenset({Action.RAISED, Action.UPGRADED, Action.REPEATED, Action.CLEARED, Action.ACKNOWLEDGED})
OPENING = frozenset({Action.RAISED, Action.UPGRADED, Action.REPEATED})  # a repeat may carry a higher level


def cipher(platform: Platform) -> FieldCipher:
    return cipher_for(platform.settings.data_dir)


class CareRuntime:
    def __init__(self, platform: Platform, tick_s: float = TICK_S) -> None:
        self.platform = platform
        self.tick_s = tick_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._residents: Any = None

    def on_alarm(self, conn: Connection, alarm: dict[str, Any], action: Action, _actor_id: int | None) -> None:
        """Runs in the alarm's transaction: a failure here is logged and undone, never the alarm's change."""
        if action not in WATCHED:
            return
        try:
            with conn.begin_nested():
                for household_id in status_store.households_for_alarm(conn, alarm):
                    if action in OPENING:
                        response = responses.open_for_alarm(conn, cipher(self.platform), alarm, household_id)
                        level = classify(alarm["type"], alarm["severity"], alarm.get("details") or {}).value
                        home = get_household(conn, alarm["tenant_id"], household_id)
                        outbox.notify_family_level(conn, cipher(self.platform), alarm, response, home, level, now_ms())
                    status_store.evaluate_home(conn, alarm["tenant_id"], household_id)
        except Exception:
            log.exception("care: could not update the status for alarm %s", alarm.get("id"))

    def tick(self) -> int:
        changed = 0
        with self.platform.engine.begin() as conn:
            for tenant_id in status_store.care_tenants(conn):
                changed += status_store.evaluate_tenant(conn, tenant_id)
        return changed

    def _run(self) -> None:
        while not self._stop.wait(self.tick_s):
            try:
                self.tick()
            except Exception:
                log.exception("care: status evaluation failed; trying again at the next tick")

    def start(self) -> None:
        self.platform.alarm_listeners.append(self.on_alarm)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="maeul-care-status", daemon=True)
        self._thread.start()
        from maeul.services.care.demo import residents_for

        self._residents = residents_for(self.platform)
        if self._residents is not None:
            self._residents.start()

    def stop(self) -> None:
        if self._residents is not None:
            self._residents.stop()
            self._residents = None
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.on_alarm in self.platform.alarm_listeners:
            self.platform.alarm_listeners.remove(self.on_alarm)


_RUNTIMES: dict[int, CareRuntime] = {}


def on_start(platform: Platform) -> None:
    runtime = CareRuntime(platform)
    _RUNTIMES[id(platform)] = runtime
    runtime.start()


def on_stop(platform: Platform) -> None:
    runtime = _RUNTIMES.pop(id(platform), None)
    if runtime is not None:
        runtime.stop()


def runtime_of(platform: Platform) -> CareRuntime | None:
    return _RUNTIMES.get(id(platform))
