"""Nearby search: the soonest published occurrences within a radius, then by distance.

Each geo cell around the point is walked in time order through the covering (cell, starts_at, …)
index, all in one statement: on SQLite a UNION ALL whose walks are merged in time order and stop
together after a few rows; on PostgreSQL a LATERAL walk per cell of an array parameter, each
stopping after a few rows, and the rows are sorted.
The rows are cut to the circle with a cheap distance and the final few measured exactly (the
great circle, as geopy measures it, in plain math: places.geo.great_circle_km). When the walk
ended before the answer was certain, it is repeated deeper. On SQLite a walk cut inside one
start time goes on from there with SQLite ordering each start time's rows by a planar distance
(in big towns hundreds of meetings start at the same minute), and Python decides the cut's
near-ties by the great circle (`_merged_hits`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from itertools import groupby
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    Subquery,
    bindparam,
    cast,
    exists,
    func,
    literal,
    literal_column,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from places.geo import GREAT_CIRCLE_RADIUS_KM, great_circle_km

from .accessibility import STEP_FREE
from .base import from_epoch
from .geo import MAX_CELLS, MAX_RADIUS_KM, bounding_box, cells_covering
from .offers import CellSpan, Occurrence, Offer
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
    # Only offers whose venue has one of these OSM wheelchair values (models.accessibility);
    # empty: every offer. `step_free(query)` sets it.
    wheelchair: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Bounded work per query: a point far north or a huge radius would need thousands of
        # cells (one part of the statement each); callers check the service area first.
        if not (
            math.isfinite(self.lat)
            and math.isfinite(self.lon)
            and -90 <= self.lat <= 90
            and -180 <= self.lon <= 180
        ):
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
_spans = CellSpan.__table__
_MAX_SECONDS = int(MAX_DURATION.total_seconds())
# Columns of a candidate row, as the statement returns them.
ID, OFFER_ID, STARTS_AT, ENDS_AT, LATITUDE, LONGITUDE, CELL, TITLE, CATEGORY, PLACE = range(10)
PLANAR = 10  # merged statement only: the planar squared distance in degrees² (`_planar`)
_KM_PER_DEG = GREAT_CIRCLE_RADIUS_KM * math.pi / 180  # planar degrees -> km
# Rounding of great_circle_km, absolute (about 1e-11 km: a few ulps of an angle times R).
_ROUNDING_KM = 1e-9


def _epoch(column: ColumnElement[datetime]) -> ColumnElement[int]:
    """The column as the integer it is stored as (no CAST in the SQL: the index still serves)."""
    return type_coerce(column, BigInteger)


def step_free(query: Query) -> Query:
    """The same search, only offers whose venue is step-free (OSM/Wheelmap wheelchair=yes):
    what residents mean by "stufenlos", "barrierefrei", "mit Rollstuhl". "limited" (one step
    of at most 7 cm) is not step-free, and an offer that says nothing is not shown as such."""
    return replace(query, wheelchair=STEP_FREE)


def _look_back(span: ColumnElement[int] | Select[Any]) -> ColumnElement[int]:
    """Where a cell's walk begins: `start` minus the longest gathering listed in the cell
    (models.offers.CellSpan; a cell without one: MAX_DURATION), so gatherings still running at
    `start` are found without reading the whole day before (at 1,000,000 offers that was a
    quarter of a search's SQL time, half of it at p90)."""
    longest = span.scalar_subquery() if isinstance(span, Select) else span
    return bindparam("start", type_=BigInteger) - func.coalesce(
        longest, literal(_MAX_SECONDS, BigInteger)
    )


def _part(
    cell: ColumnElement[int], categories: int, wheelchair: int, lower: ColumnElement[int]
) -> Select[Any]:
    """One cell's rows in the window and the bounding box, as its covering index holds them;
    `lower`: the earliest start time that can matter in this cell (`_look_back`)."""
    o, f = _table.c, _offers.c
    part = select(
        o.id,
        o.offer_id,
        _epoch(o.starts_at).label("starts_at"),
        _epoch(o.ends_at).label("ends_at"),
        o.latitude,
        o.longitude,
        o.cell,
    ).where(
        o.cell == cell,
        _epoch(o.starts_at) >= lower,
        _epoch(o.starts_at) < bindparam("end", type_=BigInteger),
        _epoch(o.ends_at) > bindparam("start", type_=BigInteger),
        o.latitude.between(bindparam("min_lat", type_=Float), bindparam("max_lat", type_=Float)),
        o.longitude.between(bindparam("min_lon", type_=Float), bindparam("max_lon", type_=Float)),
    )
    if categories:
        part = part.where(
            o.category.in_([bindparam(f"category{i}", type_=String) for i in range(categories)])
        )
    if wheelchair:  # one primary-key look-up per walked row; the walk goes deeper if needed
        part = part.where(
            exists().where(
                f.id == o.offer_id,
                f.wheelchair.in_(
                    [bindparam(f"wheelchair{i}", type_=String) for i in range(wheelchair)]
                ),
            )
        )
    return part


def _with_offers(walked: Subquery) -> Select[Any]:
    """The walked rows with their offers' columns, so one round trip brings everything."""
    return (
        select(walked, _offers.c.title, _offers.c.category, _offers.c.place_name)
        .join(_offers, _offers.c.id == walked.c.offer_id)
        .order_by(walked.c.starts_at, walked.c.id)
    )


@lru_cache(maxsize=512)
def _union(
    cells: int,
    categories: int,
    wheelchair: int = 0,
    merged: bool = True,
    by_distance: bool = False,
) -> Select[Any]:
    """One statement per shape (number of cells, of categories, of wheelchair values), built
    once and reused.

    Values travel as bound parameters, so nothing is rebuilt or recompiled per search; times
    are compared and returned as the epoch seconds they are stored as. `merged` (SQLite): each
    part walks one cell's covering index in time order, the parts are one compound ordered by
    starts_at and cut at `head` rows, which SQLite runs as a merge of the cells' index walks
    (MERGE (UNION ALL) of co-routines) that stops at the cut: only about `head` index entries
    are read in all. Otherwise (PostgreSQL) the cells' walks are `_laterals`. `by_distance`
    (merged only): the rows also come with their planar distance (`_planar`), only those that
    may be inside the circle, ordered by start time and then that distance (`_merged_hits`).
    """
    if not merged:
        return _laterals(categories, wheelchair)
    planar = _planar()
    parts = []
    for n in range(cells):
        cell = bindparam(f"cell{n}", type_=Integer)
        # The later of `earliest` (the walk resumed from a start time) and the cell's look-back:
        # SQLite computes the subquery once and starts the index walk there.
        span = select(_spans.c.longest).where(_spans.c.cell == cell)
        lower = func.max(bindparam("earliest", type_=BigInteger), _look_back(span))
        part = _part(cell, categories, wheelchair, lower)
        if by_distance:
            part = part.add_columns(planar.label("planar")).where(
                planar <= bindparam("max_planar", type_=Float)
            )
        parts.append(part)
    every = union_all(*parts) if cells > 1 else parts[0]
    head = bindparam("head", type_=Integer)
    if by_distance:
        # By starts_at (the index's order in every cell), then the planar distance: each cell's
        # walk sorts only the rows of one start time at a time (SQLite: USE TEMP B-TREE FOR
        # RIGHT PART OF ORDER BY), the merge stops at the cut. Python settles the exact order.
        walked = (
            every.order_by(literal_column("starts_at"), literal_column("planar"))
            .limit(head)
            .subquery("walked")
        )
        f = _offers.c
        columns = [c for c in walked.c if c.name != "planar"]
        return (
            select(*columns, f.title, f.category, f.place_name, walked.c.planar)
            .join(_offers, _offers.c.id == walked.c.offer_id)
            .order_by(walked.c.starts_at, walked.c.planar)
        )
    # By starts_at alone (the index's order in every cell); ties are settled in Python.
    return _with_offers(every.order_by(literal_column("starts_at")).limit(head).subquery("walked"))


@lru_cache(maxsize=64)
def _laterals(categories: int, wheelchair: int) -> Select[Any]:
    """PostgreSQL's statement: the cells come as one array parameter, and a LATERAL subquery
    walks each cell's covering index in time order, stopping after `depth` rows; those rows
    are sorted and cut at `head` before the offers are joined in (12 cells × depth index
    entries read at most, from the index alone: it carries the id on PostgreSQL).

    One statement for any number of cells: its size does not grow with the radius, and each
    connection prepares it once and plans it once for all searches (a generic plan after
    five custom ones; a custom plan of a 12-part UNION ALL cost more server time than
    running it)."""
    # The array travels as its text ("{1,2,3}") and is cast on the server: an array parameter
    # would make asyncpg look its type up in the catalogue first, 10 ms on each new connection.
    array = cast(bindparam("cells", type_=String), ARRAY(Integer))
    cells = func.unnest(array).table_valued("cell").render_derived(name="cells")
    walk = (
        _part(cells.c.cell, categories, wheelchair, _look_back(_spans.c.longest))
        .order_by(_table.c.starts_at)
        .limit(bindparam("depth", type_=Integer))
        .lateral("walk")
    )
    # One time-ordered stream of all the cells' walks, cut at `head` rows before the offers
    # are joined in: only the soonest rows can make the answer.
    walked = (
        select(walk)
        .select_from(cells)
        .outerjoin(_spans, _spans.c.cell == cells.c.cell)
        .join(walk, true())
        .order_by(walk.c.starts_at, walk.c.id)
        .limit(bindparam("head", type_=Integer))
        .subquery("walked")
    )
    return _with_offers(walked)


def _planar() -> ColumnElement[float]:
    """The squared planar distance from the search point in degrees² (latitude, and longitude
    shrunk by the cosine of the point's latitude): plain arithmetic, ordered like the great
    circle but for a fraction of a per cent (`_planar_floor`)."""
    o = _table.c
    dy = o.latitude - bindparam("lat", type_=Float)
    dx = (o.longitude - bindparam("lon", type_=Float)) * bindparam("coslat", type_=Float)
    return dy * dy + dx * dx


def _planar_floor(q: Query) -> float:
    """A factor f > 0 with great circle ≥ f × planar distance (`_planar`, in km) for every point
    in the query's bounding box; 0 where no such bound holds (at the poles).

    With a, b the latitude and longitude differences (radians) and φ0, φ the latitudes:
    haversine h = sin²(a/2) + cos φ0 cos φ sin²(b/2), great circle 2R asin √h ≥ 2R √h; with
    sin x ≥ x (1 - x²/6), √h ≥ (1 - m²/24) √(a² + cos φ0 cos φ b²)/2 for m ≥ |a|, |b|; and
    cos φ / cos φ0 = cos a - tan φ0 sin a ≥ k := cos A - |tan φ0| sin A for |a| ≤ A, so the
    great circle ≥ (1 - m²/24) √min(1, k) × R √(a² + cos² φ0 b²). The last factor 1 - 1e-9
    covers the relative rounding of both computations; computed, the great circle can come out
    smaller by `_ROUNDING_KM` more (at tiny distances)."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(q.lat, q.lon, q.radius_km)
    a = math.radians(max(max_lat - q.lat, q.lat - min_lat))
    m = max(a, math.radians(max(max_lon - q.lon, q.lon - min_lon)))
    k = math.cos(a) - abs(math.tan(math.radians(q.lat))) * math.sin(a)
    if k <= 0 or m * m >= 24:
        return 0.0
    return math.sqrt(min(1.0, k)) * (1 - m * m / 24) * (1 - 1e-9)


def _planar_parameters(q: Query) -> dict[str, float]:
    """The values of the by-distance statement's planar distance and its bound."""
    floor = _planar_floor(q)
    # Every point within the radius has a planar distance of at most radius / floor.
    reach = (q.radius_km + _ROUNDING_KM) / (floor * _KM_PER_DEG) if floor else math.inf
    return {
        "lat": q.lat,
        "lon": q.lon,
        "coslat": math.cos(math.radians(q.lat)),
        "max_planar": reach * reach * (1 + 1e-9),
    }


def _merges(dialect: Dialect) -> bool:
    """Whether the database merges the cells' walks and stops at the cut: SQLite does (a
    compound's ORDER BY is a merge of co-routines). On PostgreSQL each cell's walk stops
    after `depth` rows (`_laterals`). Measured there at 100,000 offers (issue 18): merged in a
    FROM subquery (a Merge Append) the planner chose Append + top-N sort instead and the
    server spent 1.4 ms a search against 0.5 ms; a compound per cell count with its own
    LIMIT per part cost as much to run as the laterals but 1.5 ms for each custom plan."""
    return dialect.name == "sqlite"


def _shape(
    q: Query, cells: Sequence[int], merged: bool = True, by_distance: bool = False
) -> tuple[int, int, int, bool, bool]:
    """What the statement's SQL depends on: how many cells (only when merged: PostgreSQL
    gets them as one array), categories and wheelchair values, whether the walks are merged
    and whether ordered by distance too (`_union`)."""
    cells_n = len(cells) if merged else 0
    return cells_n, len(q.categories), len(q.wheelchair), merged, by_distance


@lru_cache(maxsize=1024)
def _compiled(
    dialect: Dialect, cells: int, categories: int, wheelchair: int, merged: bool, by_distance: bool
) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """The statement's SQL for this database, the order its parameters go in, and the values
    of those the compiler added itself (SQLite's OFFSET 0)."""
    compiled = _union(cells, categories, wheelchair, merged, by_distance).compile(dialect=dialect)
    return compiled.string, tuple(compiled.positiontup or ()), dict(compiled.params)


def _statement(
    q: Query,
    cells: Sequence[int],
    depth: int,
    head: int | None = None,
    merged: bool = True,
    by_distance: bool = False,
) -> Select[Any]:
    """The search statement with its values bound (for EXPLAIN and the benchmark)."""
    values = _parameters(q, cells, depth, head)
    if by_distance:
        values.update(_planar_parameters(q))
    return _union(*_shape(q, cells, merged, by_distance)).params(values)


def _parameters(
    q: Query, cells: Sequence[int], depth: int, head: int | None = None
) -> dict[str, int | float | str]:
    min_lat, max_lat, min_lon, max_lon = bounding_box(q.lat, q.lon, q.radius_km)
    values: dict[str, int | float | str] = {f"cell{n}": cell for n, cell in enumerate(cells)}
    values.update(
        cells="{" + ",".join(map(str, cells)) + "}",  # PostgreSQL's array of them (`_laterals`)
        earliest=int((q.start - MAX_DURATION).timestamp()),
        start=int(q.start.timestamp()),
        end=int(q.end.timestamp()),
        depth=depth,
        head=head or depth * len(cells),
        min_lat=min_lat,
        max_lat=max_lat,
        min_lon=min_lon,
        max_lon=max_lon,
    )
    for i, category in enumerate(sorted(q.categories)):
        values[f"category{i}"] = category
    for i, value in enumerate(sorted(q.wheelchair)):
        values[f"wheelchair{i}"] = value
    return values


async def _fetch(
    session: AsyncSession,
    q: Query,
    cells: Sequence[int],
    depth: int,
    head: int,
    since: int | None = None,
) -> tuple[list[Any], bool]:
    """Run the statement straight on the driver of the session's connection: the search is
    the hottest statement of all, and SQLAlchemy's execution layer (compiling the parameters,
    building result rows) cost more than the query itself. In the session's transaction when
    it has one open on the connection; on asyncpg a session that has sent nothing yet has none,
    and the search runs as a statement of its own (no BEGIN and ROLLBACK round trips).
    `since` (SQLite): only rows starting then (epoch seconds) or later, ordered by distance
    within a start time (`_merged_hits`)."""
    values = _parameters(q, cells, depth, head)
    connection = await session.connection()
    dialect = connection.dialect
    merged = _merges(dialect)
    shape = _shape(q, cells, merged, merged and since is not None)
    if shape[-1] and since is not None:
        values.update(_planar_parameters(q), earliest=since)
    sql, order, defaults = _compiled(dialect, *shape)
    arguments = [values[name] if name in values else defaults[name] for name in order]
    # Connected already (session.connection()): no greenlet hop to reach the driver.
    # The driver's own connection and rows (aiosqlite's, asyncpg's): typed by neither.
    sync = connection.sync_connection
    if sync is None:  # session.connection() has just connected it
        raise RuntimeError("the session's connection is closed")
    driver: Any = sync.connection.driver_connection
    if dialect.name == "sqlite":
        cursor = await driver.execute(sql, arguments)
        try:
            return await cursor.fetchall(), merged
        finally:
            await cursor.close()
    if dialect.driver == "asyncpg":
        return await driver.fetch(sql, *arguments), merged
    statement = _union(*shape)
    return [tuple(row) for row in (await session.execute(statement, values)).all()], merged


def _quota_cuts(rows: list[Any], depth: int) -> list[int]:
    """The last start time walked in each cell that gave its full `depth` rows."""
    walked: dict[int, list[Any]] = {}
    for row in rows:
        seen = walked.get(row[CELL])
        if seen is None:
            walked[row[CELL]] = [1, row[STARTS_AT]]
        else:
            seen[0] += 1
            seen[1] = row[STARTS_AT]
    return [last for count, last in walked.values() if count >= depth]


async def _candidates(session: AsyncSession, q: Query, want: int) -> list[Any]:
    """Rows inside the circle, in time order, enough to decide the first `want` results, from
    walks that each stop after `depth` rows (PostgreSQL's `_laterals`; SQLite: `_merged_hits`)."""
    cells = cells_covering(q.lat, q.lon, q.radius_km)
    depth = max(want, 8)
    head = 2 * want + 8
    lat, lon, radius = q.lat, q.lon, q.radius_km
    outer, inner = radius * (1 + _MARGIN), radius * (1 - _MARGIN)
    while True:
        rows, _ = await _fetch(session, q, cells, depth, head)
        # Nothing at or after the horizon is certain yet: a cell that filled its quota may hold
        # more rows after its last one, and a stream cut at `head` rows may go on.
        lasts = _quota_cuts(rows, depth)
        if len(rows) >= head:
            lasts.append(rows[-1][STARTS_AT])
        horizon = min(lasts, default=None)
        inside = []
        offers_seen: set[int] = set()
        for row in rows:
            if horizon is not None and row[STARTS_AT] >= horizon:
                break
            if q.once_per_offer:
                if row[OFFER_ID] in offers_seen:
                    continue
                offers_seen.add(row[OFFER_ID])
            d = _cheap_km(lat, lon, row[LATITUDE], row[LONGITUDE])
            if d > outer:
                continue
            if d > inner and _exact_km(q, row[LATITUDE], row[LONGITUDE]) > radius:
                continue
            inside.append(row)
            if len(inside) > want and inside[-1][STARTS_AT] != inside[want - 1][STARTS_AT]:
                return inside[:-1]
        if horizon is None or len(inside) >= want:
            return inside  # every row before the horizon was seen, so the first `want` are final
        depth, head = depth * 2, head * 2


def _collect(
    q: Query,
    rows: list[Any],
    want: int,
    found: list[tuple[Any, float]],
    offers: set[int],
    until: int | None = None,
    cut: tuple[int, float] | None = None,
) -> bool:
    """Adds (row, great circle km) of the rows inside the circle to `found`, the rows coming
    in time order; whether `want` were found with every row at their start times (then it
    stops). `until`: rows starting then or later are not known; `cut` (start time, km): at that
    start time only the rows nearer than km are. With `once_per_offer`, each offer once, at its
    first start time (`offers` seen so far; an offer has one row per start time)."""
    enough_at = None
    for row in rows:
        starts_at = row[STARTS_AT]
        if (until is not None and starts_at >= until) or (
            enough_at is not None and starts_at != enough_at
        ):
            break
        if q.once_per_offer and row[OFFER_ID] in offers:
            continue
        d = _exact_km(q, row[LATITUDE], row[LONGITUDE])
        if d > q.radius_km or (cut is not None and starts_at == cut[0] and not d < cut[1]):
            continue
        offers.add(row[OFFER_ID])
        found.append((row, d))
        if enough_at is None and len(found) >= want:
            enough_at = starts_at
    return enough_at is not None


def _first(found: list[tuple[Any, float]], want: int) -> list[tuple[Any, float]]:
    found.sort(key=lambda rd: (rd[0][STARTS_AT], rd[1], rd[0][ID]))
    return found[:want]


async def _merged_hits(session: AsyncSession, q: Query, want: int) -> list[tuple[Any, float]]:
    """(row, great circle km) of the first `want` results in order, on SQLite (merged walks).

    First the walks in time order, cut at `head` rows: every row before the last row's start
    time is known. Mostly that is enough. When not, the rest is walked from that start time
    with the rows ordered by start time, then planar distance, inside SQLite, cut at `head`:
    past that cut are only rows starting later than the last row, or at the same time and not
    nearer in the plane, so at least floor × its planar distance away on the great circle
    (`_planar_floor`). The rows before the last row's start time and, at that time, the rows
    nearer than that bound are every result up to there; when they are too few, the walk goes
    deeper. In big towns hundreds of meetings start at the same minute: SQLite orders them.
    """
    cells = cells_covering(q.lat, q.lon, q.radius_km)
    head = 2 * want + 8
    rows, _ = await _fetch(session, q, cells, want, head)
    found: list[tuple[Any, float]] = []
    offers: set[int] = set()
    if len(rows) < head:  # every row
        _collect(q, rows, want, found, offers)
        return _first(found, want)
    since = rows[-1][STARTS_AT]
    if _collect(q, rows, want, found, offers, until=since):
        return _first(found, want)
    floor = _planar_floor(q) * _KM_PER_DEG
    while True:
        rows, _ = await _fetch(session, q, cells, want, head, since)
        cut = None
        if len(rows) >= head:
            last = rows[-1]
            cut = (last[STARTS_AT], floor * math.sqrt(last[PLANAR]) - _ROUNDING_KM)
        deeper, seen = list(found), set(offers)
        if _collect(q, rows, want, deeper, seen, cut=cut) or cut is None:
            return _first(deeper, want)
        head *= 2


async def nearby(session: AsyncSession, q: Query, limit: int = 20, offset: int = 0) -> list[Hit]:
    """Occurrences ordered by start time, then distance; `offset`/`limit` page through them."""
    want = offset + limit
    connection = await session.connection()
    if _merges(connection.dialect):
        ordered = await _merged_hits(session, q, want)
    else:
        rows = await _candidates(session, q, want)
        measured = [(row, _exact_km(q, row[LATITUDE], row[LONGITUDE])) for row in rows]
        ordered = []
        for _, group in groupby(measured, key=lambda rd: rd[0][STARTS_AT]):
            ordered.extend(sorted(group, key=lambda rd: (rd[1], rd[0][ID])))
    return [
        Hit(
            occurrence_id=row[ID],
            offer_id=row[OFFER_ID],
            starts_at=from_epoch(row[STARTS_AT]),
            ends_at=from_epoch(row[ENDS_AT]),
            distance_km=distance,
            title=row[TITLE],
            category=row[CATEGORY],
            place_name=row[PLACE],
        )
        for row, distance in ordered[offset:want]
    ]
