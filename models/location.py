"""How precisely a position is kept: the one place that decides it, for every path.

A position a person shares (or types as coordinates) is kept to about a kilometre, unless
they agreed to more in the settings; then to about ten metres. Town and postcode centres are
public data and kept as they are. The id and name of a stored position are made from the
stored (rounded) value only, so no precise trace is left anywhere else.
"""

from __future__ import annotations

from places.parse import coordinate_id

COARSE_DECIMALS = 2  # 0.01° ≈ 1.1 km north-south, 0.7 km east-west here
PRECISE_DECIMALS = 4  # ≈ 10 m


def stored_point(lat: float, lon: float, precise: bool) -> tuple[float, float]:
    decimals = PRECISE_DECIMALS if precise else COARSE_DECIMALS
    return round(lat, decimals), round(lon, decimals)


def position_id(lat: float, lon: float) -> str:
    """The place id of a stored position ("c51.84,10.79")."""
    return coordinate_id(lat, lon)


def is_position_id(place_id: str | None) -> bool:
    return place_id is not None and place_id.startswith("c")
