"""The warnings pages in real headless Chromium (Debian's, driven by Playwright) against uvicorn, like
tests/web/test_browser.py: the portal's status map (a station's card and chart), the nearest shelter from a click on
the map, subscribing; the console's warning pages and a manual warning drawn on the map. axe-core on every page
(no serious or critical violation); screenshots in test-artifacts/warnings/."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
import uvicorn
from argon2 import PasswordHasher

from maeul.adapters.http.app import create_app
from maeul.adapters.sql import accounts
from maeul.adapters.sql import districts as district_repo
from maeul.core.districts import parse_feature_collection
from maeul.core.roles import Role
from maeul.platform import secrets
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.platform.settings import load_settings
from maeul.services.warnings import shelter_store, stations
from maeul.services.warnings.core import shelters as shelter_core
from maeul.testing.browser import browser_page, check_accessibility, require_browser
from maeul.testing.mosquitto import free_port, wait_until

from .support import A_DISTRICTS, districts, wait_idle

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "warnings"
PASSWORD = "password-1"
LEVELS = [1.0, 1.4, 1.9, 2.4, 2.8, 3.3, 3.7, 4.1, 4.4, 4.7]  # a river rising through the stages, every 5 minutes
SHELTERS = (
    "name,kind,lon,lat,name_en,capacity,hours,address\n"
    "와부읍 행정복지센터,evacuation,127.26,37.56,Wabu-eup office,300,24/7,와부읍 덕소로 1\n"
    "조안면 무더위쉼터,heat,127.31,37.53,Joan heat shelter,40,24/7,\n"
    "금곡동 주민센터,evacuation,127.22,37.64,Geumgok-dong centre,200,24/7,\n"
)


@dataclass
class Site:
    url: str
    platform: Platform


def _populate(platform: Platform) -> None:
    with platform.engine.begin() as conn:
        accounts.create_tenant(conn, "namyangju", "남양주시", name_en="Namyangju-si")
        accounts.create_user(conn, "namyangju", "admin-namyangju", Role.ADMIN, password=PASSWORD)
        items, errors = parse_feature_collection(districts(A_DISTRICTS))
        assert not errors
        district_repo.replace_districts(conn, "namyangju", items)
        made = []
        for name, name_en, lon, lat, code in (
            ("와부 수위국", "Wabu gauge", 127.25, 37.55, "3113011"),
            ("조안 수위국", "Joan gauge", 127.35, 37.56, "3113012"),
            ("금곡 수위국", "Geumgok gauge", 127.24, 37.65, "3113013"),
        ):
            made.append(stations.create_station(conn, "namyangju", name=name, name_en=name_en, kind="river_level",
                                                lon=lon, lat=lat, district_code=code, now=now_ms()))  # fmt: skip
        shelters, problems = shelter_core.parse_csv(SHELTERS)
        assert not problems
        shelter_store.replace_shelters(conn, "namyangju", shelters, now_ms())
    from maeul.services.warnings import runtime

    runtime.engine_for(platform).invalidate()
    start = now_ms() - len(LEVELS) * 300_000
    for (_, token), scale in zip(made, (1.0, 0.6, 0.3), strict=True):
        body = [
            {"ts": start + i * 300_000, "values": {"water_level": round(v * scale, 2)}} for i, v in enumerate(LEVELS)
        ]
        result = platform.ingest.submit_http(token, orjson.dumps(body))
        assert result is not None and result.accepted == len(LEVELS), result
    wait_idle(platform)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    require_browser()
    monkeypatch.setattr(secrets, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    # SQLite only here: the pages' SQL runs on both stores in test_pages.py; this test is about the browser.
    settings = load_settings({}, data_dir=tmp_path / "data", services="warnings")
    platform = Platform.create(settings)
    platform.start(mqtt=False)
    server = None
    thread = None
    try:
        _populate(platform)
        config = uvicorn.Config(create_app(platform, manage_lifecycle=False), host="127.0.0.1", port=free_port(),
                                log_level="warning", timeout_graceful_shutdown=1)  # fmt: skip
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="test-uvicorn-warnings", daemon=True)
        thread.start()
        assert wait_until(lambda: server.started, 10.0), "uvicorn did not start"
        yield Site(f"http://127.0.0.1:{config.port}", platform)
    finally:
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(10)
        platform.stop()


@pytest.fixture
def page(site: Site) -> Iterator[Any]:
    with browser_page(ARTIFACTS) as tab:
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        yield tab
    assert not errors, f"script errors: {errors}"


def test_portal_status_map_shelter_and_subscribe(site: Site, page: Any) -> None:
    url = site.url
    page.goto(f"{url}/portal/warnings/?tenant=namyangju")
    page.wait_for_selector("#warnings-map[data-ready='1']")
    assert page.get_attribute("#warnings-map", "data-stations-count") == "3"
    assert int(page.get_attribute("#warnings-map", "data-areas-count") or "0") >= 1  # the rising river's warning
    page.get_by_role("link", name="와부 수위국").click()
    page.wait_for_selector("#station-panel .station-chart[data-drawn='1'] canvas")
    check_accessibility(page, ARTIFACTS, "01-portal-status")

    # A click on the map chooses the point the nearest-shelter form uses.
    page.click("#warnings-map", position={"x": 400, "y": 200})
    assert page.input_value("#shelter-lon") and page.input_value("#shelter-lat")
    page.get_by_role("button", name="가까운 운영 중 대피소 찾기").click()
    page.wait_for_selector("#shelter-map[data-ready='1']")
    assert "km 거리" in page.inner_text("ol.shelters")
    check_accessibility(page, ARTIFACTS, "02-portal-shelters")

    page.goto(f"{url}/portal/warnings/subscribe?tenant=namyangju")
    check_accessibility(page, ARTIFACTS, "03-portal-subscribe")
    page.get_by_label("전자우편 주소 또는 전화번호").fill("resident@example.org")
    page.get_by_role("button", name="구독", exact=True).click()
    page.wait_for_selector("text=읍면동을 고르거나")  # no place chosen: the problem, in both languages
    page.get_by_label("읍면동 (하나 이상 선택)").select_option(["3113011"])
    page.get_by_role("button", name="구독", exact=True).click()
    page.wait_for_selector("text=확인 코드를 보냈습니다")
    check_accessibility(page, ARTIFACTS, "04-portal-subscribed")

    # Large text and English, as the resident chose them in the header.
    page.goto(f"{url}/portal/warnings/?tenant=namyangju")
    page.get_by_role("button", name="큰 글씨").click()
    page.wait_for_function("() => document.documentElement.classList.contains('large-text')")
    page.get_by_role("button", name="English").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.wait_for_selector("#warnings-map[data-ready='1']")
    check_accessibility(page, ARTIFACTS, "05-portal-status-large-en")


def test_console_warning_pages_and_a_drawn_manual_warning(site: Site, page: Any) -> None:
    url = site.url
    page.goto(f"{url}/console/sign-in")
    page.get_by_label("사용자 이름").fill("admin-namyangju")
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"{url}/console")
    page.goto(f"{url}/console/warnings/")
    check_accessibility(page, ARTIFACTS, "10-console-stations")
    page.get_by_role("link", name="와부 수위국").click()
    page.wait_for_selector("[data-chart-canvas] canvas")
    check_accessibility(page, ARTIFACTS, "11-console-station")
    page.goto(f"{url}/console/warnings/alerts")
    check_accessibility(page, ARTIFACTS, "12-console-alerts")

    page.get_by_role("link", name="새 수동 경보").click()
    page.wait_for_selector("#draw-map[data-ready='1']")  # the districts drawn for reference
    page.get_by_label("사건(한국어)", exact=False).first.fill("가스 누출")
    page.get_by_label("사건(영어)", exact=False).first.fill("Gas leak")
    for x, y in ((300, 120), (520, 140), (460, 300)):
        page.click("#draw-map", position={"x": x, "y": y})
    assert len(page.input_value("#f-polygon").strip().splitlines()) == 3
    page.get_by_label("행동 요령(한국어)").fill("창문을 닫으십시오")
    check_accessibility(page, ARTIFACTS, "13-console-alert-new")
    page.get_by_role("button", name="경보 보내기").click()
    page.wait_for_selector("text=CAP 메시지")
    assert "가스 누출" in page.inner_text("h1")
    check_accessibility(page, ARTIFACTS, "14-console-alert")
    page.get_by_role("button", name="경보 해제 보내기").click()
    page.wait_for_selector("text=해제됨")
    page.goto(f"{url}/console/warnings/shelters")
    check_accessibility(page, ARTIFACTS, "15-console-shelters")
