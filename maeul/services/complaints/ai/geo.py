"""Great-circle distances in metres (haversine on a sphere of the Earth's mean radius)."""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Distances from one point to many (degrees in, metres out)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def check_point(lat: float, lon: float, what: str) -> None:
    from maeul.services.complaints.ai.records import AiInputError

    if not (np.isfinite(lat) and np.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise AiInputError(f"{what}의 위치({lat}, {lon})가 올바르지 않습니다", f"{what}: bad location {lat}, {lon}")
