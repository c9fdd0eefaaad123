"""Homes: clear errors (ko+en) for bad input that change nothing; away mode; removal keeps the devices."""

from __future__ import annotations

from care_support import D1, D2, CareTown, device, ok, send
from fastapi.testclient import TestClient

from maeul.platform.clock import now_ms

BASE = "/api/v1/care/households"


def _error(response: object, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    error: dict[str, str] = response.json()["error"]  # type: ignore[attr-defined]
    assert error["message"] and error["message_ko"]
    return error


def test_bad_input_is_refused_and_changes_nothing(client: TestClient, town: CareTown) -> None:
    admin = town.admin
    before = ok(client.get(BASE, headers=admin))["items"]
    _error(client.post(BASE, json={"code": "H001", "district_code": D1}, headers=admin), 409)
    _error(client.post(BASE, json={"code": "H009", "district_code": "0000000"}, headers=admin), 422)
    taken = device(town, "door")["id"]
    assert (
        "another household"
        in _error(
            client.post(BASE, json={"code": "H009", "district_code": D1, "device_ids": [taken]}, headers=admin), 409
        )["message"]
    )
    _error(client.post(BASE, json={"code": "H009", "district_code": D1, "tiers_h": [12, 8, 24]}, headers=admin), 422)
    _error(client.post(BASE, json={"code": "bad code!", "district_code": D1}, headers=admin), 422)
    _error(client.post(f"{BASE}/{town.home['id']}/devices", json={"kinds": ["teleporter"]}, headers=admin), 422)
    _error(client.patch(f"{BASE}/{town.home['id']}", json={"code": None}, headers=admin), 422)
    assert ok(client.get(BASE, headers=admin))["items"] == before
    kin = {"name": "x", "preferences": {"channel": "sms"}}
    _error(client.post(f"{BASE}/{town.home['id']}/family", json=kin, headers=admin), 422)  # SMS needs a phone


def test_away_mode_and_moves(client: TestClient, town: CareTown) -> None:
    path = f"{BASE}/{town.home['id']}"
    for kind, key in (("motion", "motion"), ("door", "door"), ("button", "button"), ("temperature", "temperature")):
        send(client, device(town, kind), {key: 0 if kind == "button" else 1})
    away = ok(client.put(f"{path}/away", json={"until": now_ms() + 3_600_000}, headers=town.worker))
    assert away["status"] == "away" and "외출" in away["reason_ko"]
    assert client.put(f"{path}/away", json={"until": None}, headers=town.other_worker).status_code == 403
    back = ok(client.put(f"{path}/away", json={"until": None}, headers=town.worker))
    assert back["status"] == "normal" and back["away_until"] is None
    moved = ok(client.patch(path, json={"district_code": D2, "tiers_h": [6, 10, 20]}, headers=town.admin))
    assert moved["district_code"] == D2 and moved["tiers_h"] == [6, 10, 20]
    # Now the other district's caseworker looks after it.
    assert client.get(f"{path}/personal", headers=town.other_worker).status_code == 200
    assert client.get(f"{path}/personal", headers=town.worker).status_code == 403


def test_removal_keeps_the_devices(client: TestClient, town: CareTown) -> None:
    path = f"{BASE}/{town.home['id']}"
    assert client.delete(path, headers=town.worker).status_code == 403
    assert client.delete(path, headers=town.admin).status_code == 204
    assert client.get(path, headers=town.admin).status_code == 404
    for d in town.devices:
        assert client.get(f"/api/v1/devices/{d['id']}", headers=town.admin).status_code == 200
    again = ok(
        client.post(
            BASE, json={"code": "H001", "district_code": D1, "device_ids": [town.devices[0]["id"]]}, headers=town.admin
        ),
        201,
    )
    assert again["device_ids"] == [town.devices[0]["id"]]
