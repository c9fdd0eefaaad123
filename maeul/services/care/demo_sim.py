"""A demo resident's day as the care hub reports it (pure, seeded): the readings the live detection reads.

Keys follow the detection's convention (``<kind>_<place>``, see ``detection/rule_kind.py``): motion in four
rooms (an "on" and, a minute later, an "off"), the bed and the armchair, the main door, the pill box, blood
pressure and glucose, and every hour the climate, a heartbeat and the batteries. A day: up between 06:15 and
07:30, motion every 6 to 20 minutes while up, an outing on some days (through the main door), the armchair in
the evening, in bed from about 21:30 with a night-time trip to the bathroom on some nights. Medication at the
home's two usual times (a dose forgotten now and then), vitals after getting up.

Trouble: in a window given by the caller the resident falls and lies still: no sign of life, only the hub's
periodic readings, until the window ends and the resident is found (or gets up). Emergency button: at the times
given by the caller the resident presses it (``button_presses``: now and then one of the homes, by day), which
the detection raises at once as danger. Times are Unix milliseconds; the home's clock is Korea's (UTC+9, no
daylight saving time).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from maeul.services.care.core.devices import HUB_ROOMS

KST_S = 9 * 3600
DAY_S = 86_400
ROOMS = HUB_ROOMS
ROOM_WEIGHTS = (5, 3, 2, 2)
HOURLY_KEYS = ("temperature", "humidity", "heartbeat", "battery", "battery_smoke", "smoke", "gas")
PERSON_FREE = frozenset(HOURLY_KEYS) | {"battery_pillbox"}  # what the hub sends whether or not anyone moves

Reading = tuple[int, dict[str, float]]  # (Unix ms, values)


@dataclass(frozen=True, slots=True)
class SimHome:
    seed: int
    pillbox: bool = False
    vitals: bool = False
    diabetic: bool = False
    weak_battery: bool = False  # the smoke detector's battery is running out: a device fault to chase

    def day(self, day: int) -> list[tuple[float, dict[str, float]]]:
        """The events of one local day (day number since 1970-01-01 KST), local seconds since midnight."""
        rng = random.Random(self.seed * 1_000_003 + day)
        out: list[tuple[float, dict[str, float]]] = []
        wake = rng.uniform(6.25, 7.5) * 3600
        bed = rng.uniform(21.25, 22.5) * 3600

        def motion(t: float, room: str) -> None:
            out.append((t, {f"motion_{room}": 1.0}))
            out.append((t + 60, {f"motion_{room}": 0.0}))

        # the night before waking, in bed since yesterday: maybe a trip to the bathroom
        if rng.random() < 0.5:
            trip = rng.uniform(1.5, 4.0) * 3600
            out.append((trip, {"pressure_bed": 0.0}))
            motion(trip + 20, "bedroom")
            motion(trip + 90, "bathroom")
            motion(trip + 600, "bedroom")
            out.append((trip + 660, {"pressure_bed": 1.0}))
        out.append((wake, {"pressure_bed": 0.0}))
        motion(wake + 30, "bedroom")
        motion(wake + 300, "bathroom")
        outing = (rng.uniform(9.5, 14.0) * 3600, rng.uniform(1.5, 3.5) * 3600) if rng.random() < 0.4 else None
        chair_from, chair_to = rng.uniform(18.75, 19.25) * 3600, rng.uniform(20.25, 20.75) * 3600
        t = wake + 600
        while t < bed - 900:
            if outing is not None and outing[0] <= t < outing[0] + outing[1]:
                out.append((outing[0], {"door_main": 1.0}))
                out.append((outing[0] + 5, {"door_main": 0.0}))
                back = outing[0] + outing[1]
                out.append((back, {"door_main": 1.0}))
                out.append((back + 5, {"door_main": 0.0}))
                motion(back + 60, "living")
                t, outing = back + 60 + rng.uniform(6, 20) * 60, None
                continue
            if chair_from <= t < chair_to:
                out.append((chair_from, {"pressure_chair": 1.0}))
                tv = chair_from + rng.uniform(20, 35) * 60
                while tv < chair_to:
                    motion(tv, "living")
                    tv += rng.uniform(20, 35) * 60
                out.append((chair_to, {"pressure_chair": 0.0}))
                t = chair_to + 60
                continue
            motion(t, rng.choices(ROOMS, ROOM_WEIGHTS)[0])
            t += rng.uniform(6, 20) * 60
        motion(bed - 300, "bathroom")
        motion(bed - 120, "bedroom")
        out.append((bed, {"pressure_bed": 1.0}))
        if self.pillbox:
            for usual in (8.0, 19.5):
                taken = usual * 3600 + rng.gauss(0, 12 * 60)
                if rng.random() < 0.04:
                    continue  # forgotten
                if outing is not None and outing[0] <= taken < outing[0] + outing[1]:
                    taken = outing[0] + outing[1] + 300
                out.append((taken, {"pillbox": 1.0}))
                out.append((taken + 40, {"pillbox": 0.0}))
        if self.vitals:
            when = wake + 1500
            vitals = {"systolic": float(round(rng.gauss(132, 7))), "diastolic": float(round(rng.gauss(82, 5)))}
            if self.diabetic:
                vitals["glucose"] = float(round(rng.gauss(125, 15)))
            out.append((when, vitals))
        for hour in range(24):
            t = hour * 3600 + 120
            values: dict[str, float] = {
                "temperature": round(22.0 + 1.5 * rng.random() - (1.0 if hour < 6 else 0.0), 1),
                "humidity": round(rng.uniform(35, 55), 1),
                "heartbeat": 1.0,
                "battery": 88.0,
                "battery_smoke": 12.0 if self.weak_battery else 91.0,
                "smoke": 0.0,
                "gas": 0.0,
            }
            if self.pillbox:
                values["battery_pillbox"] = 76.0
            out.append((t, values))
        return sorted(out, key=lambda e: e[0])


def readings_between(
    home: SimHome,
    start_ms: int,
    end_ms: int,
    trouble: Sequence[tuple[int, int]] = (),
    presses: Sequence[int] = (),
) -> list[Reading]:
    """The hub's readings with ``start_ms <= ts < end_ms``, in time order; in a trouble window only the
    hub's periodic readings, and one movement when the window ends (the resident is found or gets up); the
    emergency button pressed (and released half a minute later) at ``presses``, unless lying still then."""
    out: list[Reading] = []
    for ts in presses:
        out.extend((at, {"button": value}) for at, value in ((ts, 1.0), (ts + 30_000, 0.0)))
    first_day = (start_ms // 1000 + KST_S) // DAY_S
    last_day = (end_ms // 1000 + KST_S) // DAY_S
    for day in range(first_day, last_day + 1):
        base_ms = (day * DAY_S - KST_S) * 1000
        for local_s, values in home.day(day):
            out.append((base_ms + int(local_s * 1000), values))
    kept: list[Reading] = []
    for ts, values in out:
        if not start_ms <= ts < end_ms:
            continue
        if any(a <= ts < b for a, b in trouble):
            values = {k: v for k, v in values.items() if k in PERSON_FREE}
            if not values:
                continue
        kept.append((ts, values))
    out = kept
    for _, b in trouble:
        if start_ms <= b < end_ms:
            out.append((b, {"motion_living": 1.0}))
            if start_ms <= b + 60_000 < end_ms:
                out.append((b + 60_000, {"motion_living": 0.0}))
    out.sort(key=lambda r: r[0])
    merged: list[Reading] = []
    for ts, values in out:  # readings of one instant travel together
        if merged and merged[-1][0] == ts:
            merged[-1][1].update(values)
        else:
            merged.append((ts, dict(values)))
    return merged


def trouble_windows(started_ms: int, now_ms: int, homes: int, seed: int) -> dict[int, list[tuple[int, int]]]:
    """Who is in trouble when (home index → windows), from the demo's start on: the first one began in the
    daytime about 3 hours before the start and lasts until 2 hours after it (so an alert is there to see at
    once); then every 8 hours, when that falls in the daytime, another resident falls for 5 hours."""
    out: dict[int, list[tuple[int, int]]] = {}
    if homes <= 0:
        return out
    hour_ms = 3_600_000
    first = started_ms - 3 * hour_ms
    while not 9 <= ((first // 1000 + KST_S) % DAY_S) / 3600 < 17:
        first -= hour_ms // 2
    rng = random.Random(seed)
    out.setdefault(rng.randrange(homes), []).append((first, started_ms + 2 * hour_ms))
    k = 1
    while started_ms + k * 8 * hour_ms < now_ms + 8 * hour_ms:
        start = started_ms + k * 8 * hour_ms
        home = random.Random(seed * 7919 + k).randrange(homes)
        if 9 <= ((start // 1000 + KST_S) % DAY_S) / 3600 < 17:
            out.setdefault(home, []).append((start, start + 5 * hour_ms))
        k += 1
    return out


PRESS_EVERY_H = 5  # one press somewhere among the homes about every 5 hours (none at night)
FIRST_PRESS_MS = 45 * 60_000  # the first about 45 minutes after the demo's start


def button_presses(started_ms: int, now_ms: int, homes: int, seed: int) -> dict[int, list[int]]:
    """When someone presses the emergency button (home index → times), from the demo's start on: about every
    ``PRESS_EVERY_H`` hours one resident (seeded), at a time between 07:00 and 22:00 (a press due at night is
    skipped): rare, but an immediate danger alert to watch while the demo runs."""
    out: dict[int, list[int]] = {}
    if homes <= 0:
        return out
    hour_ms = 3_600_000
    k = 0
    while True:
        rng = random.Random(seed * 104_729 + k)
        ts = started_ms + FIRST_PRESS_MS + k * PRESS_EVERY_H * hour_ms + rng.randrange(hour_ms)
        if ts >= now_ms:
            return out
        home = rng.randrange(homes)
        if 7 <= ((ts // 1000 + KST_S) % DAY_S) / 3600 < 22:
            out.setdefault(home, []).append(ts)
        k += 1
