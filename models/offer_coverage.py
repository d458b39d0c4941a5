"""Where offers are, as coordinators see it: per municipality the offers with a date in the
next 14 days (today included), the white spots, and the offers that have gone stale. All of it
depends only on the offers, their dates and the day, so it is worked out once and kept until
one of them changes.

Whether anything changed is asked of the store on every view (one statement of four index
look-ups: the newest change to an offer, the newest called-off or restored date, how many
offers there are and the highest id), so a new, moved, paused or deleted offer shows at once,
also when another process changed it. What concerns people (searches without a result,
reminders, "Ich komme", whether an organiser is still there) is never kept here; it is read
fresh for each view (models.situation).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from places import Gazetteer
from places.municipalities import load

from .geo import _LON_CELLS, CELL_DEG, cell_of
from .offers import Occurrence, Offer, OfferStatus
from .organising import OfferChange
from .schedule import BERLIN, to_utc

AHEAD = timedelta(days=14)  # offers counted on the map: today and the 13 days after it
WHITE_SPOT_KM = 10.0  # no offer this close to any place of a municipality: a white spot
STALE_AFTER = timedelta(days=60)  # no date this far ahead and the organiser silent this long
BOX = (50.9, 53.1, 10.5, 13.3)  # Sachsen-Anhalt with a margin: min lat, max lat, min lon, max lon


@dataclass(frozen=True)
class StaleOffer:
    """A published offer with no date in the next 60 days, at least 60 days old. Whether its
    organiser is silent too is asked for each view (models.situation)."""

    id: int
    title: str
    place_name: str
    ags: str
    owner_id: int | None
    changed: datetime  # when the offer itself last changed


# (newest change, newest date change, offers, highest offer id): see store_version.
StoreVersion = tuple[str, int, int, int]
# (store version, day, gazetteer): the same key, the same coverage.
CoverageKey = tuple[StoreVersion, date, int]


@dataclass(frozen=True)
class Coverage:
    key: CoverageKey
    day: date  # the first of the 14 days
    offers: dict[str, int]  # AGS -> offers with a date in the 14 days located there
    white_spots: frozenset[str]  # AGS of the municipalities with no offer within 10 km
    stale: tuple[StaleOffer, ...]


def window(now: datetime) -> tuple[date, datetime, datetime]:
    """The day (Berlin) and the UTC span of the 14 days from its start."""
    day = now.astimezone(BERLIN).date()
    start = to_utc(datetime.combine(day, time()))
    return day, start, to_utc(datetime.combine(day + AHEAD, time()))


async def store_version(session: AsyncSession) -> StoreVersion:
    """Changes whenever an offer, or one of its dates, is added, changed or deleted."""
    one = await session.execute(
        select(
            select(func.max(Offer.updated_at)).scalar_subquery(),
            select(func.max(OfferChange.id)).scalar_subquery(),
            select(func.count()).select_from(Offer).scalar_subquery(),
            select(func.max(Offer.id)).scalar_subquery(),
        )
    )
    newest, change, count, highest = one.one()
    return (newest.isoformat() if newest else "", change or 0, count or 0, highest or 0)


# The newest coverage per database (an engine per store; tests open several in one process).
_KEPT: weakref.WeakKeyDictionary[object, Coverage] = weakref.WeakKeyDictionary()


async def coverage(session: AsyncSession, places: Gazetteer, now: datetime) -> Coverage:
    """The coverage for today, worked out again only when the offers changed."""
    day, start, end = window(now)
    key = (await store_version(session), day, id(places))
    engine = session.get_bind()
    kept = _KEPT.get(engine)
    if kept is not None and kept.key == key:
        return kept
    made = await _work_out(session, places, key, day, start, end)
    _KEPT[engine] = made
    return made


def _cells() -> list[int]:
    """The geo cells over the state (about 670): the search index is walked cell by cell."""
    min_lat, max_lat, min_lon, max_lon = BOX
    cells: list[int] = []
    lat = min_lat
    while lat <= max_lat + 1e-9:
        first, last = cell_of(lat, min_lon), cell_of(lat, max_lon)
        assert last - first < _LON_CELLS
        cells += range(first, last + 1)
        lat += CELL_DEG
    return cells


_CELLS = _cells()

# A latitude or longitude column, of a table or of a mapped class.
Coordinate = ColumnElement[float] | QueryableAttribute[float]


def in_box(lat: Coordinate, lon: Coordinate) -> ColumnElement[bool]:
    """Within the state's bounding box (BOX)."""
    min_lat, max_lat, min_lon, max_lon = BOX
    return and_(lat.between(min_lat, max_lat), lon.between(min_lon, max_lon))


