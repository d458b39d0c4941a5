"""Distances and a small grid index for nearest-point queries."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence

EARTH_RADIUS_KM = 6371.0088
CELL_DEG = 0.1  # about 11 km north-south, 7 km east-west in Germany


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


GREAT_CIRCLE_RADIUS_KM = 6371.009  # geopy's EARTH_RADIUS


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance exactly as geopy's `great_circle(...).km` computes it (same
    formula, same radius, same order of operations, so the same float), at a fraction of the
    cost: no Point objects, no unit conversions, and no import of geopy (which pulls in its
    geocoders and aiohttp). The tests hold it to geopy."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    sin1, cos1, sin2, cos2 = math.sin(p1), math.cos(p1), math.sin(p2), math.cos(p2)
    dl = math.radians(lon2) - math.radians(lon1)
    cos_dl, sin_dl = math.cos(dl), math.sin(dl)
    return GREAT_CIRCLE_RADIUS_KM * math.atan2(
        math.sqrt((cos2 * sin_dl) ** 2 + (cos1 * sin2 - sin1 * cos2 * cos_dl) ** 2),
        sin1 * sin2 + cos1 * cos2 * cos_dl,
    )


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEG), math.floor(lon / CELL_DEG)


class GridIndex:
    """Buckets points (given by position in a sequence) into fixed lat/lon cells."""

    def __init__(self, points: Sequence[tuple[float, float]]):
        self._points = points
        self._cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, (lat, lon) in enumerate(points):
            self._cells[_cell(lat, lon)].append(i)

    def _ring(self, lat: float, lon: float, r: int) -> Iterator[int]:
        ci, cj = _cell(lat, lon)
        for i in range(ci - r, ci + r + 1):
            for j in range(cj - r, cj + r + 1):
                if max(abs(i - ci), abs(j - cj)) == r:
                    yield from self._cells.get((i, j), ())

    def within(self, lat: float, lon: float, radius_km: float) -> list[tuple[float, int]]:
        """(distance, index) of every point within radius_km, nearest first."""
        # One cell is at least CELL_DEG * 111 km * cos(lat) wide; 55 degrees covers Germany.
        cell_km = CELL_DEG * 111.0 * math.cos(math.radians(min(abs(lat) + 1, 89)))
        rings = int(radius_km // cell_km) + 1
        hits = []
        for r in range(rings + 1):
            for idx in self._ring(lat, lon, r):
                d = distance_km(lat, lon, *self._points[idx])
                if d <= radius_km:
                    hits.append((d, idx))
        hits.sort()
        return hits

    def nearest(self, lat: float, lon: float, max_km: float) -> tuple[float, int] | None:
        """(distance, index) of the nearest point within max_km, or None."""
        cell_km = CELL_DEG * 111.0 * math.cos(math.radians(min(abs(lat) + 1, 89)))
        max_rings = int(max_km // cell_km) + 1
        best: tuple[float, int] | None = None
        for r in range(max_rings + 1):
            for idx in self._ring(lat, lon, r):
                d = distance_km(lat, lon, *self._points[idx])
                if d <= max_km and (best is None or d < best[0]):
                    best = (d, idx)
            # Every point in ring r+1 or beyond is at least r * cell_km away.
            if best is not None and best[0] <= r * cell_km:
                break
        return best
