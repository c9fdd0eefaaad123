"""The care part of ``maeul demo``: Namyangju-si's 30 homes (on the core demo's room sensors), each with a care
hub whose keys are exactly what the live detection reads (``demo_sim``), residents with made-up names, one family
contact each, a caseworker per district, a rollout plan. While the demo runs, :class:`DemoResidents` plays the
residents through the ingest pipeline: at first a week of history (so each home's routine is learned), then
live; now and then one resident falls and lies still, or presses the emergency button, and the real detection
raises it."""

from __future__ import annotations

import json
import os
import random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import func, select

from maeul.adapters.sql import accounts, devices
from maeul.adapters.sql.errors import NotFound
from maeul.adapters.sql.tables import latest_values
from maeul.core.roles import Role
from maeul.platform.clock import now_ms
from maeul.services.care.crypto import cipher_for
from maeul.services.care.demo_sim import SimHome, button_presses, readings_between, trouble_windows
from maeul.services.care.store import households, personal, rollout, staff
from maeul.services.care.tables import care_households

if TYPE_CHECKING:
    from maeul.platform.app import Platform
    from maeul.services.spec import DemoContext

STATE_FILE = "care-demo.json"
HISTORY_DAYS = 8  # of readings sent at first start: the detection learns a routine over 7 days
CHUNK = 2000  # readings per message
# Made-up names: common Korean family names and given-name syllables, combined at random.
FAMILY_NAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["순자", "영자", "정숙", "옥순", "말순", "영수", "철수", "복례", "금순", "춘자", "만석", "길동", "순례", "봉순"]
CONDITIONS = ["고혈압", "당뇨", "관절염", "치매 초기", "청각 장애", "시각 장애", "지체 장애", "심장 질환"]
STREETS = ["금곡로", "경춘로", "다산순환로", "진접로", "화도로", "오남로", "와부로", "퇴계원로"]


def _name(rng: random.Random) -> str:
    return rng.choice(FAMILY_NAMES) + rng.choice(GIVEN)


