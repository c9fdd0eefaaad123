"""Every page of the console and the portal through TestClient: sign-in, roles, CSRF, tenant isolation, forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from maeul.core.roles import Role
from maeul.platform.app import Platform

from .conftest import csrf_of
from .support import Town, build_town

Browser = Callable[..., TestClient]


@pytest.fixture
def towns(platform: Platform, tenants: list[str]) -> tuple[Town, Town]:
    return build_town(platform, "namyangju", "Aown"), build_town(platform, "suwon", "Bsecret")


def test_console_pages_send_a_browser_to_sign_in(browser: Browser) -> None:
    anonymous = browser(None)
    for path in ("/console", "/console/devices", "/console/alarms", "/console/admin", "/console/devices/1"):
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/console/sign-in?next=")


def test_scripts_get_the_api_error_shape(browser: Browser) -> None:
    anonymous = browser(None)
    response = anonymous.get("/console/devices", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    error = response.json()["error"]
    assert error["code"] == "unauthorized" and error["message_ko"]


def test_sign_in_wrong_password_is_a_clear_error_in_both_languages(browser: Browser) -> None:
    client = browser(None)
    client.get("/console/sign-in")
    body = {"csrf": csrf_of(client), "tenant": "namyangju", "username": "admin-namyangju", "password": "nope"}
    response = client.post("/console/sign-in", data=body)
    assert response.status_code == 401
    assert "비밀번호가 틀렸습니다" in response.text
    response = client.post("/console/sign-in?lang=en", data=body)
    assert "Wrong municipality, user name or password." in response.text
    assert 'value="admin-namyangju"' in response.text  # what was typed is kept


def test_sign_in_without_the_csrf_token_is_refused(browser: Browser) -> None:
    client = browser(None)
    client.get("/console/sign-in")
    response = client.post(
        "/console/sign-in", data={"tenant": "namyangju", "username": "admin-namyangju", "password": "password-1"}
    )
    assert response.status_code == 403
    assert "권한이 없습니다" in response.text


def test_sign_in_goes_back_only_to_local_pages(browser: Browser) -> None:
    client = browser(None)
    client.get("/console/sign-in")
    for target, expected in (("/console/alarms", "/console/alarms"), ("https://evil.example/", "/console")):
        body = {
            "csrf": csrf_of(client),
            "tenant": "namyangju",
            "username": "viewer-namyangju",
            "password": "password-1",
            "next": target,
        }
        response = client.post("/console/sign-in", data=body, follow_redirects=False)
        assert response.headers["location"] == expected
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")


def test_sign_out_revokes_the_session(browser: Browser) -> None:
    client = browser(Role.ADMIN)
    assert client.get("/console").status_code == 200
    session = client.cookies["maeul_session"]
    response = client.post("/console/sign-out", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert response.status_code == 303
    other = browser(None)
    other.cookies.set("maeul_session", session)
    assert other.get("/console", follow_redirects=False).status_code == 303


def test_every_console_page_renders_for_each_role(browser: Browser, towns: tuple[Town, Town]) -> None:
    a, _ = towns
    pages = {
        "/console": Role,
        "/console/devices": Role,
        f"/console/devices/{a.device['id']}": Role,
        f"/console/devices/{a.device['id']}/latest": Role,
        "/console/alarms": Role,
        "/console/alarms/rows": Role,
        f"/console/alarms/{a.alarm['id']}": Role,
        "/console/admin": {Role.ADMIN, Role.OPERATOR},
        "/console/admin/profiles": {Role.ADMIN, Role.OPERATOR},
        "/console/admin/import": {Role.ADMIN, Role.OPERATOR},
        "/console/admin/users": {Role.ADMIN},
        "/console/admin/notifications": {Role.ADMIN},
    }
    for role in Role:
        client = browser(role)
        for path, allowed in pages.items():
            response = client.get(path)
            expected = 200 if role in set(allowed) else 403
            assert response.status_code == expected, (role, path, response.status_code)
            assert "Bsecret" not in response.text, (role, path)
            if expected == 200 and not path.endswith(("/latest", "/rows")):
                assert '<main id="main"' in response.text and "<h1" in response.text


def test_navigation_follows_the_role(browser: Browser, towns: tuple[Town, Town]) -> None:
    admin = browser(Role.ADMIN).get("/console").text
    viewer = browser(Role.VIEWER).get("/console").text
    assert 'href="/console/admin"' in admin
    assert 'href="/console/admin"' not in viewer
    assert 'href="/console/alarms"' in viewer


def test_device_list_names_the_district(browser: Browser, towns: tuple[Town, Town]) -> None:
    client = browser(Role.VIEWER)
    assert "<td>Aown-dong</td>" in client.get("/console/devices").text
    assert "Aown-dong" not in client.get("/console/devices?district=9999999").text.split("<tbody>")[1]


def test_other_tenants_objects_are_not_found(browser: Browser, towns: tuple[Town, Town]) -> None:
    a, b = towns
    client = browser(Role.ADMIN, "namyangju")
    for path in (
        f"/console/devices/{b.device['id']}",
        f"/console/devices/{b.device['id']}/latest",
        f"/console/alarms/{b.alarm['id']}",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Bsecret" not in response.text
    for action in ({"action": "acknowledge"}, {"action": "clear"}, {"action": "comment", "text": "x"}):
        response = client.post(f"/console/alarms/{b.alarm['id']}/action", data={**action, "csrf": csrf_of(client)})
        assert response.status_code == 404
    response = client.post(f"/console/devices/{b.device['id']}/rotate-token", data={"csrf": csrf_of(client)})
    assert response.status_code == 404
    geo = client.get("/console/map/devices.geojson").json()
    assert [f["properties"]["name"] for f in geo["features"]] == ["Aown-device"]
    assert client.get(f"/console/devices/{a.device['id']}").status_code == 200


def test_device_page_shows_latest_values_chart_and_dead_letters(browser: Browser, towns: tuple[Town, Town]) -> None:
    a, _ = towns
    page = browser(Role.VIEWER).get(f"/console/devices/{a.device['id']}").text
    assert 'data-key="temperature"' in page and "22" in page
    assert 'data-chart data-device="{}"'.format(a.device["id"]) in page
    assert "Issue new credentials" not in page and "새 인증 정보 발급" not in page  # viewers cannot rotate
    assert "오류 보관함" in page and "oops" in page


def test_rotating_credentials_shows_the_new_token_once(
    browser: Browser, towns: tuple[Town, Town], platform: Platform
) -> None:
    a, _ = towns
    operator = browser(Role.OPERATOR)
    response = operator.post(f"/console/devices/{a.device['id']}/rotate-token", data={"csrf": csrf_of(operator)})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "data-new-token" in response.text
    assert platform.ingest.submit_http(a.token, b'{"temperature": 1}') is None  # the old token is refused
    viewer = browser(Role.VIEWER)
    refused = viewer.post(f"/console/devices/{a.device['id']}/rotate-token", data={"csrf": csrf_of(viewer)})
    assert refused.status_code == 403


def test_alarm_handling_from_the_page(browser: Browser, towns: tuple[Town, Town]) -> None:
    a, _ = towns
    client = browser(Role.CASEWORKER)
    path = f"/console/alarms/{a.alarm['id']}"
    token = csrf_of(client)
    assert (
        client.post(f"{path}/action", data={"csrf": token, "action": "acknowledge", "text": "전화 확인"}).status_code
        == 200
    )
    assert (
        client.post(f"{path}/action", data={"csrf": token, "action": "comment", "text": "방문 예정"}).status_code == 200
    )
    bad = client.post(f"{path}/action", data={"csrf": token, "action": "comment", "text": "  "})
    assert bad.status_code == 422 and "입력값이 올바르지 않습니다" in bad.text
    htmx_bad = client.post(
        f"{path}/action", data={"csrf": token, "action": "comment", "text": ""}, headers={"HX-Request": "true"}
    )
    assert htmx_bad.status_code == 422 and "<html" not in htmx_bad.text and 'role="alert"' in htmx_bad.text
    fragment = client.post(
        f"{path}/action", data={"csrf": token, "action": "clear"}, headers={"HX-Request": "true"}
    ).text
    assert "<html" not in fragment and "방문 예정" in fragment and "전화 확인" in fragment
    viewer = browser(Role.VIEWER)
    assert viewer.post(f"{path}/action", data={"csrf": csrf_of(viewer), "action": "clear"}).status_code == 403


def test_a_form_without_csrf_changes_nothing(browser: Browser, towns: tuple[Town, Town]) -> None:
    a, _ = towns
    client = browser(Role.ADMIN)
    response = client.post(f"/console/alarms/{a.alarm['id']}/action", data={"action": "clear"})
    assert response.status_code == 403
    page = client.get(f"/console/alarms/{a.alarm['id']}").text
    assert "data-alarm-status>진행 중" in page


def test_alarm_inbox_filters(browser: Browser, towns: tuple[Town, Town]) -> None:
    a, _ = towns
    client = browser(Role.ADMIN)
    assert f'data-alarm-id="{a.alarm["id"]}"' in client.get("/console/alarms?severity=critical").text
    assert f'data-alarm-id="{a.alarm["id"]}"' not in client.get("/console/alarms?severity=minor").text
    assert f'data-alarm-id="{a.alarm["id"]}"' not in client.get("/console/alarms?status=cleared").text
    assert client.get("/console/alarms?status=bogus").status_code == 422


def test_alarm_stream_sends_the_current_state(browser: Browser, towns: tuple[Town, Town]) -> None:
    client = browser(Role.VIEWER)
    response = client.get("/console/alarms/stream?max_s=0")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "event: alarms" in response.text


def test_language_switch_and_large_text(browser: Browser) -> None:
    client = browser(None)
    page = client.get("/portal")
    assert '<html lang="ko"' in page.text and "무엇을 도와드릴까요?" in page.text
    token = csrf_of(client)
    client.post("/prefs", data={"csrf": token, "lang": "en", "text": "large", "next": "/portal/settings"})
    page = client.get("/portal")
    assert '<html lang="en" class="large-text"' in page.text and "What would you like to do?" in page.text
    response = client.post(
        "/prefs", data={"csrf": token, "lang": "fr", "next": "//evil.example"}, follow_redirects=False
    )
    assert response.headers["location"] == "/portal"


def test_portal_pages_need_no_account(browser: Browser) -> None:
    client = browser(None)
    for path in ("/portal", "/portal/reports", "/portal/alerts", "/portal/settings"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Content-Security-Policy" in response.headers
        assert 'class="skip-link"' in response.text


def _import(client: TestClient, text: str) -> Any:
    files = {"file": ("devices.csv", text.encode(), "text/csv")}
    return client.post("/console/admin/import", data={"csrf": csrf_of(client)}, files=files)


def test_device_import_reports_every_bad_line_and_imports_nothing(browser: Browser, towns: tuple[Town, Town]) -> None:
    client = browser(Role.OPERATOR)
    bad = _import(client, "name,profile\nnew-1,Aown-sensor\nnew-2,no-such-profile\n,Aown-sensor\n")
    assert bad.status_code == 422
    assert "data-import-problems" in bad.text and bad.text.count("<li>") >= 2
    devices = client.get("/console/devices").text
    assert "new-1" not in devices
    good = _import(client, "name,profile,lon,lat\nnew-1,Aown-sensor,127.3,37.7\nnew-2,Aown-sensor,,\n")
    assert good.status_code == 201 and good.text.count('class="secret"') == 2
    assert "new-1" in client.get("/console/devices").text
    empty = _import(client, "")
    assert empty.status_code == 422


def test_admin_creates_users_and_departments(browser: Browser, towns: tuple[Town, Town]) -> None:
    client = browser(Role.ADMIN)
    token = csrf_of(client)
    response = client.post("/console/admin/departments", data={"csrf": token, "name": "복지정책과"})
    assert response.status_code == 200 and "복지정책과" in response.text
    body = {"csrf": token, "username": "new-worker", "role": "caseworker", "password": "long-password-1"}
    assert "new-worker" in client.post("/console/admin/users", data=body).text
    again = client.post("/console/admin/users", data=body)
    assert again.status_code == 409 and "new-worker" in again.text
    invalid = client.post("/console/admin/users", data={**body, "username": "bad name!", "role": "king"})
    assert invalid.status_code == 422
    operator = browser(Role.OPERATOR)
    assert operator.post("/console/admin/users", data={**body, "csrf": csrf_of(operator)}).status_code == 403


def test_api_reads_accept_the_session_cookie_but_writes_do_not(browser: Browser, towns: tuple[Town, Town]) -> None:
    a, _ = towns
    client = browser(Role.ADMIN)
    assert client.get("/api/v1/districts").status_code == 200
    assert client.get(f"/api/v1/devices/{a.device['id']}/telemetry?keys=temperature").status_code == 200
    assert client.post("/api/v1/departments", json={"name": "x"}).status_code == 401


def test_rules_are_switched_on_and_off(browser: Browser, towns: tuple[Town, Town], platform: Platform) -> None:
    from maeul.adapters.sql import rules as rule_repo

    with platform.engine.connect() as conn:
        [rule] = rule_repo.list_rules(conn, "namyangju")
        [b_rule] = rule_repo.list_rules(conn, "suwon")
    operator = browser(Role.OPERATOR)
    page = operator.post(f"/console/admin/rules/{rule['id']}", data={"csrf": csrf_of(operator), "enabled": "false"})
    assert page.status_code == 200 and "켜기" in page.text
    with platform.engine.connect() as conn:
        assert rule_repo.get_rule(conn, "namyangju", rule["id"])["enabled"] is False
    other = operator.post(f"/console/admin/rules/{b_rule['id']}", data={"csrf": csrf_of(operator), "enabled": "false"})
    assert other.status_code == 404
    viewer = browser(Role.VIEWER)
    refused = viewer.post(f"/console/admin/rules/{rule['id']}", data={"csrf": csrf_of(viewer), "enabled": "true"})
    assert refused.status_code == 403


def test_escalation_policies_from_the_page(browser: Browser, towns: tuple[Town, Town]) -> None:
    admin = browser(Role.ADMIN)
    token = csrf_of(admin)
    bad = admin.post("/console/admin/policies", data={"csrf": token, "policy": '{"name": "x", "steps": []}'})
    assert bad.status_code == 422 and "steps" in bad.text and "&#34;name&#34;: &#34;x&#34;" in bad.text  # kept
    text = '{"name": "밤 당번", "min_severity": "major", "steps": [{"delay_s": 0, "assignee": true}]}'
    page = admin.post("/console/admin/policies", data={"csrf": token, "policy": text})
    assert page.status_code == 200 and "밤 당번" in page.text
    policy_id = int(re.findall(r"/console/admin/policies/(\d+)/delete", page.text)[0])
    page = admin.post(f"/console/admin/policies/{policy_id}/delete", data={"csrf": token})
    assert "밤 당번" not in page.text
    operator = browser(Role.OPERATOR)
    assert operator.post("/console/admin/policies", data={"csrf": csrf_of(operator), "policy": text}).status_code == 403


def test_notification_channels_from_the_page(browser: Browser, towns: tuple[Town, Town]) -> None:
    admin = browser(Role.ADMIN)
    token = csrf_of(admin)
    hook = '{"endpoints": [{"url": "http://127.0.0.1:9/hook", "secret": "a-secret-of-sixteen-chars"}]}'
    page = admin.post("/console/admin/channels", data={"csrf": token, "channel": "webhook", "config": hook})
    assert page.status_code == 200 and "********" in page.text and "a-secret-of-sixteen-chars" not in page.text
    bad = admin.post("/console/admin/channels", data={"csrf": token, "channel": "webhook", "config": "{oops"})
    assert bad.status_code == 422 and "{oops" in bad.text  # what was typed is kept
    assert (
        admin.post("/console/admin/channels", data={"csrf": token, "channel": "pigeon", "config": "{}"}).status_code
        == 422
    )


def test_admin_changes_role_department_and_active(
    browser: Browser, towns: tuple[Town, Town], platform: Platform
) -> None:
    from maeul.adapters.sql import accounts

    with platform.engine.connect() as conn:
        [department] = accounts.list_departments(conn, "namyangju")
        viewer = next(u for u in accounts.list_users(conn, "namyangju") if u["username"] == "viewer-namyangju")
    admin = browser(Role.ADMIN)
    body = {"csrf": csrf_of(admin), "role": "caseworker", "department_id": str(department["id"]), "active": "false"}
    assert admin.post(f"/console/admin/users/{viewer['id']}", data=body).status_code == 200
    with platform.engine.connect() as conn:
        changed = accounts.get_user(conn, "namyangju", viewer["id"])
    assert (changed["role"], changed["department_id"], changed["active"]) == ("caseworker", department["id"], False)
    with platform.engine.connect() as conn:
        me = next(u for u in accounts.list_users(conn, "namyangju") if u["username"] == "admin-namyangju")
    refused = admin.post(f"/console/admin/users/{me['id']}", data={"csrf": csrf_of(admin), "active": "false"})
    assert refused.status_code == 422  # nobody locks themselves out
