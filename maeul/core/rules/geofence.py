"""Geofence: the latest position (longitude and latitude keys, read together per instant) inside or outside."""

from __future__ import annotations

from dataclasses import dataclass

from maeul.core.rules.conditions import Geofence
from maeul.core.rules.events import Description, Instant, Truth
from maeul.core.rules.fields import JsonValue, as_number, state_flag, state_float, state_int, state_object
from maeul.core.rules.geometry import contains
from maeul.core.rules.registry import Evaluator
from maeul.core.rules.text import num


@dataclass(frozen=True, slots=True)
class GeoState:
    lon: float | None = None
    lat: float | None = None
    on: bool = False
    since: int | None = None


class GeofenceEvaluator(Evaluator[Geofence, GeoState]):
    def initial(self, cond: Geofence) -> GeoState:
        return GeoState()

    def observe(self, cond: Geofence, state: GeoState, instant: Instant) -> GeoState:
        lon, lat = as_number(instant.values.get(cond.lon_key)), as_number(instant.values.get(cond.lat_key))
        if lon is None and lat is None:
            return state
        lon = state.lon if lon is None else lon
        lat = state.lat if lat is None else lat
        if lon is None or lat is None:
            return GeoState(lon, lat, state.on, state.since)
        on = contains(cond.area, lon, lat) == cond.inside
        return GeoState(lon, lat, on, instant.ts if on != state.on else state.since)

    def truth(self, cond: Geofence, state: GeoState, at_ms: int) -> Truth:
        return Truth(state.on, state.since)

    def describe(self, cond: Geofence, state: GeoState) -> Description:
        where_en, where_ko = ("inside", "안") if state.on == cond.inside else ("outside", "밖")
        point = f"({num(state.lon)}, {num(state.lat)})"
        return Description(
            f"position {point} is {where_en} the area",
            f"위치 {point}: 구역 {where_ko}",
            {"lon": state.lon, "lat": state.lat, "inside": state.on == cond.inside},
        )

    def dump_state(self, cond: Geofence, state: GeoState) -> JsonValue:
        return {"lon": state.lon, "lat": state.lat, "on": state.on, "since": state.since}

    def load_state(self, cond: Geofence, data: JsonValue) -> GeoState:
        obj = state_object(data)
        return GeoState(
            state_float(obj, "lon"), state_float(obj, "lat"), state_flag(obj, "on"), state_int(obj, "since")
        )
