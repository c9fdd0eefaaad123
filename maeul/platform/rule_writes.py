"""The rule runner's part of one ingest batch: alarm changes and rule states, written on the writer's connection."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection

from sqlalchemy import Connection

from maeul.core.rules import RuleState, Transition

Stepped = tuple[str, int, list[Transition]]  # tenant, device, the alarm transitions of its step
States = dict[int, dict[str, RuleState]]
# Writes the steps and states on a connection; returns what was written (a failing device is left out).
WriteSteps = Callable[[Connection, list[Stepped], States], States]


class RuleWrites:
    """The stepped devices of one batch, written in one or more parts (a :class:`TransactionWrites`): the devices
    whose step raised or cleared an alarm are ``urgent``, so the writer may commit them before the others."""

    def __init__(self, stepped: list[Stepped], changed: States, write_steps: WriteSteps) -> None:
        self._stepped = stepped
        self._changed = changed
        self._write_steps = write_steps
        self._pending = {device_id for _, device_id, _ in stepped} | set(changed)
        self.urgent = frozenset(device_id for _, device_id, transitions in stepped if transitions)
        self.written: States = {}
        self.seconds = 0.0  # time spent writing, over all parts

    def __call__(self, conn: Connection, devices: Collection[int] | None = None, /) -> None:
        began = time.monotonic()
        part = set(self._pending) if devices is None else self._pending & set(devices)
        if part:
            self._pending -= part
            stepped = [step for step in self._stepped if step[1] in part]
            changed = {device_id: new for device_id, new in self._changed.items() if device_id in part}
            self.written.update(self._write_steps(conn, stepped, changed))
        self.seconds += time.monotonic() - began
