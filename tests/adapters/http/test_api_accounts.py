"""Sign-in, sessions, the tenant, departments, users and API keys through the REST API (both stores)."""

from __future__ import annotations

from typing import Any

from api_support import assert_error, bearer
from fastapi.testclient import TestClient

from maeul.core.roles import Role

TENANT = "namyangju"


def login(client: TestClient, username: str, password: str, tenant: str = TENANT) -> Any:
    return client.post("/api/v1/auth/token", json={"tenant": tenant, "username": username, "password": password})


def create_user(client: TestClient, admin: dict[str, str], **body: Any) -> dict[str, Any]:
    body.setdefault("role", "viewer")
    response = client.post("/api/v1/users", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


# --- sign-in and sessions -------------------------------------------------------------------------------


def test_login_issues_a_session_token_for_the_right_user(client: TestClient, tenant: Any) -> None:
    response = login(client, f"operator-{TENANT}", "password-1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"].startswith("mau_usr_")
    me = client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json() == {
        "id": me.json()["id"],
        "tenant_id": TENANT,
        "username": f"operator-{TENANT}",
        "role": "operator",
    }


WRONG_CREDENTIALS = [
    (f"admin-{TENANT}", "wrong-password", TENANT),
    ("nobody", "password-1", TENANT),
    (f"admin-{TENANT}", "password-1", "suwon"),
    (f"ADMIN-{TENANT}", "password-1", TENANT),
    (f"admin-{TENANT}", "PASSWORD-1", TENANT),
]


def test_login_with_wrong_credentials_is_401(client: TestClient, tenant: Any) -> None:
    for username, password, tenant_id in WRONG_CREDENTIALS:
        response = login(client, username, password, tenant_id)
        error = assert_error(response, 401, "unauthorized")
        assert "password" in error["message"], error
        assert response.headers["www-authenticate"] == "Bearer"
    assert_error(login(client, f"admin-{TENANT}", ""), 422, "validation_error")


def test_login_rejects_bad_bodies(client: TestClient, tenant: Any) -> None:
    assert_error(
        client.post("/api/v1/auth/token", content=b"{not json", headers={"Content-Type": "application/json"}), 422
    )
    assert_error(client.post("/api/v1/auth/token", json={"tenant": TENANT, "username": "x"}), 422, "validation_error")
    extra = {"tenant": TENANT, "username": "x", "password": "y", "remember": True}
    error = assert_error(client.post("/api/v1/auth/token", json=extra), 422, "validation_error")
    assert any(detail["loc"][-1] == "remember" for detail in error["details"])


def test_inactive_user_cannot_log_in_and_loses_its_tokens(client: TestClient, tenant: Any, admin: dict) -> None:
    user = create_user(client, admin, username="leaver", role="caseworker", password="leaver-pass")
    session = login(client, "leaver", "leaver-pass").json()["access_token"]
    key = client.post("/api/v1/api-keys", json={"name": "k", "user_id": user["id"]}, headers=admin).json()["token"]
    assert client.get("/api/v1/me", headers=bearer(session)).status_code == 200
    response = client.patch(f"/api/v1/users/{user['id']}", json={"active": False}, headers=admin)
    assert response.status_code == 200 and response.json()["active"] is False
    assert_error(login(client, "leaver", "leaver-pass"), 401, "unauthorized")
    for token in (session, key):
        assert_error(client.get("/api/v1/me", headers=bearer(token)), 401, "unauthorized")
    # Reactivated, the user signs in again (the old tokens stay revoked).
    client.patch(f"/api/v1/users/{user['id']}", json={"active": True}, headers=admin)
    assert login(client, "leaver", "leaver-pass").status_code == 200
    assert_error(client.get("/api/v1/me", headers=bearer(session)), 401)


def test_user_without_password_cannot_log_in(client: TestClient, tenant: Any, admin: dict) -> None:
    create_user(client, admin, username="integration")
    assert_error(login(client, "integration", "anything-at-all"), 401)


def test_logout_revokes_sessions_but_not_api_keys(client: TestClient, tenant: Any) -> None:
    first = login(client, f"viewer-{TENANT}", "password-1").json()["access_token"]
    second = login(client, f"viewer-{TENANT}", "password-1").json()["access_token"]
    other = login(client, f"operator-{TENANT}", "password-1").json()["access_token"]
    assert client.post("/api/v1/auth/logout", headers=bearer(first)).status_code == 204
    for token in (first, second):
        assert_error(client.get("/api/v1/me", headers=bearer(token)), 401)
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200
    assert client.get("/api/v1/me", headers=tenant.headers[Role.VIEWER]).status_code == 200


# --- tenant -----------------------------------------------------------------------------------------------


def test_tenant_can_be_read_and_updated(client: TestClient, admin: dict) -> None:
    tenant = client.get("/api/v1/tenant", headers=admin).json()
    assert tenant["id"] == TENANT and tenant["timezone"] == "Asia/Seoul" and tenant["retention_days"] == 365
    response = client.patch("/api/v1/tenant", json={"name_en": "Namyangju", "retention_days": 90}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json() == {**tenant, "name_en": "Namyangju", "retention_days": 90}
    assert client.get("/api/v1/tenant", headers=admin).json() == response.json()
    assert client.patch("/api/v1/tenant", json={}, headers=admin).json() == response.json()


BAD_TENANT_UPDATES = [
    {"retention_days": 0},
    {"retention_days": 40000},
    {"retention_days": "forever"},
    {"name": ""},
    {"name": None},
    {"retention_days": None},
    {"timezone": "UTC"},
    {"id": "other"},
]


def test_tenant_update_rejects_bad_values_and_changes_nothing(client: TestClient, admin: dict) -> None:
    before = client.get("/api/v1/tenant", headers=admin).json()
    for body in BAD_TENANT_UPDATES:
        error = assert_error(client.patch("/api/v1/tenant", json=body, headers=admin), 422, "validation_error")
        assert error["details"] and all(d["loc"][0] == "body" for d in error["details"]), body
    assert client.get("/api/v1/tenant", headers=admin).json() == before


# --- departments ------------------------------------------------------------------------------------------


def test_departments(client: TestClient, tenant: Any, admin: dict) -> None:
    assert client.get("/api/v1/departments", headers=admin).json() == []
    welfare = client.post("/api/v1/departments", json={"name": "복지정책과"}, headers=admin)
    assert welfare.status_code == 201, welfare.text
    assert welfare.json() == {"id": welfare.json()["id"], "tenant_id": TENANT, "name": "복지정책과"}
    safety = client.post("/api/v1/departments", json={"name": "안전총괄과"}, headers=admin).json()
    listed = client.get("/api/v1/departments", headers=tenant.headers[Role.VIEWER]).json()
    assert listed == [welfare.json(), safety]
    assert_error(client.post("/api/v1/departments", json={"name": "복지정책과"}, headers=admin), 409, "conflict")
    assert_error(client.post("/api/v1/departments", json={"name": ""}, headers=admin), 422, "validation_error")
    assert_error(client.post("/api/v1/departments", json={}, headers=admin), 422, "validation_error")
    assert len(client.get("/api/v1/departments", headers=admin).json()) == 2


# --- users ------------------------------------------------------------------------------------------------


def test_user_lifecycle(client: TestClient, tenant: Any, admin: dict) -> None:
    department = client.post("/api/v1/departments", json={"name": "노인복지과"}, headers=admin).json()
    user = create_user(
        client,
        admin,
        username="kim.caseworker@city",
        role="caseworker",
        password="first-password",
        display_name="김복지",
        email="kim@example.kr",
        department_id=department["id"],
    )
    assert {k: user[k] for k in ("tenant_id", "username", "role", "display_name", "department_id", "active")} == {
        "tenant_id": TENANT,
        "username": "kim.caseworker@city",
        "role": "caseworker",
        "display_name": "김복지",
        "department_id": department["id"],
        "active": True,
    }
    assert "password" not in user and "password_hash" not in user
    assert client.get(f"/api/v1/users/{user['id']}", headers=admin).json() == user
    usernames = [u["username"] for u in client.get("/api/v1/users", headers=admin).json()]
    assert usernames == [f"{role.value}-{TENANT}" for role in Role] + ["kim.caseworker@city"]

    updated = client.patch(
        f"/api/v1/users/{user['id']}",
        json={"role": "operator", "password": "second-password", "department_id": None, "email": None},
        headers=admin,
    )
    assert updated.status_code == 200, updated.text
    assert updated.json() == {**user, "role": "operator", "department_id": None, "email": None}
    assert_error(login(client, "kim.caseworker@city", "first-password"), 401)
    session = login(client, "kim.caseworker@city", "second-password").json()["access_token"]
    assert client.get("/api/v1/me", headers=bearer(session)).json()["role"] == "operator"


BAD_NEW_USERS = [
    ({"username": "has space", "role": "viewer"}, 422, "validation_error"),
    ({"username": "", "role": "viewer"}, 422, "validation_error"),
    ({"username": "x" * 101, "role": "viewer"}, 422, "validation_error"),
    ({"username": "ok", "role": "superuser"}, 422, "validation_error"),
    ({"username": "ok"}, 422, "validation_error"),
    ({"username": "ok", "role": "viewer", "password": "short"}, 422, "validation_error"),
    ({"username": "ok", "role": "viewer", "department_id": 999999}, 422, "invalid"),
    ({"username": "ok", "role": "viewer", "department_id": 2**40}, 422, "validation_error"),
    ({"username": "ok", "role": "viewer", "tenant_id": "suwon"}, 422, "validation_error"),
    ({"username": f"viewer-{TENANT}", "role": "viewer"}, 409, "conflict"),
]


def test_create_user_rejects_bad_input(client: TestClient, admin: dict) -> None:
    before = client.get("/api/v1/users", headers=admin).json()
    for body, status, code in BAD_NEW_USERS:
        error = assert_error(client.post("/api/v1/users", json=body, headers=admin), status, code)
        if code == "invalid":
            assert "department 999999 does not exist" in error["message"]
    assert client.get("/api/v1/users", headers=admin).json() == before


def test_update_user_rejects_bad_input(client: TestClient, tenant: Any, admin: dict) -> None:
    user = create_user(client, admin, username="target")
    me = client.get("/api/v1/me", headers=admin).json()
    for body in ({"role": None}, {"active": None}, {"role": "root"}, {"password": "short"}, {"username": "renamed"}):
        assert_error(client.patch(f"/api/v1/users/{user['id']}", json=body, headers=admin), 422, "validation_error")
    error = assert_error(
        client.patch(f"/api/v1/users/{user['id']}", json={"department_id": 424242}, headers=admin), 422, "invalid"
    )
    assert "424242" in error["message"]
    # An admin cannot lock themselves out.
    for body in ({"active": False}, {"role": "viewer"}):
        error = assert_error(client.patch(f"/api/v1/users/{me['id']}", json=body, headers=admin), 422, "invalid")
        assert "yourself" in error["message"]
    assert client.get(f"/api/v1/users/{user['id']}", headers=admin).json() == user
    assert client.get("/api/v1/me", headers=admin).json() == me
    assert_error(client.get("/api/v1/users/999999", headers=admin), 404, "not_found")
    assert_error(client.patch("/api/v1/users/999999", json={"display_name": "x"}, headers=admin), 404, "not_found")
    assert_error(client.get("/api/v1/users/0", headers=admin), 422)
    assert_error(client.get("/api/v1/users/abc", headers=admin), 422)


# --- API keys ---------------------------------------------------------------------------------------------


def test_api_keys_carry_their_users_rights_and_revocation_is_immediate(
    client: TestClient, tenant: Any, admin: dict
) -> None:
    viewer = create_user(client, admin, username="dashboard", role="viewer")
    issued = client.post("/api/v1/api-keys", json={"name": "상황판", "user_id": viewer["id"]}, headers=admin)
    assert issued.status_code == 201, issued.text
    key = issued.json()
    assert key["token"].startswith("mau_key_") and key["token"].startswith(key["prefix"])
    assert key["user_id"] == viewer["id"] and key["name"] == "상황판" and key["revoked_at"] is None
    own = client.post("/api/v1/api-keys", json={"name": "mine"}, headers=admin).json()
    me = client.get("/api/v1/me", headers=admin).json()
    assert own["user_id"] == me["id"]

    headers = bearer(key["token"])
    assert client.get("/api/v1/me", headers=headers).json()["username"] == "dashboard"
    assert client.get("/api/v1/devices", headers=headers).status_code == 200
    assert_error(client.post("/api/v1/devices", json={"name": "x"}, headers=headers), 403, "forbidden")

    listed = client.get("/api/v1/api-keys", headers=admin).json()
    assert {k["id"] for k in listed} >= {key["id"], own["id"]}
    assert all("token" not in k for k in listed)
    assert key["token"] not in client.get("/api/v1/api-keys", headers=admin).text

    assert client.delete(f"/api/v1/api-keys/{key['id']}", headers=admin).status_code == 204
    assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")
    revoked = next(k for k in client.get("/api/v1/api-keys", headers=admin).json() if k["id"] == key["id"])
    assert revoked["revoked_at"] is not None
    assert_error(client.delete(f"/api/v1/api-keys/{key['id']}", headers=admin), 404, "not_found")
    assert client.get("/api/v1/me", headers=bearer(own["token"])).status_code == 200


def test_api_key_bad_input(client: TestClient, admin: dict) -> None:
    assert_error(client.post("/api/v1/api-keys", json={"name": "x", "user_id": 999999}, headers=admin), 404)
    assert_error(client.post("/api/v1/api-keys", json={"name": ""}, headers=admin), 422, "validation_error")
    assert_error(client.post("/api/v1/api-keys", json={"user_id": 1}, headers=admin), 422, "validation_error")
    assert_error(client.delete("/api/v1/api-keys/999999", headers=admin), 404, "not_found")
    assert_error(client.delete(f"/api/v1/api-keys/{2**40}", headers=admin), 422, "validation_error")