async def _work_out(
    session: AsyncSession,
    places: Gazetteer,
    key: CoverageKey,
    day: date,
    start: datetime,
    end: datetime,
) -> Coverage:
    locate = locator(places)
    connection = await session.connection()  # plain rows: thousands of them, no ORM objects
    o = Occurrence
    # cell IN (...) with a time range reads each cell's slice of the covering walk index only.
    points = (
        await connection.execute(
            select(o.offer_id, o.latitude, o.longitude)
            .distinct()
            .where(
                o.cell.in_(_CELLS),
                o.starts_at >= start,
                o.starts_at < end,
                in_box(o.latitude, o.longitude),
            )
        )
    ).all()
    offers: dict[str, set[int]] = {}
    for offer_id, lat, lon in points:
        ags = locate(lat, lon)
        if ags:
            offers.setdefault(ags, set()).add(offer_id)
    near = _Points(points)
    settlements = locate.settlements
    white = frozenset(
        o.ags
        for o in load().outlines  # a municipality without a place is white too
        if not any(near.any_within(p.lat, p.lon, WHITE_SPOT_KM) for p in settlements.get(o.ags, ()))
    )

    no_date = ~exists().where(
        Occurrence.offer_id == Offer.id,
        Occurrence.starts_at >= start,
        Occurrence.starts_at < start + STALE_AFTER,
    )
    rows = (
        await connection.execute(
            select(
                Offer.id,
                Offer.title,
                Offer.place_name,
                Offer.latitude,
                Offer.longitude,
                Offer.owner_id,
                Offer.updated_at,
            ).where(
                Offer.status == OfferStatus.PUBLISHED,
                in_box(Offer.latitude, Offer.longitude),
                Offer.created_at < start - STALE_AFTER,
                no_date,
            )
        )
    ).all()
    stale = []
    for offer_id, title, place_name, lat, lon, owner_id, changed in rows:
        ags = locate(lat, lon)
        if ags:
            stale.append(StaleOffer(offer_id, title, place_name, ags, owner_id, changed))
    stale.sort(key=lambda s: (s.ags, s.title.casefold(), s.id))
    return Coverage(key, day, {ags: len(ids) for ags, ids in offers.items()}, white, tuple(stale))


class _Points:
    """Offer points bucketed by 0.1° cell, to ask "any within 10 km?" with an early exit."""

    def __init__(self, points: Iterable[Sequence[Any]]) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
        for _, lat, lon in points:
            self.cells.setdefault((math.floor(lat * 10), math.floor(lon * 10)), []).append(
                (lat, lon)
            )

    def any_within(self, lat: float, lon: float, km: float) -> bool:
        rows = math.ceil(km / 11.1) + 1
        cols = math.ceil(km / (11.1 * math.cos(math.radians(lat)))) + 1
        ci, cj = math.floor(lat * 10), math.floor(lon * 10)
        kx = 111.2 * math.cos(math.radians(lat))
        for i in sorted(range(ci - rows, ci + rows + 1), key=lambda i: abs(i - ci)):
            for j in sorted(range(cj - cols, cj + cols + 1), key=lambda j: abs(j - cj)):
                for plat, plon in self.cells.get((i, j), ()):
                    if math.hypot((plat - lat) * 111.2, (plon - lon) * kx) <= km:
                        return True
        return False


class _Locator:
    """Which municipality a point lies in (its nearest town or village), remembered per point."""

    def __init__(self, places: Gazetteer) -> None:
        self.places = places
        self.known: dict[tuple[float, float], str] = {}
        self.settlements = places.places_in()

    def __call__(self, lat: float, lon: float) -> str:
        ags = self.known.get((lat, lon))
        if ags is None:
            if len(self.known) > 1_000_000:
                self.known.clear()
            ags = self.known[(lat, lon)] = self.places.municipality_at(lat, lon)
        return ags


_LOCATORS: dict[int, _Locator] = {}


def locator(places: Gazetteer) -> _Locator:
    found = _LOCATORS.get(id(places))
    if found is None or found.places is not places:
        found = _LOCATORS[id(places)] = _Locator(places)
    return found
