"""The care service inside a running platform: the alarm listener that keeps status and responses current and
tells the family at the levels they chose, and a ticker that re-decides every home's status (inactivity and device
silence change with time alone) and tells the homes' hubs when a heat wave begins or ends in their district."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection

from maeul.core.alarms import Action
from maeul.platform.clock import now_ms
from maeul.platform.ingest import prepare_message
from maeul.services.care.core.status import classify
from maeul.services.care.crypto import FieldCipher, cipher_for
from maeul.services.care.detection.climate import HEAT_WAVE
from maeul.services.care.store import heat, outbox, responses
from maeul.services.care.store import status as status_store
from maeul.services.care.store.households import get_household

if TYPE_CHECKING:
    from maeul.platform.app import Platform

log = logging.getLogger("maeul.services.care")
TICK_S = 30.0
STORE_WAIT_S = 10.0  # how long a tick waits for a heat-wave flag to be written
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
        self._heat_lock = threading.Lock()  # one heat-wave pass at a time: each sees what the last one stored

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
        try:
            self.sync_heat_waves()
        except Exception:
            log.exception("care: could not read the heat warnings; trying again at the next tick")
        return changed

    def sync_heat_waves(self, now: int | None = None) -> int:
        """Send ``heat_wave`` (1 or 0) to every hub whose district's heat-wave day began or ended (the detection
        reads it like a sensor's value, and from the newest values at every tick); returns how many were sent."""
        with self._heat_lock:
            return self._sync_heat_waves(now_ms() if now is None else now)

    def _sync_heat_waves(self, at: int) -> int:
        todo: list[tuple[str, heat.HubFlag]] = []
        keyed = False
        with self.platform.engine.begin() as conn:
            for tenant_id in status_store.care_tenants(conn):
                keyed = heat.ensure_hub_key(conn, tenant_id) or keyed
                todo.extend((tenant_id, flag) for flag in heat.hub_changes(conn, tenant_id, at))
        if keyed:  # a hub profile got the key: ingestion must read it again
            self.platform.ingest.devices.invalidate()
        sent = 0
        for tenant_id, flag in todo:
            ctx = self.platform.ingest.devices.by_id(tenant_id, flag.hub_id)
            if ctx is None:
                continue
            payload = orjson.dumps({"ts": flag.ts, "values": {HEAT_WAVE: 1 if flag.on else 0}})
            readings, _rejected, letter = prepare_message(ctx, payload, "care", None)
            stored = threading.Event()
            topic = f"care/{tenant_id}/{flag.hub_id}/{HEAT_WAVE}"  # no broker: names the origin of a dead letter
            self.platform.ingest.submit_prepared(
                tenant_id, ctx.device_id, ctx.retention_days, ctx.timezone, readings, letter, topic, payload, stored.set
            )
            stored.wait(STORE_WAIT_S)
            sent += len(readings)
        return sent

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
