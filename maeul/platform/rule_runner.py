"""Runs the rule engine on ingest (in order per device) and on a scheduler tick for time-based rules (no data, no
activity, hold times, schedules), turning transitions into alarm changes.

On ingest, either inside the writer's transaction (:meth:`RuleRunner.in_transaction`, the default on both stores)
or on the rule thread after each commit (:meth:`RuleRunner.submit`, ``MAEUL_RULES_IN_INGEST_TRANSACTION=false``).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, false, func, select

from maeul.adapters.sql import alarms as alarm_repo
from maeul.adapters.sql import rules as rule_repo
from maeul.adapters.sql.alarm_tables import alarms, rule_overrides, rules
from maeul.adapters.sql.savepoint import savepoint
from maeul.adapters.sql.tables import devices, latest_values
from maeul.adapters.sql.telemetry_store import DeviceBatch
from maeul.core.alarms import Occurrence, Severity
from maeul.core.readings import Reading
from maeul.core.rules import (
    Cleared,
    Raised,
    Rule,
    RuleState,
    Tick,
    Transition,
    dump_condition,
    silence_edges,
    step_all,
)
from maeul.platform.clock import now_ms
from maeul.platform.metrics import Metrics
from maeul.platform.periodic import Periodic
from maeul.platform.refreshing_cache import RefreshingCache
from maeul.platform.rule_state_cache import DEFAULT_LIMIT, RuleStateCache
from maeul.platform.rule_writes import RuleWrites, Stepped
from maeul.platform.transaction_writes import NoWrites, TransactionWrites

log = logging.getLogger("maeul.rules")
RULES_REFRESH_S = 1.0  # how often the rules cache reads again, in bulk, the entries about to expire
STEP_CHUNK = 2_000  # devices stepped in one transaction
MAX_COALESCED = 20_000  # device batches evaluated in one go when the rule thread is behind
TIME_KINDS = {"no_data", "no_activity", "schedule"}
BUILTIN_EVENT_KINDS = {"threshold", "range", "rate_of_change", "geofence", "all", "any"}


@dataclass(frozen=True, slots=True)
class DeviceRules:
    tenant_id: str
    rules: list[Rule]


def _kinds(condition: Any) -> set[str]:
    """Every condition kind in a rule's JSON tree, and 'hold' if a hold time is set."""
    out: set[str] = set()
    if isinstance(condition, dict):
        kind = condition.get("kind")
        if isinstance(kind, str):
            out.add(kind)
        if condition.get("hold_s"):
            out.add("hold")
        for value in condition.values():
            out |= _kinds(value)
    elif isinstance(condition, list):
        for item in condition:
            out |= _kinds(item)
    return out


def needs_ticks(rule: Rule) -> bool:
    """A rule whose state can change with time alone (or a service's own kind, which may)."""
    kinds = _kinds(dump_condition(rule.condition))
    return bool(kinds & TIME_KINDS or "hold" in kinds or kinds - TIME_KINDS - BUILTIN_EVENT_KINDS - {"hold"})


