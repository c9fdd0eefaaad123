"""End to end in real headless Chromium (Debian's, driven by Playwright; no browser download) against uvicorn:
sign in, see live data and a chart, receive a live alarm and acknowledge it, switch language, import devices;
axe-core on every page (no serious or critical WCAG 2.1 AA violation); screenshots in test-artifacts/."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from maeul.adapters.http.app import create_app
from maeul.adapters.sql.alarms import raise_alarm
from maeul.core.alarms import Occurrence, Severity
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.platform.settings import load_settings
from maeul.testing.browser import browser_page, check_accessibility, require_browser
from maeul.testing.mosquitto import free_port, wait_until

from .conftest import PASSWORD
from .support import Town, build_town

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


@dataclass
class Site:
    url: str
    platform: Platform
    town: Town


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    require_browser()
    # SQLite only here: the pages' SQL runs on both stores in test_pages.py; this test is about the browser.
    settings = load_settings({}, data_dir=tmp_path / "data", services="")
    platform = Platform.create(settings)
    platform.start(mqtt=False)
    from maeul.adapters.sql import accounts
    from maeul.core.roles import Role

    with platform.engine.begin() as conn:
        accounts.create_tenant(conn, "namyangju", "남양주시", name_en="Namyangju-si")
        accounts.create_user(conn, "namyangju", "admin-namyangju", Role.ADMIN, password=PASSWORD)
    town = build_town(platform, "namyangju", "Aown")
    port = free_port()
    config = uvicorn.Config(
        create_app(platform, manage_lifecycle=False),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-uvicorn-web", daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: server.started, 10.0), "uvicorn did not start"
        yield Site(f"http://127.0.0.1:{port}", platform, town)
    finally:
        server.should_exit = True
        thread.join(10)
        platform.stop()


@pytest.fixture
def page(site: Site) -> Iterator[Any]:
    with browser_page(ARTIFACTS) as tab:
        yield tab


def test_console_end_to_end(site: Site, page: Any) -> None:
    url, platform, town = site.url, site.platform, site.town
    device_id = town.device["id"]

    # Sign in (a console page sends the browser to the sign-in form first).
    page.goto(f"{url}/console")
    assert "/console/sign-in" in page.url
    check_accessibility(page, ARTIFACTS, "01-sign-in")
    page.get_by_label("사용자 이름").fill("admin-namyangju")
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(re.compile(r".*/console$"))

    # The map: the district and the device drawn from the API.
    page.wait_for_selector("[data-map][data-ready='1']")
    assert page.get_attribute("[data-map]", "data-districts-count") == "1"
    assert page.get_attribute("[data-map]", "data-devices-count") == "1"
    check_accessibility(page, ARTIFACTS, "02-map")

    # A device: its chart from the telemetry API, then a new reading appears live.
    page.goto(f"{url}/console/devices/{device_id}")
    page.wait_for_function(
        "() => { const c = document.querySelector('[data-chart]');"
        " return c && c.dataset.points && c.dataset.points !== 'error' && +c.dataset.points > 0; }"
    )
    assert page.query_selector("[data-chart] canvas") is not None
    result = platform.ingest.submit_http(town.token, b'{"temperature": 27.25}')
    assert result is not None and result.accepted == 1
    page.wait_for_function("() => document.querySelector('td[data-key=temperature]').textContent.includes('27.25')")
    check_accessibility(page, ARTIFACTS, "03-device")
    page.select_option("select[name=interval]", "1m")
    page.wait_for_function("() => +document.querySelector('[data-chart]').dataset.points > 0")

    # The alarm inbox: a new alarm arrives over server-sent events, then it is acknowledged.
    page.goto(f"{url}/console/alarms")
    page.wait_for_selector("[data-live-ready='1']")
    check_accessibility(page, ARTIFACTS, "04-alarms")
    occurrence = Occurrence("namyangju", "device", device_id, "Aown_smoke", Severity.CRITICAL, now_ms(), {})
    with platform.engine.begin() as conn:
        alarm, _ = raise_alarm(conn, occurrence, listeners=platform.alarm_listeners)
    row = page.wait_for_selector(f"tr[data-alarm-id='{alarm['id']}']")
    row.query_selector("a").click()
    page.wait_for_url(re.compile(rf".*/console/alarms/{alarm['id']}$"))
    check_accessibility(page, ARTIFACTS, "05-alarm")
    page.get_by_label("메모 (선택)").fill("전화로 확인함")
    page.get_by_role("button", name="확인", exact=True).click()
    page.wait_for_function("() => document.querySelector('[data-alarm-status]').textContent.includes('확인됨')")
    assert "전화로 확인함" in page.inner_text("#alarm-panel")

    # Switch language: the same page in English.
    page.get_by_role("button", name="English").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert "acknowledged" in page.inner_text("[data-alarm-status]")
    check_accessibility(page, ARTIFACTS, "06-alarm-en")

    # Bulk import: a bad file is refused line by line, a good one imported with each token shown once.
    page.goto(f"{url}/console/admin/import")
    check_accessibility(page, ARTIFACTS, "07-import")
    bad = ARTIFACTS.parent / "web-import-bad.csv"
    bad.write_text("name,profile\nweb-1,no-such-profile\n,Aown-sensor\n", encoding="utf-8")
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_selector("[data-import-problems]")
    assert page.locator("[data-import-problems] li").count() == 2
    check_accessibility(page, ARTIFACTS, "08-import-errors")
    good = ARTIFACTS.parent / "web-import-good.csv"
    good.write_text(
        "name,profile,lon,lat\nweb-1,Aown-sensor,127.3,37.7\nweb-2,Aown-sensor,127.31,37.71\n", encoding="utf-8"
    )
    page.set_input_files("input[type=file]", str(good))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_selector("#import-result")
    assert page.locator("#import-result tbody tr").count() == 2
    check_accessibility(page, ARTIFACTS, "09-import-done")

    # The remaining console pages.
    for name, path in (
        ("10-devices", "/console/devices"),
        ("11-admin", "/console/admin"),
        ("12-users", "/console/admin/users"),
        ("13-profiles", "/console/admin/profiles"),
        ("14-notifications", "/console/admin/notifications"),
        ("15-profile-new", "/console/admin/profiles/new"),
    ):
        page.goto(f"{url}{path}")
        check_accessibility(page, ARTIFACTS, name)
    page.goto(f"{url}/console/admin/profiles")
    page.get_by_role("link", name="Aown-sensor").click()
    page.wait_for_selector("#r-condition")
    check_accessibility(page, ARTIFACTS, "16-profile-edit")
    page.get_by_role("link", name="Aown-hot").click()
    page.wait_for_selector("#o-params")
    check_accessibility(page, ARTIFACTS, "17-rule-edit")
    bad.unlink()
    good.unlink()


def test_portal_end_to_end(site: Site, page: Any) -> None:
    url = site.url
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    for name, path in (
        ("20-portal", "/portal"),
        ("21-reports", "/portal/reports"),
        ("22-alerts", "/portal/alerts"),
        ("23-settings", "/portal/settings"),
    ):
        page.goto(f"{url}{path}")
        check_accessibility(page, ARTIFACTS, name)
    page.get_by_role("button", name="큰 글씨").click()
    page.wait_for_function("() => document.documentElement.classList.contains('large-text')")
    page.get_by_role("button", name="English").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    check_accessibility(page, ARTIFACTS, "24-settings-large-en")
    page.get_by_role("button", name="Turn on messages").click()
    page.wait_for_selector("[data-push][data-state]")


def test_artifacts_and_libraries_are_not_committed() -> None:
    gitignore = (Path(__file__).resolve().parents[2] / ".gitignore").read_text()
    assert "/test-artifacts/" in gitignore and "/node_modules/" in gitignore
