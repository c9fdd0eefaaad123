"""The complaints pages in real headless Chromium (Debian's, driven by Playwright) against uvicorn: the map of
requests (points and a hotspot drawn), the analytics page (uPlot chart drawn), the residents' report page (a pin
placed by clicking the map fills the fields and brings the similar reports), the public statistics; axe-core on
each; screenshots in test-artifacts/complaints/."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from analytics_seed import NOW, Seeded, seed
from complaints_support import Town, build_town
from fastapi.testclient import TestClient

from maeul.adapters.http.app import create_app
from maeul.adapters.sql import accounts
from maeul.core.roles import Role
from maeul.platform import clock
from maeul.platform.app import Platform
from maeul.platform.settings import load_settings
from maeul.testing.browser import browser_page, check_accessibility, require_browser
from maeul.testing.mosquitto import free_port, wait_until

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "complaints"
PASSWORD = "complaints-browser-1"


class Handle:
    def __init__(self, tenant_id: str, headers: dict[Role, dict[str, str]]) -> None:
        self.id, self.headers = tenant_id, headers

    @property
    def admin(self) -> dict[str, str]:
        return self.headers[Role.ADMIN]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Seeded]]:
    require_browser()
    monkeypatch.setattr(clock, "now_ms", lambda: NOW)
    settings = load_settings({}, data_dir=tmp_path / "data", services="complaints")
    platform = Platform.create(settings)
    platform.start(mqtt=False)
    with platform.engine.begin() as conn:
        accounts.create_tenant(conn, "namyangju", "남양주시", name_en="Namyangju-si")
        user = accounts.create_user(conn, "namyangju", "admin-namyangju", Role.ADMIN, password=PASSWORD)
        issued, _ = accounts.issue_user_token(conn, "namyangju", user["id"], kind="api_key", name="test")
    app = create_app(platform, manage_lifecycle=False)
    with TestClient(app) as client:
        town: Town = build_town(client, Handle("namyangju", {Role.ADMIN: {"Authorization": f"Bearer {issued.token}"}}))
        seeded = seed(client, platform, town)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning",
                                           timeout_graceful_shutdown=1))  # fmt: skip
    thread = threading.Thread(target=server.run, name="test-uvicorn-complaints", daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: server.started, 10.0), "uvicorn did not start"
        yield f"http://127.0.0.1:{server.config.port}", seeded
    finally:
        server.should_exit = True
        thread.join(10)
        platform.stop()


@pytest.fixture
def page(site: tuple[str, Seeded]) -> Iterator[Any]:
    with browser_page(ARTIFACTS) as tab:
        yield tab


def test_complaints_pages_in_a_browser(site: tuple[str, Seeded], page: Any) -> None:
    url, seeded = site
    page.goto(f"{url}/console/complaints/map")
    page.get_by_label("사용자 이름").fill("admin-namyangju")
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(re.compile(r".*/console/complaints/map$"))
    page.wait_for_selector("[data-complaints-map][data-ready='1']")
    assert page.get_attribute("[data-complaints-map]", "data-requests-count") == "16"
    assert page.get_attribute("[data-complaints-map]", "data-hotspots-count") == "1"
    check_accessibility(page, ARTIFACTS, "01-console-map")
    page.goto(f"{url}/console/complaints/map?colour=category&status=open")
    page.wait_for_selector("[data-complaints-map][data-ready='1']")
    assert page.get_attribute("[data-complaints-map]", "data-requests-count") == "14"
    check_accessibility(page, ARTIFACTS, "02-console-map-by-category")

    page.goto(f"{url}/console/complaints/analytics?district=A&category=pothole&action=가로등 증설&min_total=3")
    page.wait_for_selector("[data-complaints-chart][data-ready='1']")
    assert page.query_selector("[data-complaints-chart] canvas") is not None
    assert "진접읍에도 검토해 보십시오" in page.inner_text("main")
    check_accessibility(page, ARTIFACTS, "03-console-analytics")

    page.goto(f"{url}/portal/complaints/?tenant={seeded.town.id}")
    page.wait_for_selector("[data-pin-map][data-ready='1']")
    page.select_option("#r-code", "pothole")
    page.fill("#r-desc", "도로에 큰 구멍")
    # a click in the middle of the map sets the pin; the fields take its position and the suggestions come
    page.click("#pin-map", position={"x": 300, "y": 160})
    page.wait_for_function("() => document.getElementById('r-lat').value !== ''")
    check_accessibility(page, ARTIFACTS, "04-portal-report")

    page.goto(f"{url}/portal/complaints/?tenant={seeded.town.id}&lat=37.6202&long=127.2202")
    page.select_option("#r-code", "pothole")
    page.wait_for_selector("#suggestions form.follow")
    check_accessibility(page, ARTIFACTS, "05-portal-report-similar")
    first = page.locator("#suggestions form.follow").first
    first.locator("input[type=email]").fill("neighbour@example.kr")
    first.get_by_role("button").click()
    page.wait_for_url(re.compile(r".*/portal/complaints/follow$"))
    assert "따라갑니다" in page.inner_text("main")
    tracking = page.inner_text("main code")
    page.get_by_role("link", name="처리 상황 보기").click()
    page.wait_for_url(re.compile(rf".*token={tracking}$"))
    assert "처리 경과" in page.inner_text("main")

    page.goto(f"{url}/portal/complaints/stats?tenant={seeded.town.id}")
    assert "화도읍" in page.inner_text("main")
    check_accessibility(page, ARTIFACTS, "06-portal-stats")
    page.goto(f"{url}/portal/complaints/status?tenant={seeded.town.id}&id={seeded.resolved_a}")
    check_accessibility(page, ARTIFACTS, "07-portal-status")