def _save(path: Path, state: dict[str, Any]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(state, fh, ensure_ascii=False, indent=1)


def run_demo(platform: Platform, context: DemoContext) -> list[str]:
    """Create what is missing (idempotent: a second run changes nothing); returns notes for the operator."""
    tenant = context.tenant
    path = platform.settings.data_dir / STATE_FILE
    rng = random.Random(context.seed + 5)
    cipher = cipher_for(platform.settings.data_dir)
    with platform.engine.begin() as conn:
        existing = set(
            conn.execute(select(care_households.c.code).where(care_households.c.tenant_id == tenant)).scalars()
        )
        if len(existing) >= len(context.devices) and path.exists():
            return [f"care: {len(existing)} homes already enrolled / 돌봄 가구 {len(existing)}곳 등록됨"]
        codes = list(context.district_codes)
        users = {u["username"]: u for u in accounts.list_users(conn, tenant)}
        for code in sorted({d for d in codes}):
            username = f"cw-{code}"
            user = users.get(username) or accounts.create_user(
                conn, tenant, username, Role.CASEWORKER, display_name=f"사회복지사 {code} / caseworker {code}"
            )
            staff.set_assignment(conn, tenant, user["id"], [code])
        feed: list[dict[str, Any]] = []
        for index, device_id in enumerate(context.devices):
            code = f"H{index + 1:03d}"
            if code in existing:
                continue
            try:
                room = devices.get_device(conn, tenant, device_id)
            except NotFound:
                continue
            district = room["district_code"] or (codes[index % len(codes)] if codes else None)
            if district is None:
                return ["care: the demo tenant has no districts; no homes enrolled"]
            address = f"경기도 남양주시 {rng.choice(STREETS)} {rng.randint(1, 300)}"
            home = households.create_household(
                conn, cipher, tenant, code=code, district_code=district, address=address, device_ids=[device_id]
            )
            ((hub, token),) = households.add_devices(conn, tenant, home["id"], ["hub"])
            conditions = rng.sample(CONDITIONS, k=rng.randint(1, 2))
            personal.add_resident(
                conn,
                cipher,
                tenant,
                home["id"],
                {
                    "name": _name(rng),
                    "birth_year": rng.randint(1930, 1958),
                    "conditions": conditions,
                    "consent": {"given": True, "date": "2018-03-02", "scope": "돌봄 안전망 / care safety net"},
                },
            )
            personal.add_family(
                conn,
                cipher,
                tenant,
                home["id"],
                {
                    "name": _name(rng),
                    "relation": rng.choice(["딸", "아들", "조카", "며느리"]),
                    "phone": f"010-0000-{rng.randint(0, 9999):04d}",
                    "preferences": {"channel": "none"},
                },
            )
            feed.append(
                {
                    "home": code,
                    "hub": token,
                    "hub_id": hub["id"],
                    "seed": rng.getrandbits(31),
                    "pillbox": index % 3 == 0,
                    "vitals": index % 4 == 0,
                    "diabetic": index % 8 == 0,
                    "weak_battery": index == len(context.devices) - 1,
                }
            )
        districts_with_homes = sorted({h["district_code"] for h in households.list_households(conn, tenant)})
        for i, code in enumerate(districts_with_homes):
            phase = ("pilot", "evaluation", "expansion")[min(2, i // 6)]
            rollout.set_plan(
                conn, tenant, code, {"phase": phase, "planned_homes": 4 + i % 3, "start_date": "2018-03-02"}
            )
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"tenant": tenant, "homes": []}
    state = {
        "tenant": tenant,
        "started_ms": previous.get("started_ms", now_ms()),
        "homes": [*previous.get("homes", []), *feed],
    }
    _save(path, state)
    platform.provision_broker()
    return [f"care: {len(feed)} homes enrolled, residents simulated / 돌봄 가구 {len(feed)}곳 등록, 주민 모의 실행"]


class DemoResidents:
    """Plays the demo's residents on their hubs through the ingest pipeline (like real devices): first the
    history the detection learns from, then every ``interval_s`` the readings up to now."""

    def __init__(
        self,
        platform: Platform,
        state: dict[str, Any],
        interval_s: float = 60.0,
        seed: int = 11,
        clock: Callable[[], int] = now_ms,
        history_days: float = HISTORY_DAYS,
    ) -> None:
        self.platform = platform
        self.homes = [h for h in state.get("homes", []) if "hub" in h]
        self.started_ms = int(state.get("started_ms", clock()))
        self.interval_s = interval_s
        self.seed = seed
        self.clock = clock
        self.history_ms = int(history_days * 86_400_000)
        self._sent: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sim(self, home: dict[str, Any]) -> SimHome:
        return SimHome(
            int(home["seed"]),
            bool(home["pillbox"]),
            bool(home["vitals"]),
            bool(home["diabetic"]),
            bool(home["weak_battery"]),
        )

    def _last_sent(self, home: dict[str, Any], now: int) -> int:
        if home["home"] in self._sent:
            return self._sent[home["home"]]
        with self.platform.engine.connect() as conn:
            newest = conn.execute(
                select(func.max(latest_values.c.ts)).where(latest_values.c.device_id == home["hub_id"])
            ).scalar()
        return max(now - self.history_ms, int(newest) + 1) if newest is not None else now - self.history_ms

    def catch_up(self, now: int | None = None) -> int:
        """Send every home's readings from where it left off (at first: the history) up to ``now``."""
        end = self.clock() if now is None else now
        troubles = trouble_windows(self.started_ms, end, len(self.homes), self.seed)
        presses = button_presses(self.started_ms, end, len(self.homes), self.seed)
        sent = 0
        for index, home in enumerate(self.homes):
            since = self._last_sent(home, end)
            readings = readings_between(self._sim(home), since, end, troubles.get(index, []), presses.get(index, []))
            for start in range(0, len(readings), CHUNK):
                if self._stop.is_set():
                    return sent
                entries = [{"ts": ts, "values": values} for ts, values in readings[start : start + CHUNK]]
                try:
                    self.platform.ingest.submit_http(home["hub"], orjson.dumps(entries))
                except Exception:  # the demo goes on; the pipeline logs the cause
                    return sent
                sent += len(entries)
            self._sent[home["home"]] = end
        return sent

    def _run(self) -> None:
        while not self._stop.is_set():
            self.catch_up()
            self._stop.wait(self.interval_s)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="maeul-care-demo", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def residents_for(platform: Platform) -> DemoResidents | None:
    """The residents of a demo data directory (None outside the demo)."""
    path = platform.settings.data_dir / STATE_FILE
    if not path.exists():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return DemoResidents(platform, state)
