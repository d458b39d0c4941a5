"""The picture coordinators see (/lage, /koordination, exports, the monthly report): per
municipality the offers of the next 14 days, offers per 10,000 residents, white spots and
unmet searches per month; per district stale offers, reminders asked for and "Ich komme"
answers. Every count about people goes through publish.suppression before anyone sees it;
offers are public and shown as they are.

Read for the whole state at once (a few statements over indexed columns and the monthly
aggregates), then cut to the coordinator's district, so a district sees the same hidden cells
as the state does and nothing of its neighbours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from places import Gazetteer
from places.municipalities import MapData, Outline, load
from publish.suppression import Shown, suppress

from .coordination import Scope
from .geo import CELL_DEG, _LON_CELLS, cell_of
from .offers import Occurrence, Offer, OfferStatus
from .reminders import Attendance, Reminder
from .schedule import BERLIN
from .unmet import unmet_by_month
from .users import User

AHEAD = timedelta(days=14)  # offers counted on the map
WHITE_SPOT_KM = 10.0  # no offer this close to any place of a municipality: a white spot
STALE_AFTER = timedelta(days=60)  # no date this far ahead and the organiser silent this long
STATE = "15"
BOX = (50.9, 53.1, 10.5, 13.3)  # Sachsen-Anhalt with a margin: min lat, max lat, min lon, max lon


@dataclass
class Municipality:
    outline: Outline
    offers: int = 0  # offers with a date in the next 14 days located here
    white_spot: bool = False
    unmet: dict[str, Shown] = field(default_factory=dict)  # month -> shown count

    @property
    def rate(self) -> float | None:
        """Offers per 10,000 residents (None: residents unknown)."""
        r = self.outline.residents
        return self.offers * 10_000 / r if r else None


@dataclass
class District:
    key: str
    name: str
    offers: int = 0
    white_spots: int = 0
    unmet: dict[str, Shown] = field(default_factory=dict)
    stale: Shown = Shown(0)
    reminders: Shown = Shown(0)
    coming: Shown = Shown(0)


@dataclass
class Situation:
    scope: Scope
    now: datetime
    months: list[str]  # newest last
    map: MapData
    municipalities: list[Municipality]
    districts: list[District]
    # The state's totals: only for a coordinator of the whole state.
    total_unmet: dict[str, Shown] = field(default_factory=dict)
    total_stale: Shown | None = None
    total_reminders: Shown | None = None
    total_coming: Shown | None = None

    @property
    def offers(self) -> int:
        return sum(m.offers for m in self.municipalities)

    @property
    def white_spots(self) -> list[Municipality]:
        return [m for m in self.municipalities if m.white_spot]


def months_before(now: datetime, count: int, last: str | None = None) -> list[str]:
    """The `count` months up to the current one (or up to `last`, "2026-12"), oldest first."""
    local = now.astimezone(BERLIN)
    year, month = (int(x) for x in last.split("-")) if last else (local.year, local.month)
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _cells() -> list[int]:
    """The geo cells over the state (about 670): the search index is walked cell by cell."""
    min_lat, max_lat, min_lon, max_lon = BOX
    cells = []
    lat = min_lat
    while lat <= max_lat + 1e-9:
        first, last = cell_of(lat, min_lon), cell_of(lat, max_lon)
        assert last - first < _LON_CELLS
        cells += range(first, last + 1)
        lat += CELL_DEG
    return cells


_CELLS = _cells()


def _in_box(lat, lon):
    min_lat, max_lat, min_lon, max_lon = BOX
    return and_(lat.between(min_lat, max_lat), lon.between(min_lon, max_lon))


async def _offer_points(session: AsyncSession, start: datetime, end: datetime) -> list[tuple[int, float, float]]:
    """Offers with a date in [start, end) over the state: (offer id, lat, lon)."""
    o = Occurrence
    # cell IN (...) with a time range reads each cell's slice of the covering walk index only.
    connection = await session.connection()  # plain rows: thousands of them, no ORM objects
    rows = await connection.execute(
        select(o.offer_id, o.latitude, o.longitude).distinct()
        .where(o.cell.in_(_CELLS), o.starts_at >= start, o.starts_at < end, _in_box(o.latitude, o.longitude)))
    return rows.all()


class _Points:
    """Offer points bucketed by 0.1° cell, to ask "any within 10 km?" with an early exit."""

    def __init__(self, points) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
        for _, lat, lon in points:
            self.cells.setdefault((math.floor(lat * 10), math.floor(lon * 10)), []).append((lat, lon))

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


def _locator(places: Gazetteer) -> _Locator:
    found = _LOCATORS.get(id(places))
    if found is None or found.places is not places:
        found = _LOCATORS[id(places)] = _Locator(places)
    return found


async def _per_district(session: AsyncSession, statement, locate) -> dict[str, int]:
    """Rows of (lat, lon, count) counted by district."""
    out: dict[str, int] = {}
    for lat, lon, count in (await session.execute(statement)).all():
        ags = locate(lat, lon)
        if ags:
            out[ags[:5]] = out.get(ags[:5], 0) + count
    return out


def _tree(values_by_ags: dict[str, int], outlines: tuple[Outline, ...]) -> tuple[dict, list]:
    values: dict[str, int] = {STATE: 0}
    districts: dict[str, list[str]] = {}
    for o in outlines:
        v = values_by_ags.get(o.ags, 0)
        values[o.ags] = v
        values[o.district] = values.get(o.district, 0) + v
        values[STATE] += v
        districts.setdefault(o.district, []).append(o.ags)
    groups = [(STATE, sorted(districts))] + [(d, ms) for d, ms in sorted(districts.items())]
    return values, groups


def _district_table(counts: dict[str, int], keys: list[str]) -> dict[str, Shown]:
    values = {STATE: sum(counts.get(k, 0) for k in keys), **{k: counts.get(k, 0) for k in keys}}
    return suppress(values, [(STATE, keys)])


async def situation(session: AsyncSession, places: Gazetteer, scope: Scope, now: datetime,
                    months: int = 3, last_month: str | None = None) -> Situation:
    """The picture for `scope`; unmet searches for `months` months up to the current one (or
    `last_month`); offers, white spots and stale offers as of `now`."""
    data = load()
    locate = _locator(places)
    month_keys = months_before(now, months, last_month)

    # Offers of the next 14 days and white spots.
    points = await _offer_points(session, now, now + AHEAD)
    offers: dict[str, set[int]] = {}
    for offer_id, lat, lon in points:
        ags = locate(lat, lon)
        if ags:
            offers.setdefault(ags, set()).add(offer_id)
    near = _Points(points)
    settlements = locate.settlements

    def white(ags: str) -> bool:
        return not any(near.any_within(p.lat, p.lon, WHITE_SPOT_KM) for p in settlements.get(ags, ()))

    # Unmet searches, hidden where small, for the whole tree at once.
    unmet = await unmet_by_month(session, month_keys)
    shown_unmet = {m: suppress(*_tree(unmet[m], data.outlines)) for m in month_keys}

    # Stale offers, reminders and "Ich komme" answers per district.
    district_keys = sorted({o.district for o in data.outlines})
    silent = or_(Offer.owner_id.is_(None), exists().where(User.id == Offer.owner_id,
                                                          User.last_seen_at < now - STALE_AFTER))
    no_date = ~exists().where(Occurrence.offer_id == Offer.id, Occurrence.starts_at >= now,
                              Occurrence.starts_at < now + STALE_AFTER)
    stale = await _per_district(session, select(Offer.latitude, Offer.longitude, func.count())
                                .where(Offer.status == OfferStatus.PUBLISHED, _in_box(Offer.latitude, Offer.longitude),
                                       no_date, silent, Offer.created_at < now - STALE_AFTER)
                                .group_by(Offer.latitude, Offer.longitude), locate)
    reminders = await _per_district(session, select(Offer.latitude, Offer.longitude, func.count())
                                    .join(Reminder, Reminder.offer_id == Offer.id)
                                    .where(_in_box(Offer.latitude, Offer.longitude))
                                    .group_by(Offer.latitude, Offer.longitude), locate)
    month_start = now.astimezone(BERLIN).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    coming = await _per_district(session, select(Offer.latitude, Offer.longitude, func.count())
                                 .join(Attendance, Attendance.offer_id == Offer.id)
                                 .where(Attendance.coming.is_(True), Attendance.starts_at >= month_start,
                                        _in_box(Offer.latitude, Offer.longitude))
                                 .group_by(Offer.latitude, Offer.longitude), locate)
    stale_shown = _district_table(stale, district_keys)
    reminders_shown = _district_table(reminders, district_keys)
    coming_shown = _district_table(coming, district_keys)

    municipalities = []
    districts: dict[str, District] = {}
    for o in data.outlines:
        if not scope.covers(o.ags):
            continue
        m = Municipality(o, offers=len(offers.get(o.ags, ())), white_spot=white(o.ags),
                         unmet={month: shown_unmet[month][o.ags] for month in month_keys})
        municipalities.append(m)
        d = districts.get(o.district)
        if d is None:
            d = districts[o.district] = District(
                o.district, data.district_name(o.district),
                unmet={month: shown_unmet[month][o.district] for month in month_keys},
                stale=stale_shown[o.district], reminders=reminders_shown[o.district],
                coming=coming_shown[o.district])
        d.offers += m.offers
        d.white_spots += m.white_spot
    picture = Situation(scope, now, month_keys, data, municipalities,
                        sorted(districts.values(), key=lambda d: d.name))
    if scope.whole_state:
        picture.total_unmet = {month: shown_unmet[month][STATE] for month in month_keys}
        picture.total_stale = stale_shown[STATE]
        picture.total_reminders = reminders_shown[STATE]
        picture.total_coming = coming_shown[STATE]
    return picture
