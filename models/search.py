"""Nearby search: the soonest published occurrences within a radius, then by distance.

Each geo cell around the point is walked in time order through the (cell, starts_at) index and
stopped after a few rows (one UNION ALL statement); the cells' rows are merged in time order, cut
to the circle with a cheap distance and the final few measured exactly with geopy. When a cell
ran out of rows before the answer was certain, the walk is repeated deeper.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter

from geopy.distance import great_circle
from sqlalchemy import select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from .geo import bounding_box, cells_covering
from .offers import Occurrence, Offer
from .schedule import MAX_DURATION

_EARTH_KM = 6371.0088
_MARGIN = 0.01  # below 1 % off the radius the cheap distance defers to geopy


@dataclass(frozen=True, slots=True)
class Hit:
    occurrence_id: int
    offer_id: int
    starts_at: datetime
    ends_at: datetime
    distance_km: float
    title: str
    category: str
    place_name: str


@dataclass(frozen=True, slots=True)
class Query:
    lat: float
    lon: float
    radius_km: float
    start: datetime  # aware; occurrences still running at `start` count too
    end: datetime  # aware; occurrences must start before this
    categories: frozenset[str] = frozenset()


def _cheap_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # Equirectangular: within 0.1 % of great-circle at the distances searched here.
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return _EARTH_KM * math.hypot(x, y)


def _exact_km(q: Query, lat: float, lon: float) -> float:
    return great_circle((q.lat, q.lon), (lat, lon)).km


def _statement(q: Query, cells: Sequence[int], depth: int):
    min_lat, max_lat, min_lon, max_lon = bounding_box(q.lat, q.lon, q.radius_km)
    o = Occurrence
    parts = []
    for cell in cells:
        part = (
            select(o.id, o.offer_id, o.starts_at, o.ends_at, o.latitude, o.longitude, o.cell)
            .where(
                o.cell == cell,
                o.starts_at >= q.start - MAX_DURATION,
                o.starts_at < q.end,
                o.ends_at > q.start,
                o.latitude.between(min_lat, max_lat),
                o.longitude.between(min_lon, max_lon),
            )
            .order_by(o.starts_at, o.id)
            .limit(depth)
        )
        if q.categories:
            part = part.where(o.category.in_(sorted(q.categories)))
        parts.append(select(part.subquery()))
    return union_all(*parts) if len(parts) > 1 else parts[0]


async def _candidates(session: AsyncSession, q: Query, want: int) -> list[tuple]:
    """Rows inside the circle, in time order, enough to decide the first `want` results."""
    cells = cells_covering(q.lat, q.lon, q.radius_km)
    depth = max(want, 8)
    while True:
        rows = (await session.execute(_statement(q, cells, depth))).all()
        by_cell: dict[int, list] = {}
        for row in rows:
            by_cell.setdefault(row.cell, []).append(row)
        # A cell that filled its quota may hold more rows later than its last one returned.
        horizon = min(
            (r[-1].starts_at for r in by_cell.values() if len(r) >= depth), default=None
        )
        inside = []
        for row in heapq.merge(*by_cell.values(), key=lambda r: (r.starts_at, r.id)):
            if horizon is not None and row.starts_at >= horizon:
                break
            d = _cheap_km(q.lat, q.lon, row.latitude, row.longitude)
            if d > q.radius_km * (1 + _MARGIN):
                continue
            if d > q.radius_km * (1 - _MARGIN):
                d = _exact_km(q, row.latitude, row.longitude)
                if d > q.radius_km:
                    continue
            inside.append(row)
            if len(inside) > want and inside[-1].starts_at != inside[want - 1].starts_at:
                return inside[:-1]
        if horizon is None or len(inside) >= want:
            return inside  # every row before the horizon was seen, so the first `want` are final
        depth *= 2


async def nearby(session: AsyncSession, q: Query, limit: int = 20, offset: int = 0) -> list[Hit]:
    """Occurrences ordered by start time, then distance; `offset`/`limit` page through them."""
    want = offset + limit
    rows = await _candidates(session, q, want)
    measured = [(row, _exact_km(q, row.latitude, row.longitude)) for row in rows]
    ordered = []
    for _, group in groupby(measured, key=lambda rd: rd[0].starts_at):
        ordered.extend(sorted(group, key=lambda rd: (rd[1], rd[0].id)))
    page = ordered[offset:want]
    if not page:
        return []
    offers = {
        o.id: o
        for o in await session.execute(
            select(Offer.id, Offer.title, Offer.category, Offer.place_name).where(
                Offer.id.in_({row.offer_id for row, _ in page})
            )
        )
    }
    return [
        Hit(
            occurrence_id=row.id, offer_id=row.offer_id, starts_at=row.starts_at,
            ends_at=row.ends_at, distance_km=distance, title=offers[row.offer_id].title,
            category=offers[row.offer_id].category, place_name=offers[row.offer_id].place_name,
        )
        for row, distance in page
    ]
