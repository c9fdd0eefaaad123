"""The care part of ``maeul demo``: Namyangju-si's 30 homes (on the core demo's room sensors), each with a door
sensor, an emergency button and smoke and gas detectors; residents with made-up names, one family contact each,
a caseworker per district, a rollout plan. While the demo runs, :class:`DemoResidents` plays the residents:
doors open on outings, detectors send their heartbeats, and now and then someone presses the emergency button
(and lets go a few minutes later), so statuses, alarms and responses change live."""

from __future__ import annotations

import json
import os
import random
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import select

from maeul.adapters.sql import accounts, devices
from maeul.adapters.sql.errors import NotFound
from maeul.core.roles import Role
from maeul.platform.clock import now_ms
from maeul.services.care.crypto import cipher_for
from maeul.services.care.store import households, personal, rollout, staff
from maeul.services.care.tables import care_households

if TYPE_CHECKING:
    from maeul.platform.app import Platform
    from maeul.services.spec import DemoContext

STATE_FILE = "care-demo.json"
EXTRA_KINDS = ("door", "button", "smoke", "gas")
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
            created = households.add_devices(conn, tenant, home["id"], list(EXTRA_KINDS))
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
            feed.append({"home": code, "devices": {row["attributes"]["care_kind"]: tok for row, tok in created}})
        _detection_rules(conn, tenant, context.devices)
        districts_with_homes = sorted({h["district_code"] for h in households.list_households(conn, tenant)})
        for i, code in enumerate(districts_with_homes):
            phase = ("pilot", "evaluation", "expansion")[min(2, i // 6)]
            rollout.set_plan(
                conn, tenant, code, {"phase": phase, "planned_homes": 4 + i % 3, "start_date": "2018-03-02"}
            )
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"tenant": tenant, "homes": []}
    state = {"tenant": tenant, "homes": [*previous.get("homes", []), *feed]}
    _save(path, state)
    platform.provision_broker()
    return [f"care: {len(feed)} homes enrolled, residents simulated / 돌봄 가구 {len(feed)}곳 등록, 주민 모의 실행"]


# The learned-routine detection (maeul/services/care/detection) on the room sensors, when that part is installed.
DETECTION_RULES = (
    ("care.inactivity", "care_inactivity", "major"),
    ("care.environment", "care_environment", "minor"),
    ("care.device", "care_device", "minor"),
)


def _detection_rules(conn: Any, tenant: str, device_ids: Any) -> None:
    from maeul.adapters.sql import rules as rule_repo
    from maeul.core.rules import registered_kinds

    known = set(registered_kinds())
    profile_ids = set()
    for device_id in device_ids:
        try:
            profile_ids.add(int(devices.get_device(conn, tenant, device_id)["profile_id"]))
        except NotFound:
            continue
    for profile_id in sorted(profile_ids):
        have = {r["alarm_type"] for r in rule_repo.list_rules(conn, tenant, profile_id)}
        for kind, alarm_type, severity in DETECTION_RULES:
            if kind in known and alarm_type not in have:
                rule_repo.create_rule(
                    conn,
                    tenant,
                    profile_id,
                    name=f"돌봄 {kind}",
                    alarm_type=alarm_type,
                    severity=severity,
                    condition={"kind": kind},
                )


class DemoResidents:
    """Plays the demo's residents on the extra devices, through the ingest pipeline (like real devices)."""

    def __init__(self, platform: Platform, state: dict[str, Any], interval_s: float = 60.0, seed: int = 11) -> None:
        self.platform = platform
        self.homes = state.get("homes", [])
        self.interval_s = interval_s
        self.rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pressed: dict[str, int] = {}  # home code -> ticks left until the button is let go

    def _send(self, token: str, values: dict[str, float]) -> None:
        try:
            self.platform.ingest.submit_http(token, orjson.dumps({"ts": now_ms(), "values": values}))
        except Exception:  # the demo goes on; the pipeline logs the cause
            return

    def step(self) -> None:
        silent = self.homes[-1]["home"] if self.homes else None  # one home's gas detector has a flat battery
        for home in self.homes:
            kinds = home["devices"]
            if "door" in kinds and self.rng.random() < 0.05:
                self._send(kinds["door"], {"door": 1.0, "battery": 87.0})
            elif "door" in kinds:
                self._send(kinds["door"], {"door": 0.0, "battery": 87.0})
            for kind in ("smoke", "gas"):
                if kind in kinds and not (kind == "gas" and home["home"] == silent):
                    self._send(kinds[kind], {kind: 0.0, "battery": 93.0})
            if "button" in kinds:
                left = self._pressed.get(home["home"])
                if left is not None:
                    if left <= 0:
                        self._pressed.pop(home["home"])
                        self._send(kinds["button"], {"button": 0.0})
                    else:
                        self._pressed[home["home"]] = left - 1
                elif not self._pressed and self.rng.random() < 0.002:  # ~every 17 min one home is in trouble
                    self._pressed[home["home"]] = 5
                    self._send(kinds["button"], {"button": 1.0, "battery": 90.0})
                else:
                    self._send(kinds["button"], {"button": 0.0, "battery": 90.0})

    def _run(self) -> None:
        while not self._stop.is_set():
            self.step()
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
