"""The shell's pure parts (device state, navigation, safe redirects) and the interface a service uses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import pytest
from fastapi import APIRouter, Depends, Request
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from starlette.responses import Response

from maeul.adapters.http.app import create_app
from maeul.adapters.sql.accounts import Actor
from maeul.core.roles import Permission, Role
from maeul.platform.app import Platform
from maeul.services.spec import NavItem, Service
from maeul.web import nav
from maeul.web.auth import page_user
from maeul.web.device_state import DeviceState, device_state
from maeul.web.errors import WebRoute
from maeul.web.render import render
from maeul.web.security import safe_next

from .conftest import sign_in

HOUR = 3_600_000


@pytest.mark.parametrize(
    ("last_ts", "now", "alarms", "expected"),
    [
        (None, 10 * HOUR, 0, DeviceState.NEW),
        (None, 10 * HOUR, 1, DeviceState.ALARM),
        (10 * HOUR - 1000, 10 * HOUR, 0, DeviceState.OK),
        (9 * HOUR, 10 * HOUR, 0, DeviceState.OK),
        (9 * HOUR - 1, 10 * HOUR, 0, DeviceState.STALE),
        (9 * HOUR - 1, 10 * HOUR, 2, DeviceState.ALARM),
    ],
)
def test_device_state(last_ts: int | None, now: int, alarms: int, expected: DeviceState) -> None:
    assert device_state(last_ts, now, alarms) == expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/console/alarms?status=all", "/console/alarms?status=all"),
        (None, "/d"),
        ("", "/d"),
        ("https://evil.example/", "/d"),
        ("//evil.example/x", "/d"),
        ("/\\evil.example", "/d"),
        ("javascript:alert(1)", "/d"),
        ("relative/path", "/d"),
    ],
)
def test_safe_next(target: str | None, expected: str) -> None:
    assert safe_next(target, "/d") == expected


def test_navigation_by_role_and_area() -> None:
    items = nav.all_items([])
    admin = [i.path for i in nav.visible(items, "console", Role.ADMIN)]
    viewer = [i.path for i in nav.visible(items, "console", Role.VIEWER)]
    assert admin == ["/console", "/console/devices", "/console/alarms", "/console/admin"]
    assert viewer == ["/console", "/console/devices", "/console/alarms"]
    assert nav.visible(items, "console", None) == []
    assert nav.visible(items, "portal", None)[0].path == "/portal"
    links = nav.links(nav.visible(items, "console", Role.ADMIN), "en", "/console/devices/7")
    assert [(link.label, link.current) for link in links][:2] == [("Map", False), ("Devices", True)]


@pytest.fixture
def demo_service(tmp_path: Path) -> Service:
    """A service as another package would write it: a template, a console page, nav items."""
    templates = tmp_path / "templates"
    (templates / "demo").mkdir(parents=True)
    (templates / "demo" / "home.html").write_text(
        '{% extends "console/base.html" %}{% block title %}Demo{% endblock %}'
        "{% block content %}<h1>{{ pick('데모', 'Demo') }} {{ count }}</h1>{% endblock %}",
        encoding="utf-8",
    )

    def page_router() -> APIRouter:
        router = APIRouter(route_class=WebRoute)

        @router.get("/console/demo")
        def home(request: Request, actor: Annotated[Actor, Depends(page_user(Permission.MANAGE_DEVICES))]) -> Response:
            return render(request, "demo/home.html", {"count": 3})

        return router

    return Service(
        name="demo",
        title_ko="데모",
        title_en="Demo",
        templates=templates,
        page_router=page_router,
        nav=(
            NavItem("console", "/console/demo", "데모", "Demo", Permission.MANAGE_DEVICES.value, order=50),
            NavItem("portal", "/portal/demo", "데모 신고", "Demo reports", order=15),
        ),
    )


@pytest.fixture
def service_app(platform: Platform, tenants: list[str], demo_service: Service) -> Iterator[TestClient]:
    platform.services = (demo_service,)
    try:
        with TestClient(create_app(platform, manage_lifecycle=False), headers={"Accept": "text/html"}) as client:
            yield client
    finally:
        platform.services = ()


def test_a_service_adds_pages_and_navigation(service_app: TestClient) -> None:
    portal = service_app.get("/portal").text
    assert 'href="/portal/demo"' in portal and "데모 신고" in portal
    assert service_app.get("/console/demo", follow_redirects=False).status_code == 303
    sign_in(service_app, "namyangju", "operator-namyangju")
    page = service_app.get("/console/demo")
    assert page.status_code == 200 and "<h1>데모 3</h1>" in page.text
    assert 'href="/console/demo" aria-current="page"' in page.text
    service_app.cookies.clear()
    sign_in(service_app, "namyangju", "viewer-namyangju")
    assert 'href="/console/demo"' not in service_app.get("/console").text
    assert service_app.get("/console/demo").status_code == 403


@given(st.text(max_size=80))
def test_safe_next_never_leaves_the_site(target: str) -> None:
    result = safe_next(target, "/console")
    parts = urlsplit(result)
    assert result.startswith("/") and not result.startswith("//")
    assert not parts.scheme and not parts.netloc and "\\" not in result
    assert result in (target, "/console")
