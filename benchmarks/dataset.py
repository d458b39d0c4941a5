"""A deterministic synthetic data set of published offers across Germany, for the benchmarks.

Offers cluster around the gazetteer's towns, weighted by population, and scatter a few km
around the town centre (wider for big cities). Occurrences are materialised exactly as the app
does it (models.occurrences), for a fixed "now", and inserted in big executemany batches.
The built SQLite file is cached under var/bench/, keyed by size, seed, schema head and the
generator version, so repeated runs skip the build.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import math
import os
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import JSON, func, insert, select
from sqlalchemy import Enum as SAEnum
from sqlalchemy import create_engine as create_sync_engine

from models import CellSpan, Occurrence, Offer, OfferStatus
from models.accessibility import Wheelchair, YesNo
from models.base import EpochSeconds, UTCDateTime
from models.categories import CATEGORIES
from models.db import alembic_config, create_engine, upgrade
from models.occurrences import HORIZON, _rows, add_rows
from models.offers import Cost
from models.schedule import MAX_DURATION, to_local
from places import Gazetteer

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wednesday, 10:00 in Berlin
GENERATOR_VERSION = 1  # bump when the generated data changes, to invalidate cached files
BATCH = 10_000  # offers generated and inserted per batch

_KM_PER_DEG_LAT = 111.195
_DURATIONS = (60, 90, 90, 120, 120, 120, 150, 180, 240)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_HOLIDAYS = ["2026-12-24", "2026-12-25", "2026-12-26", "2026-12-31", "2027-01-01"]
_SERIES_FROM = date(2026, 1, 5)
_SERIES_DAYS = 320  # recurring series started between early January and late November


def schema_head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def cache_path(directory: Path, offers: int, seed: int) -> Path:
    return (
        directory
        / f"nearby-{offers}-seed{seed}-schema{schema_head()}-gen{GENERATOR_VERSION}.sqlite3"
    )


@dataclass(frozen=True)
class Towns:
    """The gazetteer's towns with cumulative population weights, for weighted sampling."""

    towns: list
    cum_weights: list[float]

    @classmethod
    def load(cls) -> Towns:
        towns = Gazetteer.load().towns()
        weights = [max(t.population, 100) for t in towns]
        return cls(towns, list(accumulate(weights)))

    def pick(self, rng: random.Random):
        x = rng.random() * self.cum_weights[-1]
        return self.towns[bisect.bisect_right(self.cum_weights, x)]


def scatter_km(population: int) -> float:
    """Standard deviation of the offers' distance from the town centre: 1 km for a village,
    about 5 km for a city of a million, at most 8 km."""
    return min(1.0 + 1.5 * math.sqrt(population / 100_000), 8.0)


def jitter(rng: random.Random, lat: float, lon: float, sigma_km: float) -> tuple[float, float]:
    while True:
        dx, dy = rng.gauss(0, sigma_km), rng.gauss(0, sigma_km)
        if math.hypot(dx, dy) <= 3 * sigma_km:
            break
    lat2 = lat + dy / _KM_PER_DEG_LAT
    lon2 = lon + dx / (_KM_PER_DEG_LAT * math.cos(math.radians(lat)))
    return round(lat2, 6), round(lon2, 6)


def _schedule(rng: random.Random, now_local: datetime) -> tuple[datetime, str | None, list[str]]:
    """(starts_local, rrule, exdates): ~60 % weekly, ~20 % monthly nth weekday, ~20 % one-off."""
    kind = rng.random()
    hour, minute = rng.randint(9, 19), rng.choice((0, 0, 30))
    if kind < 0.8:
        first = _SERIES_FROM + timedelta(days=rng.randrange(_SERIES_DAYS))
        start = datetime(first.year, first.month, first.day, hour, minute)
        day = _WEEKDAYS[first.weekday()]
        exdates = _HOLIDAYS if rng.random() < 0.3 else []
        if kind < 0.6:
            r = rng.random()
            if r < 0.75:
                rule = f"FREQ=WEEKLY;BYDAY={day}"
            elif r < 0.9:
                other = _WEEKDAYS[(first.weekday() + rng.randint(2, 4)) % 7]
                rule = f"FREQ=WEEKLY;BYDAY={day},{other}"
            else:
                rule = f"FREQ=WEEKLY;INTERVAL=2;BYDAY={day}"
        else:
            nth = rng.choice((1, 1, 2, 3, 4, -1))
            rule = f"FREQ=MONTHLY;BYDAY={nth}{day}"
        return start, rule, exdates
    day = now_local.date() + timedelta(days=rng.randrange(21))
    start = datetime(day.year, day.month, day.day, hour, minute)
    return start, None, []


