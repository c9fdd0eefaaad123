"""MQTT topic names of Maeul: building, parsing and the shared telemetry subscription."""

from __future__ import annotations

import re

TOPIC_ROOT = "maeul"
TELEMETRY_LEAF = "telemetry"
TELEMETRY_FILTER = f"{TOPIC_ROOT}/+/+/{TELEMETRY_LEAF}"
MAX_DEVICE_ID = 2**63 - 1  # the largest SQL BIGINT

_TENANT_RE = re.compile(r"[a-z0-9-]{1,40}")
_DEVICE_ID_RE = re.compile(r"[1-9][0-9]{0,18}")
_FORBIDDEN_IN_GROUP = frozenset("/+#\x00")


def is_tenant_slug(tenant: str) -> bool:
    """True if ``tenant`` is a valid tenant slug (``[a-z0-9-]{1,40}``)."""
    return _TENANT_RE.fullmatch(tenant) is not None


def is_device_id(device_id: int) -> bool:
    """True if ``device_id`` is a positive BIGINT (and not a bool)."""
    return isinstance(device_id, int) and not isinstance(device_id, bool) and 1 <= device_id <= MAX_DEVICE_ID


def telemetry_topic(tenant: str, device_id: int) -> str:
    """The topic a device publishes its telemetry to: ``maeul/<tenant>/<device-id>/telemetry``."""
    if not is_tenant_slug(tenant):
        raise ValueError(f"invalid tenant slug {tenant!r}: expected [a-z0-9-]{{1,40}}")
    if not is_device_id(device_id):
        raise ValueError(f"invalid device id {device_id!r}: expected an integer in 1..{MAX_DEVICE_ID}")
    return f"{TOPIC_ROOT}/{tenant}/{device_id}/{TELEMETRY_LEAF}"


def parse_telemetry_topic(topic: str) -> tuple[str, int] | None:
    """``(tenant, device_id)`` of a telemetry topic, or None if the topic is not exactly one."""
    if not isinstance(topic, str):
        return None
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != TOPIC_ROOT or parts[3] != TELEMETRY_LEAF:
        return None
    tenant, raw_id = parts[1], parts[2]
    if not is_tenant_slug(tenant) or _DEVICE_ID_RE.fullmatch(raw_id) is None:
        return None
    device_id = int(raw_id)
    if device_id > MAX_DEVICE_ID:
        return None
    return tenant, device_id


def shared_subscription(group: str) -> str:
    """The shared subscription of the ingest workers of ``group``: ``$share/<group>/maeul/+/+/telemetry``."""
    if not group or any(ch in _FORBIDDEN_IN_GROUP for ch in group):
        raise ValueError(f"invalid share group {group!r}: must be non-empty without '/', '+', '#'")
    return f"$share/{group}/{TELEMETRY_FILTER}"
