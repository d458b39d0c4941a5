"""Nearby search: the soonest published occurrences within a radius, then by distance.

Each geo cell around the point is walked in time order through the covering (cell, starts_at, …) index and
stopped after a few rows (one UNION ALL statement); the cells' rows are merged in time order, cut
to the circle with a cheap distance and the final few measured exactly (the great circle, as
geopy measures it, in plain math: places.geo.great_circle_km). When a cell
ran out of rows before the answer was certain, the walk is repeated deeper.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import groupby

from sqlalchemy import BigInteger, Integer, bindparam, select, type_coerce, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from places.geo import great_circle_km

from .base import from_epoch
from .geo import MAX_CELLS, MAX_RADIUS_KM, bounding_box, cells_covering
from .offers import Occurrence, Offer
from .schedule import MAX_DURATION

_EARTH_KM = 6371.0088
_MARGIN = 0.01  # below 1 % off the radius the cheap distance defers to the exact one


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
    once_per_offer: bool = False  # only each offer's next occurrence (lists for people)

    def __post_init__(self) -> None:
        # Bounded work per query: a point far north or a huge radius would need thousands of
        # cells (one part of the statement each); callers check the service area first.
        if not (math.isfinite(self.lat) and math.isfinite(self.lon) and -90 <= self.lat <= 90
                and -180 <= self.lon <= 180):
            raise ValueError("search point out of range")
        if not 0 < self.radius_km <= MAX_RADIUS_KM:
            raise ValueError("search radius out of range")
        if len(cells_covering(self.lat, self.lon, self.radius_km)) > MAX_CELLS:
            raise ValueError("search area too large")


def _cheap_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # Equirectangular: within 0.1 % of great-circle at the distances searched here.
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return _EARTH_KM * math.hypot(x, y)


def _exact_km(q: Query, lat: float, lon: float) -> float:
    return great_circle_km(q.lat, q.lon, lat, lon)


_table = Occurrence.__table__
_offers = Offer.__table__


@lru_cache(maxsize=512)
def _union(cells: int, categories: bool):
    """One statement per shape (number of cells, category filter), built once and reused.

    Values travel as bound parameters, so SQLAlchemy neither rebuilds nor recompiles the
    statement on each search. Each part walks one cell's covering index in time order
    and stops after `depth` rows; ordering by starts_at alone lets PostgreSQL read the index in
    order too. Offer columns are joined in, so one round trip brings everything.
    """
    o, f = _table.c, _offers.c
    parts = []
    for n in range(cells):
        part = (
            # Times come back as raw epoch seconds; only the shown rows become datetimes.
            select(o.id, o.offer_id, type_coerce(o.starts_at, BigInteger).label("starts_at"),
                   type_coerce(o.ends_at, BigInteger).label("ends_at"), o.latitude, o.longitude,
                   o.cell)
            .where(
                o.cell == bindparam(f"cell{n}"),
                o.starts_at >= bindparam("earliest"),
                o.starts_at < bindparam("end"),
                o.ends_at > bindparam("start"),
                o.latitude.between(bindparam("min_lat"), bindparam("max_lat")),
                o.longitude.between(bindparam("min_lon"), bindparam("max_lon")),
            )
            .order_by(o.starts_at)
            .limit(bindparam("depth", type_=Integer))
        )
        if categories:
            part = part.where(o.category.in_(bindparam("categories", expanding=True)))
        parts.append(select(part.subquery()))
    every = (union_all(*parts) if cells > 1 else parts[0]).subquery("every")
    # One time-ordered stream of all the cells' walks, cut at `head` rows before the offers are
    # joined in: only the soonest rows can make the answer.
    walked = select(every).order_by(every.c.starts_at, every.c.id).limit(
        bindparam("head", type_=Integer)).subquery("walked")
    return (
        select(walked, f.title, f.category, f.place_name)
        .join(_offers, _offers.c.id == walked.c.offer_id)
        .order_by(walked.c.starts_at, walked.c.id)
    )


def _statement(q: Query, cells: Sequence[int], depth: int, head: int | None = None):
    """The search statement with its values bound (for EXPLAIN and the benchmark)."""
    return _union(len(cells), bool(q.categories)).params(_parameters(q, cells, depth, head))


def _parameters(q: Query, cells: Sequence[int], depth: int, head: int | None = None) -> dict:
    min_lat, max_lat, min_lon, max_lon = bounding_box(q.lat, q.lon, q.radius_km)
    values = {f"cell{n}": cell for n, cell in enumerate(cells)}
    values.update(earliest=q.start - MAX_DURATION, start=q.start, end=q.end, depth=depth,
                  head=head or depth * len(cells),
                  min_lat=min_lat, max_lat=max_lat, min_lon=min_lon, max_lon=max_lon)
    if q.categories:
        values["categories"] = sorted(q.categories)
    return values


async def _candidates(session: AsyncSession, q: Query, want: int) -> list[tuple]:
    """Rows inside the circle, in time order, enough to decide the first `want` results."""
    cells = cells_covering(q.lat, q.lon, q.radius_km)
    depth = max(want, 8)
    head = 2 * want + 8
    while True:
        statement = _union(len(cells), bool(q.categories))
        rows = (await session.execute(statement, _parameters(q, cells, depth, head))).all()
        # Nothing at or after the horizon is certain yet: a cell that filled its quota may hold
        # more rows after its last one, and a stream cut at `head` rows may go on.
        walked: dict[int, list] = {}
        for row in rows:
            seen = walked.get(row.cell)
            if seen is None:
                walked[row.cell] = [1, row.starts_at]
            else:
                seen[0] += 1
                seen[1] = row.starts_at
        lasts = [last for count, last in walked.values() if count >= depth]
        if len(rows) >= head:
            lasts.append(rows[-1].starts_at)
        horizon = min(lasts, default=None)
        inside = []
        offers_seen: set[int] = set()
        for row in rows:
            if horizon is not None and row.starts_at >= horizon:
                break
            if q.once_per_offer:
                if row.offer_id in offers_seen:
                    continue
                offers_seen.add(row.offer_id)
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
        depth, head = depth * 2, head * 2


async def nearby(session: AsyncSession, q: Query, limit: int = 20, offset: int = 0) -> list[Hit]:
    """Occurrences ordered by start time, then distance; `offset`/`limit` page through them."""
    want = offset + limit
    rows = await _candidates(session, q, want)
    measured = [(row, _exact_km(q, row.latitude, row.longitude)) for row in rows]
    ordered = []
    for _, group in groupby(measured, key=lambda rd: rd[0].starts_at):
        ordered.extend(sorted(group, key=lambda rd: (rd[1], rd[0].id)))
    return [
        Hit(
            occurrence_id=row.id, offer_id=row.offer_id, starts_at=from_epoch(row.starts_at),
            ends_at=from_epoch(row.ends_at), distance_km=distance, title=row.title,
            category=row.category, place_name=row.place_name,
        )
        for row, distance in ordered[offset:want]
    ]
