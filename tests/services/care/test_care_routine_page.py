"""The console form of a home's routine settings: shows the defaults, saves what differs, shows a clear error
and keeps what was typed when the input is wrong (nothing saved); only the district's caseworker and supervisors."""

from __future__ import annotations

from care_support import CareTown, ok
from fastapi.testclient import TestClient

FORM = {"times": "", "window_min": "90", "systolic_low": "90", "systolic_high": "160", "diastolic_low": "50"}
FORM |= {"diastolic_high": "100", "glucose_low": "70", "glucose_high": "250"}


def test_routine_form(client: TestClient, town: CareTown) -> None:
    home = town.home["id"]
    page = f"/console/care/households/{home}/routine"
    shown = client.get(page, headers=town.worker)
    assert shown.status_code == 200 and 'value="160"' in shown.text and "H001" in shown.text
    saved = client.post(
        page, data=FORM | {"times": "08:00, 19:30", "systolic_high": "150"}, headers=town.worker, follow_redirects=False
    )
    assert saved.status_code == 303
    settings = ok(client.get(f"/api/v1/care/households/{home}/routine", headers=town.worker))
    assert settings["medication"] == {"times": ["08:00", "19:30"]} and settings["vitals"] == {"systolic_high": 150}
    assert "08:00, 19:30" in client.get(page, headers=town.worker).text

    wrong = client.post(page, data=FORM | {"times": "8 am", "glucose_low": "300"}, headers=town.worker)
    assert wrong.status_code == 422 and "HH:MM" in wrong.text and 'value="8 am"' in wrong.text
    wrong = client.post(page, data=FORM | {"glucose_low": "300"}, headers=town.worker)
    assert wrong.status_code == 422 and "glucose" in wrong.text
    assert ok(client.get(f"/api/v1/care/households/{home}/routine", headers=town.worker)) == settings

    assert client.get(page, headers=town.other_worker).status_code == 403
    assert client.post(page, data=FORM, headers=town.other_worker).status_code == 403
    assert client.get(page, headers=town.viewer).status_code == 403
    assert client.get("/console/care/", headers=town.viewer).text.count("/routine") >= 1
