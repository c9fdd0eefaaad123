"""Helpers of the complaints tests: a tenant ("town") with two departments, categories and an Open311 key."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

POTHOLE_ATTRIBUTES = [
    {"code": "size", "datatype": "singlevaluelist", "required": True, "description": "크기 / size", "order": 1,
     "values": [{"key": "small", "name": "작음"}, {"key": "large", "name": "큼"}]},
    {"code": "depth_cm", "datatype": "number", "required": False, "description": "깊이 / depth", "order": 2},
    {"code": "hazards", "datatype": "multivaluelist", "required": False, "description": "위험 / hazards", "order": 3,
     "values": [{"key": "bike", "name": "자전거"}, {"key": "car", "name": "자동차"}]},
]  # fmt: skip


@dataclass
class Town:
    tenant: Any
    roads: dict[str, Any]
    parks: dict[str, Any]
    pothole: dict[str, Any]
    proposal: dict[str, Any]
    key: str

    @property
    def id(self) -> str:
        return str(self.tenant.id)

    @property
    def admin(self) -> dict[str, str]:
        return dict(self.tenant.admin)


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def build_town(client: TestClient, tenant: Any) -> Town:
    admin = tenant.admin
    roads = ok(client.post("/api/v1/departments", json={"name": f"{tenant.id}-도로과"}, headers=admin))
    parks = ok(client.post("/api/v1/departments", json={"name": f"{tenant.id}-공원과"}, headers=admin))
    pothole = ok(
        client.post(
            "/api/v1/complaints/categories",
            json={"code": "pothole", "name": "도로 파손", "name_en": "Pothole", "kind": "grievance",
                  "department_id": roads["id"], "group_name": "road", "keywords": "도로,포트홀",
                  "attributes": POTHOLE_ATTRIBUTES},
            headers=admin,
        )
    )  # fmt: skip
    proposal = ok(
        client.post(
            "/api/v1/complaints/categories",
            json={"code": "park_idea", "name": "공원 건의", "kind": "proposal", "department_id": parks["id"]},
            headers=admin,
        )
    )
    key = ok(client.post("/api/v1/complaints/keys", json={"name": "app"}, headers=admin))["api_key"]
    return Town(tenant, roads, parks, pothole, proposal, key)


def report(client: TestClient, town: Town, fmt: str = "json", **fields: Any) -> Any:
    form: dict[str, Any] = {
        "jurisdiction_id": town.id,
        "api_key": town.key,
        "service_code": "pothole",
        "lat": "37.63",
        "long": "127.21",
        "description": "도로에 큰 구멍이 있습니다",
        "attribute[size]": "large",
        **fields,
    }
    form = {k: v for k, v in form.items() if v is not None}
    return client.post(f"/open311/v2/requests.{fmt}", data=form)


def reported(client: TestClient, town: Town, **fields: Any) -> int:
    response = report(client, town, **fields)
    assert response.status_code == 200, response.text
    return int(response.json()[0]["service_request_id"])


def jpeg_with_exif(size: tuple[int, int] = (64, 48)) -> bytes:
    """A real JPEG with EXIF: camera make, a date and a GPS position."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0132] = "2026:11:20 09:30:00"  # DateTime
    gps = {1: "N", 2: (37.0, 38.0, 10.0), 3: "E", 4: (127.0, 12.0, 30.0)}
    exif[0x8825] = gps  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()
