"""The service's part of ``maeul demo``: stations along Namyangju-si's rivers (북한강, 한강, 왕숙천) and a few
others, shelters, and a storm that raises the water level through the four stages and back.

The storm is replayed through the same path as live readings (telemetry store, then the stage engine), so the
demo starts with a full warning chain (Alert, Updates, Cancel) in the CAP feed; ``maeul warnings storm`` plays
another one live.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from shapely.geometry import shape
from sqlalchemy import select

from maeul.adapters.sql import districts as district_repo
from maeul.adapters.sql.errors import Conflict
from maeul.adapters.sql.telemetry_store import DeviceBatch
from maeul.core.readings import Reading
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.services.spec import DemoContext
from maeul.services.warnings import shelter_store, stations
from maeul.services.warnings.core.shelters import Shelter
from maeul.services.warnings.runtime import engine_for
from maeul.services.warnings.tables import stations as station_table

MINUTE = 60_000


@dataclass(frozen=True)
class DemoStation:
    name: str
    name_en: str
    kind: str
    district: str  # where it stands
    area: tuple[str, ...]  # the districts it warns
    peak: float  # the storm's peak, in the kind's unit
    base: float


STATIONS = (
    DemoStation(
        "북한강 조안 수위국", "Bukhan River at Joan", "river_level", "3113035", ("3113035", "3113013"), 6.0, 1.2
    ),
    DemoStation("한강 와부 수위국", "Han River at Wabu", "river_level", "3113011", ("3113011", "3113035"), 5.0, 1.5),
    DemoStation(
        "왕숙천 진접 수위국", "Wangsukcheon at Jinjeop", "river_level", "3113012", ("3113012", "3113014"), 4.8, 0.8
    ),
    DemoStation(
        "왕숙천 다산 수위국", "Wangsukcheon at Dasan", "river_level", "3113058", ("3113058", "3113059"), 3.8, 0.7
    ),
    DemoStation("다산 지하차도", "Dasan underpass", "underpass_level", "3113059", ("3113059",), 25.0, 0.0),
    DemoStation("화도 강우량계", "Hwado rain gauge", "rainfall", "3113013", ("3113013",), 45.0, 0.0),
    DemoStation("금곡 대기측정소", "Geumgok air quality", "air_quality", "3113053", ("3113053",), 60.0, 18.0),
)


def storm_curve(minute: float, duration: float, base: float, peak: float, noise: float = 0.0) -> float:
    """A smooth rise and fall: ``base`` at both ends, ``peak`` at two fifths of the duration."""
    if minute <= 0 or minute >= duration:
        return base + noise
    crest = 0.4 * duration
    phase = minute / crest if minute <= crest else 1 + (minute - crest) / (duration - crest)
    shape_ = math.sin(phase * math.pi / 2) ** 2 if phase <= 1 else math.cos((phase - 1) * math.pi / 2) ** 2
    return round(base + (peak - base) * shape_ + noise, 3)


def storm_batches(
    rows: list[dict[str, object]], start_ms: int, minutes: int, step_min: int, seed: int
) -> list[list[DeviceBatch]]:
    """Readings of every station for each step of the storm, one list of batches per step."""
    rng = random.Random(seed)
    by_name = {s.name: s for s in STATIONS}
    steps: list[list[DeviceBatch]] = []
    for minute in range(0, minutes + 1, step_min):
        batches = []
        for row in rows:
            spec = by_name.get(str(row["name"]))
            if spec is None:
                continue
            value = storm_curve(minute, minutes, spec.base, spec.peak, rng.uniform(-0.01, 0.01) * spec.peak)
            readings = [Reading(str(row["stage_key"]), start_ms + minute * MINUTE, max(value, 0.0))]
            batches.append(DeviceBatch(int(str(row["device_id"])), 365, "Asia/Seoul", readings))
        steps.append(batches)
    return steps


def ensure_stations(platform: Platform, context: DemoContext) -> list[dict[str, object]]:
    now = now_ms()
    with platform.engine.begin() as conn:
        known = {d.code: d for d in district_repo.list_districts(conn, context.tenant)}
        for spec in STATIONS:
            where = spec.district if spec.district in known else next(iter(known), None)
            area = [c for c in spec.area if c in known] or ([where] if where else [])
            if where is None:
                continue
            point = shape(known[where].geometry).representative_point()
            try:
                with conn.begin_nested():
                    stations.create_station(
                        conn,
                        context.tenant,
                        name=spec.name,
                        name_en=spec.name_en,
                        kind=spec.kind,
                        lon=round(point.x, 5),
                        lat=round(point.y, 5),
                        district_code=where,
                        district_codes=area,
                        now=now,
                    )
            except Conflict:
                pass
        if not shelter_store.list_shelters(conn, context.tenant):
            items = []
            for _code, district in list(known.items())[:8]:
                p = shape(district.geometry).representative_point()
                items.append(
                    Shelter(
                        f"{district.name} 행정복지센터 대피소",
                        "evacuation",
                        round(p.x, 5),
                        round(p.y, 5),
                        300,
                        "24/7",
                        f"{district.name_en or district.name} community centre shelter",
                    )
                )
                items.append(
                    Shelter(
                        f"{district.name} 경로당 무더위쉼터",
                        "heat",
                        round(p.x + 0.004, 5),
                        round(p.y, 5),
                        30,
                        "Mo-Su 09:00-21:00",
                        f"{district.name_en or district.name} heat shelter",
                    )
                )
            shelter_store.replace_shelters(conn, context.tenant, items, now)
        rows = conn.execute(
            select(station_table.c.name, station_table.c.device_id, station_table.c.stage_key).where(
                station_table.c.tenant_id == context.tenant
            )
        ).mappings()
        return [dict(r) for r in rows]


def play(
    platform: Platform,
    rows: list[dict[str, object]],
    start_ms: int,
    minutes: int,
    step_min: int,
    seed: int,
    pause: Callable[[], bool] | None = None,
) -> int:
    """Store the storm's readings step by step and evaluate them; returns the CAP messages issued.
    ``pause`` is called between steps (live play); returning False stops the storm."""
    engine = engine_for(platform)
    engine.invalidate()
    issued = 0
    for batches in storm_batches(rows, start_ms, minutes, step_min, seed):
        with platform.engine.begin() as conn:
            platform.ingest.store.write(conn, batches)
        issued += len(engine.process(batches))
        if pause is not None and not pause():
            break
    return issued


def run(platform: Platform, context: DemoContext) -> list[str]:
    rows = ensure_stations(platform, context)
    if not rows:
        return ["warnings: no districts, so no stations / 행정구역이 없어 관측소를 만들지 않았습니다"]
    with platform.engine.connect() as conn:
        played = any(
            stations.get_station(conn, context.tenant, s["id"])["last_ts"] is not None
            for s in stations.list_stations(conn, context.tenant)
        )
    issued = 0
    if not played:
        start = now_ms() - 8 * 60 * MINUTE
        issued = play(platform, rows, start, 6 * 60, 5, context.seed)
    return [
        f"warnings: {len(rows)} stations along the Bukhan, Han and Wangsukcheon rivers; "
        f"a past storm issued {issued} CAP messages / 관측소 {len(rows)}곳, 지난 폭우로 CAP 메시지 {issued}건",
        f"warnings: CAP feed /api/v1/warnings/public/feed?tenant={context.tenant}; "
        f"status /api/v1/warnings/public/status?tenant={context.tenant}; "
        "a live storm: maeul warnings storm",
    ]
