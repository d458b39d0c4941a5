"""Coarse geo cells and bounding boxes for the nearby search.

A cell is 0.1° of latitude by 0.1° of longitude (about 11 × 7 km in Germany). The search walks
the (cell, starts_at) index of the handful of cells that cover its bounding box.
"""

from __future__ import annotations

import math

CELL_DEG = 0.1
MAX_RADIUS_KM = 50.0
MAX_CELLS = 250  # a 50 km circle needs 160 to 200 cells in Germany (SQLite allows 500 parts)

# Germany's extent with a margin of about 50 km: where Nahbar has offers to find. A search
# anywhere else is not run (near the poles a circle would cover thousands of cells).
SERVICE_AREA = (46.8, 55.5, 5.2, 15.7)  # min lat, max lat, min lon, max lon


def in_service_area(lat: float, lon: float) -> bool:
    min_lat, max_lat, min_lon, max_lon = SERVICE_AREA
    return min_lat <= lat <= max_lat and min_lon <= lon <= max_lon


_LON_CELLS = 3600  # cells around the globe at 0.1°
_KM_PER_DEG_LAT = 111.195  # mean Earth radius 6371.0088 km


def cell_of(lat: float, lon: float) -> int:
    row = math.floor((lat + 90.0) / CELL_DEG)
    col = math.floor((lon + 180.0) / CELL_DEG) % _LON_CELLS
    return row * _LON_CELLS + col


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle; exact filtering comes after."""
    dlat = radius_km / _KM_PER_DEG_LAT
    coslat = max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-6)
    dlon = min(radius_km / (_KM_PER_DEG_LAT * coslat), 180.0)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def cells_covering(lat: float, lon: float, radius_km: float) -> list[int]:
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_km)
    rows = range(
        math.floor((min_lat + 90.0) / CELL_DEG), math.floor((max_lat + 90.0) / CELL_DEG) + 1
    )
    cols = range(
        math.floor((min_lon + 180.0) / CELL_DEG), math.floor((max_lon + 180.0) / CELL_DEG) + 1
    )
    return sorted({r * _LON_CELLS + c % _LON_CELLS for r in rows for c in cols})
