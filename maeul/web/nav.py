"""Navigation of the console and the portal: the core entries and every enabled service's, filtered by role."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from maeul.core.roles import Permission, Role, allows
from maeul.services.spec import NavArea, NavItem, Service

CORE_NAV: tuple[NavItem, ...] = (
    NavItem("console", "/console", "지도", "Map", Permission.READ.value, order=10, icon="map"),
    NavItem("console", "/console/devices", "장치", "Devices", Permission.READ.value, order=20, icon="device"),
    NavItem("console", "/console/alarms", "경보", "Alarms", Permission.READ.value, order=30, icon="alarm"),
    NavItem("console", "/console/admin", "관리", "Administration", Permission.MANAGE_DEVICES.value, order=900),
    NavItem("portal", "/portal", "처음", "Home", None, order=10),
    NavItem("portal", "/portal/reports", "내 신고", "My reports", None, order=20),
    NavItem("portal", "/portal/alerts", "내 알림", "My alerts", None, order=30),
    NavItem("portal", "/portal/settings", "알림 설정", "Notification settings", None, order=40),
)


@dataclass(frozen=True)
class NavLink:
    path: str
    label: str
    current: bool
    icon: str | None


def all_items(services: Iterable[Service]) -> list[NavItem]:
    items = list(CORE_NAV)
    for service in services:
        items.extend(service.nav)
    return sorted(items, key=lambda item: (item.order, item.path))


def visible(items: Sequence[NavItem], area: NavArea, role: Role | None) -> list[NavItem]:
    """The entries of one area the role may see (console: signed-in users with the permission; portal: all)."""
    shown = []
    for item in items:
        if item.area != area:
            continue
        if item.permission is not None:
            if role is None or not allows(role, Permission(item.permission)):
                continue
        elif area == "console" and role is None:
            continue
        shown.append(item)
    return shown


def links(items: Sequence[NavItem], language: str, path: str) -> list[NavLink]:
    """The entries as links, the one of the current page marked (longest matching prefix wins)."""
    best = max(
        (item.path for item in items if path == item.path or path.startswith(item.path + "/")), key=len, default=None
    )
    return [
        NavLink(item.path, item.label_ko if language == "ko" else item.label_en, item.path == best, item.icon)
        for item in items
    ]
