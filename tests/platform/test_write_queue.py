"""The ingest writer's queue: batches close at their size, are taken oldest first, and carry their prepared rows."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from maeul.adapters.sql.telemetry_store import DeviceBatch, PreparedWrite
from maeul.core.readings import Reading
from maeul.platform.write_queue import WriteQueue

T0 = 1_795_000_000_000


@dataclass
class Item:
    rows: int
    batches: list[DeviceBatch] = field(default_factory=list)

    def device_batches(self) -> list[DeviceBatch]:
        return self.batches


def message(device_id: int, readings: int) -> Item:
    values = [Reading(f"k{i}", T0 + device_id, float(i)) for i in range(readings)]
    return Item(readings, [DeviceBatch(device_id, 365, "Asia/Seoul", values)])


def new_queue(batch_rows: int) -> WriteQueue[Item]:
    return WriteQueue(batch_rows, lambda: PreparedWrite(postgres=False))


def test_a_batch_closes_once_it_holds_its_rows_and_batches_come_out_oldest_first() -> None:
    queue = new_queue(batch_rows=8)
    items = [message(device_id, 4) for device_id in range(1, 6)]  # 20 rows: batches of 8, 8 and 4
    for item in items:
        queue.put(item)
    taken = [queue.take() for _ in range(3)]
    assert [b.items for b in taken if b] == [items[0:2], items[2:4], items[4:5]]
    assert [b.rows for b in taken if b] == [8, 8, 4]
    first = taken[0]
    assert first is not None
    # prepared in the items' order
    assert [(row[0], row[1]) for row in first.prepared.rows] == [(d, f"k{i}") for d in (1, 2) for i in range(4)]


def test_a_message_without_readings_is_queued_with_nothing_to_prepare() -> None:
    queue = new_queue(batch_rows=100)
    letter_only = Item(rows=1)
    queue.put(letter_only)
    batch = queue.take()
    assert batch is not None and batch.items == [letter_only] and len(batch.prepared) == 0


def test_take_waits_for_a_batch_and_lingers_until_it_fills() -> None:
    queue = new_queue(batch_rows=8)
    taken: list[int] = []

    def writer() -> None:
        batch = queue.take(linger_s=30.0)
        taken.append(batch.rows if batch else -1)

    thread = threading.Thread(target=writer)
    thread.start()
    queue.put(message(1, 4))
    time.sleep(0.2)
    assert taken == []  # lingering: the batch is not full yet
    queue.put(message(2, 4))  # now it is
    thread.join(10)
    assert not thread.is_alive() and taken == [8]


def test_after_close_what_is_queued_is_taken_then_none() -> None:
    queue = new_queue(batch_rows=8)
    queue.put(message(1, 2))
    queue.close()
    batch = queue.take(linger_s=30.0)  # closing ends the linger at once
    assert batch is not None and batch.rows == 2
    assert queue.take() is None
    queue.reopen()
    queue.put(message(2, 2))
    assert len(queue) == 1


def test_close_wakes_a_waiting_writer() -> None:
    queue = new_queue(batch_rows=8)
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(queue.take()))
    thread.start()
    time.sleep(0.1)
    queue.close()
    thread.join(10)
    assert not thread.is_alive() and results == [None]