class RuleRunner:
    """Owns the rule thread (ingest order) and the tick thread; both write alarms through the listeners."""

    def __init__(
        self,
        engine: Engine,
        listeners: Sequence[Any],
        *,
        tick_s: float = 15.0,
        clock: Callable[[], int] = now_ms,
        cache_states: bool = True,
        metrics: Metrics | None = None,
    ) -> None:
        self.engine = engine
        self.listeners = listeners
        self.tick_s = tick_s
        self.clock = clock
        self.metrics = metrics
        # Committed ingest batches with the time of their commit (time.monotonic()).
        self._queue: queue.Queue[tuple[float, list[DeviceBatch]] | None] = queue.Queue(maxsize=1000)
        # The devices' effective rules, read again in bulk ahead of their expiry by the refresh job.
        self._cache: RefreshingCache[int, DeviceRules | None] = RefreshingCache(self._load_rules, None)
        self._refresh = Periodic("maeul-rules-refresh", self._cache.refresh_due, RULES_REFRESH_S, log=log)
        self._profile_of: dict[int, int] = {}  # device → profile, loaded in bulk per batch
        self._ruled_profiles: tuple[float, set[int]] = (0.0, set())
        self._lock = threading.Lock()
        self._device_locks: dict[int, threading.Lock] = {}
        # What this runner last committed to rule_states; with cache_states off (several nodes share the
        # database) nothing is kept and every evaluation reads the states.
        self.states = RuleStateCache(DEFAULT_LIMIT if cache_states else 0)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.evaluated_readings = 0  # readings the rule thread has taken through (benchmarks pace on it)

    # --- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._run_batches, name="maeul-rules", daemon=True),
            threading.Thread(target=self._run_ticks, name="maeul-rule-ticks", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        self._refresh.start()

    def stop(self) -> None:
        self._stop.set()
        self._queue.put(None)
        for thread in self._threads:
            thread.join()
        self._threads = []
        self._refresh.stop()

    def invalidate(self, device_id: int | None = None) -> None:
        """Forget cached rules (a rule, an override, a profile or a membership changed)."""
        with self._lock:
            self._ruled_profiles = (0.0, set())
            if device_id is None:
                self._cache.forget()
                self._profile_of.clear()
            else:
                self._cache.forget(lambda key, _rules: key == device_id)
                self._profile_of.pop(device_id, None)
        if device_id is None:
            self.states.clear()
        else:
            self.states.drop([device_id])

    # --- on ingest ----------------------------------------------------------------------------------------

    def submit(self, batches: list[DeviceBatch]) -> None:
        """Called by the ingest writer after a commit; blocks briefly if the rule thread is far behind."""
        if batches and self._threads:
            self._queue.put((time.monotonic(), batches))

    def _run_batches(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if item is None:
                return
            committed_at, first = item
            batches = list(first)
            # Everything committed meanwhile is evaluated together (in commit order): one transaction for all,
            # so the rule thread keeps up however many small commits the writer makes.
            while len(batches) < MAX_COALESCED:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batches.extend(more[1])
            started = time.monotonic()
            try:
                self.evaluate_batches(batches)
            except Exception:  # one bad batch must not stop rule evaluation
                log.exception("rule evaluation failed for a batch")
            readings = sum(len(b.readings) for b in batches)
            self.evaluated_readings += readings
            if self.metrics is not None:
                finished = time.monotonic()
                self.metrics.rules_lag_seconds.observe(finished - committed_at)
                self.metrics.rules_cycle_seconds.observe(finished - started)
                self.metrics.rules_cycle_readings.observe(readings)

    def evaluate_batches(self, batches: list[DeviceBatch]) -> int:
        """Evaluate every device's readings in time order; returns the number of transitions."""
        return self._step_all_or_each(list(self._work_for(batches)))

    @contextlib.contextmanager
    def in_transaction(self, batches: list[DeviceBatch]) -> Iterator[TransactionWrites]:
        """Evaluate ``batches`` as part of the ingest writer's transaction (one write turn for the readings,
        their alarms and the rule states, instead of a second transaction queued behind the next batch).

        On entering: the devices' locks are taken (before the caller's transaction, in the order the tick thread
        takes them) and the rules are stepped, in memory. The yielded :class:`RuleWrites` writes the alarms and
        states on the caller's connection, in a savepoint (a device whose writes fail is left out and logged, as
        on the rule thread; the readings are stored regardless); its ``urgent`` devices (an alarm raised or
        cleared) may be written in a transaction of their own first. The states are kept in the cache when the
        caller's block ends without an exception, that is after its commits. Never raises for a rule's sake."""
        started = time.monotonic()
        readings = sum(len(b.readings) for b in batches)
        with contextlib.ExitStack() as locks:
            try:
                work = sorted(self._work_for(batches), key=lambda w: w[0])
                for device_id, _rules, _readings in work:
                    locks.enter_context(self._device_lock(device_id))
                states = self.states.get_many([w[0] for w in work], self._load_states) if work else {}
            except Exception:
                log.exception("rules or states could not be read; %d readings are stored without evaluation", readings)
                work = []
            if not work:
                yield NoWrites()
                self.evaluated_readings += readings
                return
            changed, stepped = self._step_in_memory(work, states)
            writes = RuleWrites(stepped, changed, self._write_in_savepoints)
            spent = time.monotonic() - started  # the caller's own work between the parts is not counted
            try:
                yield writes
            except BaseException:
                self.states.drop(writes.written)  # rolled back with the caller's transaction (or its last part)
                raise
            self._remember(states, writes.written)
        self.evaluated_readings += readings
        if self.metrics is not None:
            self.metrics.rules_cycle_seconds.observe(spent + writes.seconds)
            self.metrics.rules_cycle_readings.observe(readings)

    def _write_in_savepoints(
        self, conn: Connection, stepped: list[Stepped], changed: dict[int, dict[str, RuleState]]
    ) -> dict[int, dict[str, RuleState]]:
        """Write all in one savepoint or, should that fail, each device in its own; returns what was written."""
        try:
            with savepoint(conn):
                self._write_steps(conn, stepped, changed)
            return changed
        except Exception:
            log.warning("rule writes of %d devices failed together; writing them one by one", len(stepped))
        written: dict[int, dict[str, RuleState]] = {}
        for step in stepped:
            device_id = step[1]
            mine = {device_id: changed[device_id]} if device_id in changed else {}
            try:
                with savepoint(conn):
                    self._write_steps(conn, [step], mine)
                written.update(mine)
            except Exception:
                log.exception("rule evaluation failed for device %s", device_id)
        return written

    def _work_for(self, batches: list[DeviceBatch]) -> list[tuple[int, DeviceRules, list[Reading] | Tick]]:
        """(device, its rules, its readings in time order) for the devices of ``batches`` that have rules."""
        by_device: dict[int, list[Reading]] = {}
        for batch in batches:
            by_device.setdefault(batch.device_id, []).extend(batch.readings)
        ruled = self._profiles_with_rules()
        if not ruled:
            return []
        profile_of = self._profiles_of(list(by_device))
        known = self.rules_for_many([d for d in by_device if profile_of.get(d) in ruled])
        work: list[tuple[int, DeviceRules, list[Reading] | Tick]] = []
        for device_id, readings in by_device.items():
            if profile_of.get(device_id) not in ruled:
                continue
            device_rules = known.get(device_id)
            if device_rules is None or not device_rules.rules:
                continue
            readings.sort(key=lambda r: r.ts)
            work.append((device_id, device_rules, readings))
        return work

    def _step_all_or_each(self, work: list[tuple[int, DeviceRules, list[Reading] | Tick]]) -> int:
        """Step the devices in transactions of up to ``STEP_CHUNK`` devices; should one fail (e.g. a database
        error on one alarm), each of its devices again in a transaction of its own."""
        count = 0
        for start in range(0, len(work), STEP_CHUNK):
            chunk = work[start : start + STEP_CHUNK]
            try:
                count += self._step_devices(chunk)
                continue
            except Exception:
                log.warning("rule evaluation of %d devices failed as a whole; evaluating one by one", len(chunk))
            for device_id, device_rules, event in chunk:
                try:
                    count += self._step_device(device_id, device_rules, event)
                except Exception:
                    log.exception("rule evaluation failed for device %s", device_id)
        return count

    def _step_devices(self, work: list[tuple[int, DeviceRules, list[Reading] | Tick]]) -> int:
        """Step many devices: their states read in bulk, every device stepped, then the alarms and the new states
        written in one transaction. The devices' locks are taken first, in id order, so the tick thread, which
        takes one lock then a transaction, never waits on us while holding what we wait for; they also keep the
        states read here current until they are written. The stepping (pure code, which can take long for a
        catch-up of many readings) runs outside the write transaction, so it never holds SQLite's write lock."""
        if not work:
            return 0
        work = sorted(work, key=lambda w: w[0])
        with contextlib.ExitStack() as locks:
            for device_id, _rules, _readings in work:
                locks.enter_context(self._device_lock(device_id))
            states = self.states.get_many([w[0] for w in work], self._load_states)
            changed, stepped = self._step_in_memory(work, states)
            try:
                with self.engine.begin() as conn:
                    count = self._write_steps(conn, stepped, changed)
            except BaseException:
                self.states.drop(changed)  # rolled back: read them again next time
                raise
            self._remember(states, changed)
        return count

    def _step_in_memory(
        self, work: list[tuple[int, DeviceRules, list[Reading] | Tick]], states: dict[int, dict[str, RuleState]]
    ) -> tuple[dict[int, dict[str, RuleState]], list[Stepped]]:
        """Step each device's rules (pure code): the states that changed, and each device's alarm transitions."""
        changed: dict[int, dict[str, RuleState]] = {}
        stepped: list[Stepped] = []
        for device_id, device_rules, event in work:
            old = states.get(device_id, {})
            try:
                new_states, transitions = step_all(device_rules.rules, old, event, self.clock())
            except Exception:  # a faulty rule kind: this device's event is skipped, the rest go on
                log.exception("rules of device %s failed", device_id)
                continue
            changed[device_id] = {k: v for k, v in new_states.items() if old.get(k) != v}
            stepped.append((device_rules.tenant_id, device_id, shared_alarms(device_rules.rules, old, transitions)))
        return changed, stepped

    def _write_steps(self, conn: Connection, stepped: list[Stepped], changed: dict[int, dict[str, RuleState]]) -> int:
        """The alarm changes and the new states, on ``conn``; returns the number of transitions."""
        count = 0
        for tenant_id, device_id, transitions in stepped:
            self._apply(conn, tenant_id, device_id, transitions)
            count += len(transitions)
        rule_repo.save_states_many(conn, changed)
        return count

    def _remember(self, states: dict[int, dict[str, RuleState]], changed: dict[int, dict[str, RuleState]]) -> None:
        """Keep what was committed: the states read before, updated with those that changed."""
        self.states.put_many({d: {**states.get(d, {}), **new} for d, new in changed.items() if new})

    def _load_states(self, device_ids: list[int]) -> dict[int, dict[str, RuleState]]:
        with self.engine.connect() as conn:
            return rule_repo.load_states_many(conn, device_ids)

    def _step_device(self, device_id: int, device_rules: DeviceRules, event: list[Reading] | Tick) -> int:
        with self._device_lock(device_id):
            self.states.drop([device_id])  # this path follows a failure: read the states from the database
            with self.engine.connect() as conn:
                states = rule_repo.load_states(conn, device_id)
            new_states, transitions = step_all(device_rules.rules, states, event, self.clock())
            changed = {k: v for k, v in new_states.items() if states.get(k) != v}
            transitions = shared_alarms(device_rules.rules, states, transitions)
            with self.engine.begin() as conn:
                rule_repo.save_states(conn, device_id, changed)
                self._apply(conn, device_rules.tenant_id, device_id, transitions)
        return len(transitions)

    def _profiles_with_rules(self) -> set[int]:
        """Profiles that have at least one rule (re-read every few seconds and after any rule change)."""
        expires, profiles = self._ruled_profiles
        if expires > time.monotonic():
            return profiles
        with self.engine.connect() as conn:
            profiles = set(conn.execute(select(rules.c.profile_id).distinct()).scalars())
        self._ruled_profiles = (time.monotonic() + 5.0, profiles)
        return profiles

    def _profiles_of(self, device_ids: list[int]) -> dict[int, int]:
        missing = [d for d in device_ids if d not in self._profile_of]
        if missing:
            with self.engine.connect() as conn:
                for start in range(0, len(missing), 500):
                    rows = conn.execute(
                        select(devices.c.id, devices.c.profile_id).where(devices.c.id.in_(missing[start : start + 500]))
                    )
                    with self._lock:
                        self._profile_of.update({r.id: r.profile_id for r in rows})
        return {d: self._profile_of[d] for d in device_ids if d in self._profile_of}

    def _device_lock(self, device_id: int) -> threading.Lock:
        with self._lock:
            return self._device_locks.setdefault(device_id, threading.Lock())

    def _apply(self, conn: Connection, tenant_id: str, device_id: int, transitions: list[Transition]) -> None:
        for transition in transitions:
            if isinstance(transition, Raised):
                occurrence = Occurrence(
                    tenant_id,
                    "device",
                    device_id,
                    transition.alarm_type,
                    Severity(transition.severity),
                    transition.start_ts,
                    dict(transition.details),
                )
                alarm_repo.raise_alarm(conn, occurrence, rule_id=int(transition.rule_id), listeners=self.listeners)
            elif isinstance(transition, Cleared):
                alarm_repo.clear_active(
                    conn,
                    tenant_id,
                    "device",
                    device_id,
                    transition.alarm_type,
                    transition.end_ts,
                    listeners=self.listeners,
                )

    def rules_for(self, device_id: int) -> DeviceRules | None:
        return self.rules_for_many([device_id]).get(device_id)

    def rules_for_many(self, device_ids: list[int]) -> dict[int, DeviceRules | None]:
        """The devices' effective rules, cached; the missing ones are read together in bulk."""
        return self._cache.get_many(device_ids)

    def _load_rules(self, device_ids: list[int]) -> dict[int, DeviceRules | None]:
        with self.engine.connect() as conn:
            found = rule_repo.effective_rules_many(conn, device_ids)
        return {d: DeviceRules(*found[d]) for d in device_ids if d in found}

    # --- on the clock ---------------------------------------------------------------------------------------

    def _run_ticks(self) -> None:
        while not self._stop.wait(self.tick_s):
            try:
                self.tick(self.clock())
            except Exception:  # the next tick tries again
                log.exception("rule tick failed")

    def tick(self, now: int) -> int:
        """Evaluate time-based rules for the devices whose state may have changed; returns transitions."""
        candidates = self.tick_candidates(now)
        with self.engine.connect() as conn:
            last = _last_values(conn, candidates)
        known = self.rules_for_many(candidates)
        work: list[tuple[int, DeviceRules, list[Reading] | Tick]] = []
        for device_id in candidates:
            device_rules = known.get(device_id)
            if device_rules is None or not any(needs_ticks(r) for r in device_rules.rules):
                continue
            values = last.get(device_id, {})
            seen = max((r.ts for r in values.values()), default=None)
            work.append((device_id, device_rules, Tick(now, seen, values)))
        return self._step_all_or_each(work)

    def tick_candidates(self, now: int) -> list[int]:
        """Devices to tick: with a no-data rule only those whose silence starts or ends (the fast path over
        latest values); with any other time-based rule (or an override), all of the profile's devices."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(rules.c.id, rules.c.profile_id, rules.c.condition, rules.c.enabled)).all()
            overridden = set(
                conn.execute(
                    select(rule_overrides.c.target_id).where(rule_overrides.c.target_kind == "device")
                ).scalars()
            )
            silence: dict[int, int] = {}  # profile → silent_s of its plain no-data rule
            everything: set[int] = set()
            for _rule_id, profile_id, condition, _enabled in rows:
                kinds = _kinds(condition)
                if kinds == {"no_data"} and condition.get("kind") == "no_data" and condition.get("key") is None:
                    silence[profile_id] = min(silence.get(profile_id, 1 << 40), int(condition["silent_s"]))
                elif kinds & TIME_KINDS or "hold" in kinds or kinds - TIME_KINDS - BUILTIN_EVENT_KINDS - {"hold"}:
                    everything.add(profile_id)
            if not silence and not everything:
                return []
            out: set[int] = set()
            if everything:
                out.update(conn.execute(select(devices.c.id).where(devices.c.profile_id.in_(everything))).scalars())
            if silence:
                open_ids = set(
                    conn.execute(
                        select(alarms.c.originator_id).where(
                            alarms.c.originator_kind == "device",
                            alarms.c.cleared == false(),
                            alarms.c.rule_id.in_([r[0] for r in rows if r[1] in silence]),
                        )
                    ).scalars()
                )
                seen = _silence_rows(conn, silence, open_ids, now)
                ids = [r[0] for r in seen]
                edges = silence_edges(
                    ids,
                    [r[2] for r in seen],
                    [silence[r[1]] for r in seen],
                    [0 if i in open_ids else None for i in ids],
                    now,
                )
                out.update(d for d, _ in edges.started)
                out.update(d for d, _ in edges.ended)
                if overridden:
                    out.update(
                        conn.execute(
                            select(devices.c.id).where(
                                devices.c.id.in_(sorted(overridden)), devices.c.profile_id.in_(list(silence))
                            )
                        ).scalars()
                    )
        return sorted(out)


def _silence_rows(
    conn: Connection, silence: dict[int, int], open_ids: set[int], now: int
) -> list[tuple[int, int, int]]:
    """(device, profile, last seen) of the devices whose silence may start or end now: those silent past their
    profile's threshold (the database compares, so only they are read) and those with an open no-data alarm."""
    last = func.max(latest_values.c.ts)
    base = (
        select(devices.c.id, devices.c.profile_id, last)
        .select_from(devices.join(latest_values, latest_values.c.device_id == devices.c.id))
        .group_by(devices.c.id, devices.c.profile_id)
    )
    out: dict[int, tuple[int, int, int]] = {}
    for profile_id, silent_s in silence.items():
        query = base.where(devices.c.profile_id == profile_id).having(last <= now - silent_s * 1000)
        out.update((r[0], (r[0], r[1], r[2])) for r in conn.execute(query))
    still_open = sorted(i for i in open_ids if i not in out)
    for start in range(0, len(still_open), 500):
        query = base.where(devices.c.id.in_(still_open[start : start + 500]), devices.c.profile_id.in_(list(silence)))
        out.update((r[0], (r[0], r[1], r[2])) for r in conn.execute(query))
    return list(out.values())


def shared_alarms(
    rules_: Sequence[Rule], before: dict[str, RuleState], transitions: list[Transition]
) -> list[Transition]:
    """Rules of a device that share an alarm type share its one alarm (one active alarm per originator and
    type): in time order, a raise while another of them holds the alarm open repeats it, and a clear only clears
    once none of them holds it any more. ``before``: the rules' states before this event."""
    types = [r.alarm_type for r in rules_]
    if len(set(types)) == len(types):
        return transitions
    holding: dict[str, int] = {}
    for rule in rules_:
        state = before.get(rule.id)
        if state is not None and state.is_open:
            holding[rule.alarm_type] = holding.get(rule.alarm_type, 0) + 1
    out: list[Transition] = []
    # Raises before clears at the same instant: an alarm handed from one rule to the next stays open.
    for t in sorted(transitions, key=lambda t: (t.start_ts, 0) if isinstance(t, Raised) else (t.end_ts, 1)):
        if isinstance(t, Raised):
            holding[t.alarm_type] = holding.get(t.alarm_type, 0) + 1
            out.append(t)
        else:
            left = holding.get(t.alarm_type, 0) - 1
            holding[t.alarm_type] = max(left, 0)
            if left <= 0:
                out.append(t)
    return out


def _last_values(conn: Connection, device_ids: list[int]) -> dict[int, dict[str, Reading]]:
    out: dict[int, dict[str, Reading]] = {}
    for start in range(0, len(device_ids), 500):
        chunk = device_ids[start : start + 500]
        rows = conn.execute(select(latest_values).where(latest_values.c.device_id.in_(chunk)))
        for row in rows:
            value = row.value_num if row.value_str is None else row.value_str
            out.setdefault(row.device_id, {})[row.key] = Reading(row.key, row.ts, value)
    return out
