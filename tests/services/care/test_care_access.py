"""Personal data only for the home's district caseworkers and the supervisors; every view in the audit log."""

from __future__ import annotations

from care_support import D2, CareTown, ok
from fastapi.testclient import TestClient

from maeul.core.roles import Role


def test_who_sees_personal_data(client: TestClient, town: CareTown) -> None:
    path = f"/api/v1/care/households/{town.home['id']}/personal"
    assert ok(client.get(path, headers=town.worker))["address"].startswith("경기도")
    assert ok(client.get(path, headers=town.admin))["household_id"] == town.home["id"]
    denied = [
        client.get(path, headers=town.other_worker),
        client.get(path, headers=town.viewer),
        client.get(path, headers=town.tenant.headers[Role.OPERATOR]),
    ]
    for response in denied:
        assert response.status_code == 403 and response.json()["error"]["message_ko"]
    # The public household view never carries the address.
    public = client.get(f"/api/v1/care/households/{town.home['id']}", headers=town.viewer)
    assert public.status_code == 200 and "금곡로" not in public.text


def test_every_view_is_audited(client: TestClient, town: CareTown) -> None:
    path = f"/api/v1/care/households/{town.home['id']}/personal"
    ok(client.get(path, headers=town.worker))
    ok(client.get(path, headers=town.worker))
    ok(client.get(path, headers=town.admin))
    client.get(path, headers=town.other_worker)  # denied: nothing was seen, nothing to audit
    log = ok(client.get(f"/api/v1/care/audit?household_id={town.home['id']}", headers=town.admin))["items"]
    views = [e for e in log if e["action"] == "view_personal"]
    assert [e["actor_id"] for e in views].count(town.worker_id) == 2 and len(views) == 3
    assert "금곡로" not in str(log)
    assert client.get("/api/v1/care/audit", headers=town.worker).status_code == 403


def test_reassignment_moves_access(client: TestClient, town: CareTown) -> None:
    path = f"/api/v1/care/households/{town.home['id']}/personal"
    ok(client.put(f"/api/v1/care/caseworkers/{town.worker_id}", json={"district_codes": [D2]}, headers=town.admin))
    assert client.get(path, headers=town.worker).status_code == 403
    bad = client.put(
        f"/api/v1/care/caseworkers/{town.worker_id + 999}", json={"district_codes": []}, headers=town.admin
    )
    assert bad.status_code == 404
    me = ok(client.get("/api/v1/me", headers=town.admin))
    assert (
        client.put(f"/api/v1/care/caseworkers/{me['id']}", json={"district_codes": []}, headers=town.admin).status_code
        == 422
    )
