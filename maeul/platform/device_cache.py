"""Device contexts by token (HTTP) or by tenant and id (MQTT), kept between messages and refreshed off the hot path."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine

from maeul.adapters.sql.devices import DeviceContext, device_contexts_by_id, device_contexts_by_token
from maeul.platform.periodic import Periodic
from maeul.platform.refreshing_cache import REFRESH_AHEAD_S, RefreshingCache

DeviceKey = tuple[str, int]  # (tenant id, device id)
REFRESH_S = 1.0  # how often the background job reads again, in bulk, the contexts about to expire
log = logging.getLogger("maeul.ingest.devices")


class DeviceCache:
    """Two :class:`RefreshingCache` of device contexts; changes made in this process are forgotten at once.

    :meth:`start` runs the job that reads the contexts about to expire again (every ``REFRESH_S``); :meth:`stop`
    ends it. Without it the cache still works, reading each expired context on the spot."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._by_token: RefreshingCache[str, DeviceContext | None] = RefreshingCache(self._load_tokens, None)
        self._by_id: RefreshingCache[DeviceKey, DeviceContext | None] = RefreshingCache(self._load_ids, None)
        self.on_invalidate: list[Callable[[int | None], None]] = []  # e.g. receiver processes' own caches
        self._refresh = Periodic("maeul-device-refresh", self.refresh_due, REFRESH_S, log=log)

    def start(self) -> None:
        self._refresh.start()

    def stop(self) -> None:
        self._refresh.stop()

    def _load_tokens(self, tokens: list[str]) -> dict[str, DeviceContext | None]:
        with self.engine.connect() as conn:
            return dict(device_contexts_by_token(conn, tokens))

    def _load_ids(self, keys: list[DeviceKey]) -> dict[DeviceKey, DeviceContext | None]:
        with self.engine.connect() as conn:
            return dict(device_contexts_by_id(conn, keys))

    def by_token(self, token: str) -> DeviceContext | None:
        return self._by_token.get(token)

    def by_id(self, tenant_id: str, device_id: int) -> DeviceContext | None:
        return self._by_id.get((tenant_id, device_id))

    @property
    def misses(self) -> int:
        """Lookups that had to query on the spot (not cached, or not refreshed in time)."""
        return self._by_id.misses + self._by_token.misses

    def refresh_due(self, ahead_s: float = REFRESH_AHEAD_S) -> int:
        """Read again, in bulk, the contexts about to expire (a background job's work); returns how many."""
        return self._by_id.refresh_due(ahead_s) + self._by_token.refresh_due(ahead_s)

    def invalidate(self, device_id: int | None = None) -> None:
        """Forget one device (token rotated, profile changed, deleted), or everything."""
        for listener in self.on_invalidate:
            listener(device_id)
        if device_id is None:
            self._by_token.forget()
            self._by_id.forget()
            return
        self._by_token.forget(lambda _token, ctx: ctx is None or ctx.device_id == device_id)
        self._by_id.forget(lambda key, _ctx: key[1] == device_id)
