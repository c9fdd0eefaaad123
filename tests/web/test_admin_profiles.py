"""Administration of device profiles, rules and rule overrides from the console, and the portal's public Web Push
key: forms, the API's checks shown in both languages, roles, CSRF and tenant isolation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from maeul.adapters.sql import devices as device_repo
from maeul.adapters.sql import notifications as notify_repo
from maeul.adapters.sql import rules as rule_repo
from maeul.core.roles import Role
from maeul.platform.app import Platform

from .conftest import csrf_of
from .support import Town, build_town

Browser = Callable[..., TestClient]
CONDITION = '{"kind": "threshold", "key": "temperature", "op": ">", "value": 35}'


@pytest.fixture
def towns(platform: Platform, tenants: list[str]) -> tuple[Town, Town]:
    return build_town(platform, "namyangju", "Aown", readings=False), build_town(platform, "suwon", "Bsecret", False)


def _profile_id(platform: Platform, tenant: str, name: str) -> int:
    with platform.engine.connect() as conn:
        return int(next(p["id"] for p in device_repo.list_profiles(conn, tenant) if p["name"] == name))


def _rule(platform: Platform, tenant: str, name: str) -> dict:  # type: ignore[type-arg]
    with platform.engine.connect() as conn:
        return next(r for r in rule_repo.list_rules(conn, tenant) if r["name"] == name)


def test_a_profile_is_created_and_edited_with_its_keys_table(
    browser: Browser, towns: tuple[Town, Town], platform: Platform
) -> None:
    operator = browser(Role.OPERATOR)
    form = operator.get("/console/admin/profiles/new")
    assert form.status_code == 200 and 'name="key_0"' in form.text
    token = csrf_of(operator)
    fields = {
        "csrf": token,
        "name": "water-level",
        "description": "하천 수위",
        "retention_days": "400",
        "key_0": "level",
        "type_0": "number",
        "unit_0": "m",
        "min_0": "0",
        "max_0": "12.5",
        "key_1": "",
        "key_2": "door",
        "type_2": "boolean",
    }
    created = operator.post("/console/admin/profiles/new", data=fields)
    assert created.status_code == 200 and "water-level" in created.text
    profile_id = _profile_id(platform, "namyangju", "water-level")
    with platform.engine.connect() as conn:
        profile = device_repo.get_profile(conn, "namyangju", profile_id)
    assert profile["retention_days"] == 400 and profile["description"] == "하천 수위"
    assert profile["keys"] == [
        {"key": "level", "type": "number", "unit": "m", "min": 0.0, "max": 12.5},
        {"key": "door", "type": "boolean"},
    ]
    # Edit: drop a key, clear the retention override.
    changed = operator.post(
        f"/console/admin/profiles/{profile_id}",
        data={
            "csrf": token,
            "name": "water-level",
            "key_0": "level",
            "type_0": "number",
            "key_1": "",
            "retention_days": "",
        },
    )
    assert changed.status_code == 200
    with platform.engine.connect() as conn:
        profile = device_repo.get_profile(conn, "namyangju", profile_id)
    assert profile["keys"] == [{"key": "level", "type": "number"}] and profile["retention_days"] is None


def test_a_bad_profile_is_shown_again_with_the_error_in_both_languages(
    browser: Browser, towns: tuple[Town, Town], platform: Platform
) -> None:
    admin = browser(Role.ADMIN)
    admin.get("/console/admin/profiles/new")
    fields = {"csrf": csrf_of(admin), "name": "bad", "key_0": "level", "min_0": "10", "max_0": "1"}
    page = admin.post("/console/admin/profiles/new", data=fields)
    assert page.status_code == 422
    assert "max must not be below min" in page.text and "입력" in page.text
    assert 'value="level"' in page.text  # what was typed is kept
    script = admin.post("/console/admin/profiles/new", json={**fields}, headers={"Accept": "application/json"})
    assert script.status_code == 422 and script.json()["error"]["code"] == "invalid"


def test_rules_are_created_edited_and_deleted(browser: Browser, towns: tuple[Town, Town], platform: Platform) -> None:
    operator = browser(Role.OPERATOR)
    profile_id = _profile_id(platform, "namyangju", "Aown-sensor")
    page = operator.get(f"/console/admin/profiles/{profile_id}")
    assert page.status_code == 200 and "Aown-hot" in page.text
    token = csrf_of(operator)
    rule = {"csrf": token, "name": "too hot", "alarm_type": "heat", "severity": "critical", "enabled": "true"}
    bad = operator.post(
        f"/console/admin/profiles/{profile_id}/rules",
        data={**rule, "condition": '{"kind": "threshold", "key": "temperature", "op": ">", "value": "hot"}'},
    )
    assert bad.status_code == 422 and 'id="r-condition-error"' in bad.text and "value" in bad.text
    assert "입력" in bad.text and "too hot" in bad.text  # Korean first, the typed form kept
    not_json = operator.post(f"/console/admin/profiles/{profile_id}/rules", data={**rule, "condition": "{oops"})
    assert not_json.status_code == 422 and "not valid JSON" in not_json.text
    english = operator.post(f"/console/admin/profiles/{profile_id}/rules?lang=en", data={**rule, "condition": "[1]"})
    assert english.status_code == 422 and "must be a JSON object" in english.text
    made = operator.post(f"/console/admin/profiles/{profile_id}/rules", data={**rule, "condition": CONDITION})
    assert made.status_code == 200
    stored = _rule(platform, "namyangju", "too hot")
    assert stored["severity"] == "critical" and stored["condition"]["value"] == 35 and stored["enabled"] is True

    edit = operator.get(f"/console/admin/rules/{stored['id']}")
    assert edit.status_code == 200 and "&#34;value&#34;: 35" in edit.text
    changed = operator.post(
        f"/console/admin/rules/{stored['id']}/edit",
        data={**rule, "severity": "minor", "enabled": "", "condition": CONDITION.replace("35", "38")},
    )
    assert changed.status_code == 200
    stored = _rule(platform, "namyangju", "too hot")
    assert stored["severity"] == "minor" and stored["enabled"] is False and stored["condition"]["value"] == 38
    refused = operator.post(f"/console/admin/rules/{stored['id']}/edit", data={**rule, "condition": '{"kind": "x"}'})
    assert refused.status_code == 422 and "kind" in refused.text
    assert _rule(platform, "namyangju", "too hot")["condition"]["value"] == 38  # nothing lost

    gone = operator.post(f"/console/admin/rules/{stored['id']}/delete", data={"csrf": token})
    assert gone.status_code == 200
    with platform.engine.connect() as conn:
        assert all(r["name"] != "too hot" for r in rule_repo.list_rules(conn, "namyangju"))


def test_per_device_overrides(browser: Browser, towns: tuple[Town, Town], platform: Platform) -> None:
    a, b = towns
    operator = browser(Role.OPERATOR)
    token = csrf_of(operator)
    rule = _rule(platform, "namyangju", "Aown-hot")
    base = {"csrf": token, "target_kind": "device", "target_id": str(a.device["id"])}
    bad = operator.post(
        f"/console/admin/rules/{rule['id']}/overrides", data={**base, "params": '{"condition": {"value": "x"}}'}
    )
    assert bad.status_code == 422 and 'id="o-params-error"' in bad.text
    foreign = operator.post(
        f"/console/admin/rules/{rule['id']}/overrides",
        data={**base, "target_id": str(b.device["id"]), "params": '{"condition": {"value": 40}}'},
    )
    assert foreign.status_code in (404, 422)  # another tenant's device does not exist here
    made = operator.post(
        f"/console/admin/rules/{rule['id']}/overrides",
        data={**base, "params": '{"condition": {"value": 40}}', "enabled": "false"},
    )
    assert made.status_code == 200 and "data-override-id" in made.text
    with platform.engine.connect() as conn:
        [override] = rule_repo.list_overrides(conn, "namyangju", rule["id"])
    assert override["params"] == {"condition": {"value": 40}} and override["enabled"] is False
    removed = operator.post(
        f"/console/admin/rule-overrides/{override['id']}/delete", data={"csrf": token, "rule_id": str(rule["id"])}
    )
    assert removed.status_code == 200 and str(removed.url).endswith(f"/console/admin/rules/{rule['id']}")
    with platform.engine.connect() as conn:
        assert rule_repo.list_overrides(conn, "namyangju", rule["id"]) == []


def test_roles_csrf_and_tenants(browser: Browser, towns: tuple[Town, Town], platform: Platform) -> None:
    b_profile = _profile_id(platform, "suwon", "Bsecret-sensor")
    b_rule = _rule(platform, "suwon", "Bsecret-hot")
    operator = browser(Role.OPERATOR)
    token = csrf_of(operator)
    assert operator.get(f"/console/admin/profiles/{b_profile}").status_code == 404
    assert operator.get(f"/console/admin/rules/{b_rule['id']}").status_code == 404
    for path, data in (
        (f"/console/admin/profiles/{b_profile}", {"name": "hijacked"}),
        (
            f"/console/admin/profiles/{b_profile}/rules",
            {"name": "x", "alarm_type": "x", "severity": "major", "condition": CONDITION},
        ),
        (
            f"/console/admin/rules/{b_rule['id']}/edit",
            {"name": "x", "alarm_type": "x", "severity": "major", "condition": CONDITION},
        ),
        (f"/console/admin/rules/{b_rule['id']}/delete", {}),
        (f"/console/admin/rules/{b_rule['id']}/overrides", {"target_kind": "device", "target_id": "1", "params": "{}"}),
    ):
        assert operator.post(path, data={"csrf": token, **data}).status_code == 404, path
    assert _rule(platform, "suwon", "Bsecret-hot") == b_rule
    own = _rule(platform, "namyangju", "Aown-hot")
    assert operator.post(f"/console/admin/rules/{own['id']}/delete", data={}).status_code == 403  # no CSRF token
    for role in (Role.VIEWER, Role.CASEWORKER):
        other = browser(role)
        assert other.get("/console/admin/profiles/new").status_code == 403
        assert other.post(f"/console/admin/rules/{own['id']}/delete", data={"csrf": csrf_of(other)}).status_code == 403
    assert _rule(platform, "namyangju", "Aown-hot") == own


def test_the_portal_gets_the_web_push_key_without_an_account(
    browser: Browser, towns: tuple[Town, Town], platform: Platform
) -> None:
    anonymous = browser(None)
    assert anonymous.get("/portal/push/vapid-public-key?tenant=namyangju").status_code == 404  # not configured yet
    assert anonymous.get("/portal/push/vapid-public-key?tenant=nowhere").status_code == 404
    with platform.engine.begin() as conn:
        for tenant in ("namyangju", "suwon"):
            config = {"vapid_key_file": f"vapid/{tenant}.pem", "subject": "mailto:ops@example.kr"}
            notify_repo.put_channel(conn, tenant, "webpush", config)
    a_key = anonymous.get("/portal/push/vapid-public-key?tenant=namyangju", headers={"Accept": "application/json"})
    b_key = anonymous.get("/portal/push/vapid-public-key?tenant=suwon", headers={"Accept": "application/json"})
    assert a_key.status_code == b_key.status_code == 200
    assert set(a_key.json()) == {"public_key"} and a_key.json() != b_key.json()
    assert len(a_key.json()["public_key"]) > 40
    assert anonymous.get("/portal/push/vapid-public-key").status_code == 422
    settings = anonymous.get("/portal/settings")
    assert "Choose your municipality first" in settings.text or "먼저" in settings.text
    chosen = anonymous.get("/portal/settings?tenant=suwon")
    assert 'data-key-url="/portal/push/vapid-public-key?tenant=suwon"' in chosen.text