def generate(offers: int, seed: int, towns: Towns, now: datetime = NOW):
    """Yields (offer rows, occurrence rows) per batch; the same seed gives the same data."""
    rng = random.Random(seed)
    now_local = to_local(now)
    until = now + HORIZON
    keys = [c.key for c in CATEGORIES]
    costs = list(Cost)
    maybe = (None, None, YesNo.YES, YesNo.NO)
    wheelchair = (None, Wheelchair.YES, Wheelchair.LIMITED, Wheelchair.NO)
    for first in range(1, offers + 1, BATCH):
        offer_rows, occurrence_rows = [], []
        for offer_id in range(first, min(first + BATCH, offers + 1)):
            town = towns.pick(rng)
            lat, lon = jitter(rng, town.lat, town.lon, scatter_km(town.population))
            category = rng.choice(keys)
            starts_local, rule, exdates = _schedule(rng, now_local)
            duration = rng.choice(_DURATIONS)
            row = {
                "id": offer_id,
                "title": f"{category} #{offer_id} in {town.name}"[:120],
                "description": "",
                "category": category,
                "organiser": "",
                "venue_name": "",
                "address": "",
                "place_name": town.name[:80],
                "latitude": lat,
                "longitude": lon,
                "wheelchair": rng.choice(wheelchair),
                "toilets_wheelchair": rng.choice(maybe),
                "audio_loop": rng.choice(maybe),
                "cost": rng.choice(costs),
                "price": "",
                "contact": "",
                "status": OfferStatus.PUBLISHED,
                "is_example": False,
                "owner_id": None,
                "starts_local": starts_local,
                "duration_minutes": duration,
                "rrule": rule,
                "exdates": exdates,
                "materialised_until": until,
                "created_at": now,
                "updated_at": now,
            }
            offer_rows.append(row)
            # Exactly what models.occurrences.refresh() inserts for a published offer.
            offer = Offer(
                id=offer_id,
                latitude=lat,
                longitude=lon,
                category=category,
                starts_local=starts_local,
                duration_minutes=duration,
                rrule=rule,
                exdates=exdates,
            )
            occurrence_rows.extend(_rows(offer, now - MAX_DURATION, until))
        yield offer_rows, occurrence_rows


async def _build_sqlite(path: Path, offers: int, seed: int) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
        towns = Towns.load()
        async with engine.begin() as conn:
            await conn.exec_driver_sql("PRAGMA synchronous=OFF")
            for offer_rows, occurrence_rows in generate(offers, seed, towns):
                await conn.execute(insert(Offer), offer_rows)
                await add_rows(conn, occurrence_rows)
        async with engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        await engine.dispose()


def build_sqlite(
    directory: Path, offers: int, seed: int, rebuild: bool = False
) -> tuple[Path, float | None]:
    """The cached SQLite file for (offers, seed), built when missing; (path, build seconds)."""
    path = cache_path(directory, offers, seed)
    if path.exists() and not rebuild:
        return path, None
    directory.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".building-{os.getpid()}")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        asyncio.run(_build_sqlite(tmp, offers, seed))
        os.replace(tmp, path)
    finally:
        for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            p.unlink(missing_ok=True)
    return path, time.perf_counter() - started


def _converter(column):
    """Python value as read through SQLAlchemy -> what asyncpg's COPY expects for the column."""
    kind = column.type
    if isinstance(kind, EpochSeconds):
        return lambda v: None if v is None else int(v.timestamp())
    if isinstance(kind, UTCDateTime):
        return lambda v: None if v is None else v.astimezone(UTC).replace(tzinfo=None)
    if isinstance(kind, SAEnum):
        return lambda v: None if v is None else getattr(v, "value", v)
    if isinstance(kind, JSON):
        return lambda v: None if v is None else json.dumps(v)
    return None


def _records(sqlite_path: Path, table) -> tuple[list[str], list[tuple]]:
    engine = create_sync_engine(f"sqlite:///{sqlite_path}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
    finally:
        engine.dispose()
    columns = [c.name for c in table.columns]
    converters = [(i, f) for i, c in enumerate(table.columns) if (f := _converter(c))]
    records = []
    for row in rows:
        values = list(row)
        for i, f in converters:
            values[i] = f(values[i])
        records.append(tuple(values))
    return columns, records


async def load_postgres(url: str, sqlite_path: Path) -> float:
    """Copy the cached SQLite data set into the PostgreSQL database at `url`; returns seconds."""
    import asyncpg
    from sqlalchemy.engine import make_url

    started = time.perf_counter()
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    u = make_url(url)
    conn = await asyncpg.connect(
        host=u.host, port=u.port, user=u.username, password=u.password, database=u.database
    )
    try:
        for table in (Offer.__table__, Occurrence.__table__, CellSpan.__table__):
            columns, records = _records(sqlite_path, table)
            async with conn.transaction():
                await conn.copy_records_to_table(table.name, records=records, columns=columns)
            if "id" in table.c:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT max(id) FROM {table.name}))"
                )
        await conn.execute("VACUUM ANALYZE offers")
        await conn.execute("VACUUM ANALYZE occurrences")
        for table in ("offers", "occurrences"):
            await _all_visible(conn, table)
    finally:
        await conn.close()
    return time.perf_counter() - started


async def _all_visible(conn, table: str, tries: int = 20) -> None:
    """VACUUM again until the table's pages are all marked all-visible, as autovacuum keeps
    them in a database that has run for a while. The throwaway server commits asynchronously:
    for a moment after the load VACUUM cannot set the new rows' commit hint bits and leaves
    the pages unmarked, and index-only scans would read the table for every row."""
    for _ in range(tries):
        pages, visible = await conn.fetchrow(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = $1", table
        )
        if visible >= pages:
            return
        await asyncio.sleep(0.5)
        await conn.execute(f"VACUUM {table}")


async def counts(engine) -> tuple[int, int]:
    async with engine.connect() as conn:
        offers = await conn.scalar(select(func.count()).select_from(Offer))
        occurrences = await conn.scalar(select(func.count()).select_from(Occurrence))
    return offers, occurrences
