"""Each tenant's channels, built from its stored settings and rebuilt when they change."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from maeul.adapters.notify.registry import ChannelRegistry, build_channels
from maeul.adapters.sql.notifications import channel_config, channels_version

Builder = Callable[..., ChannelRegistry]


class Registries:
    """A cache of :class:`ChannelRegistry` per tenant, rebuilt when the tenant's settings change."""

    # A replaced registry may still be in use by another worker: it is closed with the cache.

    def __init__(self, base_dir: Path, build: Builder = build_channels) -> None:
        self.base_dir = base_dir
        self.build = build
        self._cache: dict[str, tuple[tuple[int, int], ChannelRegistry]] = {}
        self._retired: list[ChannelRegistry] = []
        self._lock = threading.Lock()

    def get(self, conn: Connection, tenant_id: str) -> ChannelRegistry:
        """The tenant's channels (raises ``NotifyConfigError`` when its settings cannot be used)."""
        version = channels_version(conn, tenant_id)
        with self._lock:
            cached = self._cache.get(tenant_id)
            if cached is not None and cached[0] == version:
                return cached[1]
        config: Mapping[str, Any] = channel_config(conn, tenant_id)
        registry = self.build(config, tenant=tenant_id, base_dir=self.base_dir)
        with self._lock:
            previous = self._cache.get(tenant_id)
            self._cache[tenant_id] = (version, registry)
            if previous is not None:
                self._retired.append(previous[1])
        return registry

    def close(self) -> None:
        with self._lock:
            registries = [r for _, r in self._cache.values()] + self._retired
            self._cache.clear()
            self._retired.clear()
        for registry in registries:
            registry.close()
