"""What Open311 shows of a service, a request and an update (pure): the spec's fields, in its order, and no
reporter's name or contact ever."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from maeul.services.complaints.open311.formats import iso
from maeul.services.complaints.workflow import Status, open311_status

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-23T00:00:00+00:00"  # when this server's Open311 interface last changed


def discovery(base_url: str) -> dict[str, Any]:
    url = f"{base_url.rstrip('/')}/open311/v2"
    return {
        "changeset": CHANGESET,
        "contact": "민원 담당 부서에 문의하십시오 / contact the municipality's complaints desk",
        "key_service": f"{url} : 발급은 지자체 관리자에게 / keys are issued by the municipality's administrator",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def service(category: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "service_code": category["code"],
        "service_name": category["name"],
        "description": category.get("description") or category.get("name_en") or category["name"],
        "metadata": bool(category.get("attributes")),
        "type": "realtime",
        "keywords": category.get("keywords") or "",
        "group": category.get("group_name") or "",
    }


def service_definition(category: Mapping[str, Any]) -> dict[str, Any]:
    attributes = []
    for attribute in sorted(category.get("attributes") or [], key=lambda a: a.get("order", 0)):
        attributes.append(
            {
                "variable": attribute.get("variable", True),
                "code": attribute["code"],
                "datatype": attribute.get("datatype", "string"),
                "required": attribute.get("required", False),
                "datatype_description": attribute.get("datatype_description") or "",
                "order": attribute.get("order", 0),
                "description": attribute.get("description") or attribute["code"],
                "values": [{"key": v["key"], "name": v["name"]} for v in attribute.get("values") or []],
            }
        )
    return {"service_code": category["code"], "attributes": attributes}


def request(
    row: Mapping[str, Any], timezone: str, agencies: Mapping[int, str], media_url: str | None
) -> dict[str, Any]:
    """One service request as GeoReport v2 lists it (lat/long only when known)."""
    status = Status(row["status"])
    return {
        "service_request_id": str(row["id"]),
        "status": open311_status(status),
        "status_notes": row.get("status_notes") or "",
        "service_name": row["service_name"],
        "service_code": row["service_code"],
        "description": row.get("description") or "",
        "agency_responsible": agencies.get(row["department_id"], "") if row.get("department_id") else "",
        "service_notice": "",
        "requested_datetime": iso(row["requested_at"], timezone),
        "updated_datetime": iso(row["updated_at"], timezone),
        "expected_datetime": iso(row["deadline_at"], timezone),
        "address": row.get("address") or "",
        "address_id": row.get("address_id") or "",
        "zipcode": row.get("zipcode") or "",
        "lat": row.get("lat"),
        "long": row.get("lon"),
        "media_url": media_url or row.get("media_url") or "",
    }


def created(row: Mapping[str, Any], timezone: str) -> dict[str, Any]:
    due = iso(row["deadline_at"], timezone)
    return {
        "service_request_id": str(row["id"]),
        "token": row["token"],
        "service_notice": f"처리 기한 {due} / expected by {due}",
        "account_id": row.get("account_id") or "",
    }


def update(event: Mapping[str, Any], timezone: str, media_url: str | None) -> dict[str, Any]:
    """One service-request update (the FixMyStreet extension's ``request_update``)."""
    return {
        "update_id": str(event["id"]),
        "service_request_id": str(event["request_id"]),
        "status": open311_status(Status(event["status"])),
        "updated_datetime": iso(event["at"], timezone),
        "description": event.get("public_text") or "",
        "media_url": media_url or "",
        "extended_status": event["status"],
    }
