"""Nearby search on the store: radius, time windows, recurrence, status, order, paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from models import Occurrence, Offer, OfferStatus, occurrences
from models.schedule import to_local
from models.search import Query, nearby

from .support import add_offer

LAT, LON = 51.8365, 10.7822  # Wernigerode, as the gazetteer has it
KM_LAT = 1 / 111.195  # degrees of latitude per kilometre (geopy's great-circle radius)
T0 = datetime(2026, 11, 25, 9, tzinfo=UTC)


def week(now, **kw):
    return Query(
        lat=LAT,
        lon=LON,
        radius_km=kw.pop("radius_km", 10),
        start=now,
        end=now + timedelta(days=7),
        **kw,
    )


async def search(sessions, query, **kw):
    async with sessions() as session:
        return await nearby(session, query, **kw)


async def test_radius_edge_is_inclusive_and_exact(sessions, now):
    await add_offer(sessions, now, title="inside", latitude=LAT + 9.95 * KM_LAT, longitude=LON)
    await add_offer(sessions, now, title="outside", latitude=LAT + 10.05 * KM_LAT, longitude=LON)
    # In a corner of the bounding box but 13 km away: the box alone would let it in.
    await add_offer(
        sessions,
        now,
        title="corner",
        latitude=LAT + 9 * KM_LAT,
        longitude=LON + 9.5 * KM_LAT / 0.6187,
    )
    hits = await search(sessions, week(now))
    assert [h.title for h in hits] == ["inside"]
    assert hits[0].distance_km == pytest.approx(9.95, abs=0.01)


async def test_orders_by_time_then_distance(sessions, now):
    await add_offer(
        sessions,
        now,
        title="later, near",
        latitude=LAT,
        longitude=LON,
        starts_local=datetime(2026, 11, 27, 15),
    )
    await add_offer(
        sessions,
        now,
        title="sooner, far",
        latitude=LAT + 5 * KM_LAT,
        longitude=LON,
        starts_local=datetime(2026, 11, 26, 15),
    )
    await add_offer(
        sessions,
        now,
        title="sooner, near",
        latitude=LAT + 1 * KM_LAT,
        longitude=LON,
        starts_local=datetime(2026, 11, 26, 15),
    )
    hits = await search(sessions, week(now))
    assert [h.title for h in hits] == ["sooner, near", "sooner, far", "later, near"]


async def test_time_windows(sessions, now):
    today_local = to_local(now)  # Wednesday 10:00 in Berlin
    await add_offer(sessions, now, title="today", starts_local=today_local.replace(hour=15))
    await add_offer(sessions, now, title="in six days", starts_local=datetime(2026, 12, 1, 15))
    await add_offer(sessions, now, title="in ten days", starts_local=datetime(2026, 12, 5, 15))
    await add_offer(
        sessions,
        now,
        title="this morning, over",
        starts_local=today_local.replace(hour=7),
        duration_minutes=60,
    )
    await add_offer(
        sessions,
        now,
        title="running now",
        starts_local=today_local.replace(hour=9),
        duration_minutes=180,
    )

    def window(days):
        return Query(lat=LAT, lon=LON, radius_km=10, start=now, end=now + timedelta(days=days))

    assert [h.title for h in await search(sessions, window(0.5))] == ["running now", "today"]
    assert [h.title for h in await search(sessions, window(7))] == [
        "running now",
        "today",
        "in six days",
    ]
    assert len(await search(sessions, window(14))) == 4


async def test_a_long_gathering_still_running_is_found_after_short_ones_in_its_cell(sessions, now):
    """Each cell is walked back only as far as its longest gathering (models.offers.CellSpan):
    a ten-hour one published later in a cell of two-hour ones must widen that, not be missed."""
    from models import CellSpan

    today_local = to_local(now)  # Wednesday 10:00 in Berlin
    await add_offer(sessions, now, title="two hours", starts_local=today_local.replace(hour=9))
    await add_offer(
        sessions,
        now,
        title="all day",
        starts_local=today_local.replace(hour=1),
        duration_minutes=600,
        latitude=LAT + 0.5 * KM_LAT,
    )
    hits = await search(sessions, week(now))
    assert [(h.title, to_local(h.starts_at).hour) for h in hits[:2]] == [
        ("all day", 1),
        ("two hours", 9),
    ]
    async with sessions() as session:
        spans = (await session.scalars(select(CellSpan.longest))).all()
    assert spans == [600 * 60]
    # Shortened again, the span stays (it only grows): nothing that runs is ever cut off.
    async with sessions() as session, session.begin():
        offer = await session.scalar(select(Offer).where(Offer.title == "all day"))
        offer.duration_minutes = 60
        await occurrences.refresh(session, offer, now)
    async with sessions() as session:
        assert (await session.scalars(select(CellSpan.longest))).all() == [600 * 60]
    assert [h.title for h in (await search(sessions, week(now)))[:1]] == ["two hours"]


async def test_weekly_offer_appears_at_its_real_next_dates(sessions, now):
    await add_offer(
        sessions,
        now,
        title="Dienstagscafé",
        rrule="FREQ=WEEKLY;BYDAY=TU",
        starts_local=datetime(2026, 1, 6, 15),
        exdates=["2026-12-08"],
    )
    query = Query(lat=LAT, lon=LON, radius_km=10, start=now, end=now + timedelta(days=21))
    starts = [to_local(h.starts_at) for h in await search(sessions, query)]
    # 1 Dec, (8 Dec is an exception), 15 Dec: always 15:00 Berlin time.
    assert starts == [datetime(2026, 12, 1, 15), datetime(2026, 12, 15, 15)]


async def test_recurrence_keeps_local_time_across_dst_weekend(sessions):
    now = datetime(2027, 3, 26, 12, 0, tzinfo=UTC)  # Friday before the clocks change
    await add_offer(
        sessions,
        now,
        title="Sonntagsspaziergang",
        rrule="FREQ=WEEKLY;BYDAY=SA,SU",
        starts_local=datetime(2027, 1, 2, 10),
        category="walk",
    )
    query = Query(lat=LAT, lon=LON, radius_km=10, start=now, end=now + timedelta(days=3))
    hits = await search(sessions, query)
    assert [to_local(h.starts_at) for h in hits] == [
        datetime(2027, 3, 27, 10),
        datetime(2027, 3, 28, 10),
    ]
    # Saturday is still winter time (UTC+1), Sunday already summer time (UTC+2).
    assert [h.starts_at.hour for h in hits] == [9, 8]


async def test_cancelled_draft_and_past_offers_are_not_found(sessions, now):
    await add_offer(sessions, now, title="published")
    await add_offer(sessions, now, title="cancelled", status=OfferStatus.CANCELLED)
    await add_offer(sessions, now, title="pending", status=OfferStatus.PENDING)
    await add_offer(sessions, now, title="last week", starts_local=datetime(2026, 11, 18, 15))
    assert [h.title for h in await search(sessions, week(now))] == ["published"]


async def test_category_filter(sessions, now):
    await add_offer(sessions, now, title="café", category="cafe")
    await add_offer(sessions, now, title="stube", category="warm_room")
    hits = await search(sessions, week(now, categories=frozenset({"warm_room"})))
    assert [h.title for h in hits] == ["stube"]


async def test_paging_walks_deeper_than_one_cell_quota(sessions, now):
    # 30 daily offers in the same cell: the per-cell walk must deepen to page past them,
    # and a nearer offer in another cell must still interleave by time.
    for day in range(30):
        await add_offer(
            sessions,
            now,
            title=f"day {day:02}",
            rrule=None,
            starts_local=datetime(2026, 11, 26, 8) + timedelta(hours=day * 5),
        )
    await add_offer(
        sessions,
        now,
        title="other cell",
        latitude=LAT + 6 * KM_LAT,
        starts_local=datetime(2026, 11, 28, 9),
    )
    query = Query(lat=LAT, lon=LON, radius_km=10, start=now, end=now + timedelta(days=14))
    first = await search(sessions, query, limit=10)
    second = await search(sessions, query, limit=10, offset=10)
    everything = await search(sessions, query, limit=100)
    assert len(everything) == 31
    assert [h.title for h in first + second] == [h.title for h in everything[:20]]
    assert [h.starts_at for h in everything] == sorted(h.starts_at for h in everything)
    assert "other cell" in [h.title for h in everything]


async def test_search_plan_uses_the_cell_time_index(sessions, engine, now):
    """Check the plan on both databases: the (cell, starts_at) index, never a table scan."""
    from models.geo import cells_covering
    from models.search import _statement

    async with engine.connect() as connection:
        # The statement this database is sent: SQLite's merged compound, PostgreSQL's laterals.
        merged = connection.dialect.name == "sqlite"
        stmt = _statement(week(now), cells_covering(LAT, LON, 10), depth=20, merged=merged)
        compiled = stmt.compile(connection.sync_engine, compile_kwargs={"literal_binds": True})
        if connection.dialect.name == "sqlite":
            plan = " ".join(
                str(r[-1])
                for r in await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            )
            assert "ix_occurrences_walk" in plan
            assert "SCAN occurrences" not in plan
        else:
            # The plan PostgreSQL picks depends on its statistics, so give it a realistic table:
            # many cells, weeks of dates, then fresh statistics (not ones left by earlier tests).
            await add_offer(sessions, now)
            await connection.exec_driver_sql(
                "INSERT INTO occurrences"
                " (offer_id, starts_at, ends_at, cell, latitude, longitude, category)"
                " SELECT o.offer_id, o.starts_at + g * 3600, o.ends_at + g * 3600,"
                " o.cell + g % 500, o.latitude, o.longitude, o.category"
                " FROM occurrences o, generate_series(1, 20000) g"
            )
            await connection.exec_driver_sql("ANALYZE occurrences")
            await connection.exec_driver_sql("ANALYZE offers")
            plan = "\n".join(r[0] for r in await connection.exec_driver_sql(f"EXPLAIN {compiled}"))
            await connection.rollback()
            assert "ix_occurrences_walk" in plan, plan
            assert "Seq Scan on occurrences" not in plan, plan


async def test_occurrences_follow_status_changes(sessions, now):
    from models import Offer, occurrences

    offer = await add_offer(
        sessions, now, rrule="FREQ=WEEKLY;BYDAY=TU", starts_local=datetime(2026, 1, 6, 15)
    )
    async with sessions() as session, session.begin():
        stored = await session.get(Offer, offer.id)
        stored.status = OfferStatus.CANCELLED
        assert await occurrences.refresh(session, stored, now) == 0
    async with sessions() as session:
        assert (await session.scalars(select(Occurrence))).all() == []


async def test_lists_can_show_each_offer_once_at_its_next_date(sessions, now):
    await add_offer(
        sessions,
        now,
        title="Warme Stube",
        rrule="FREQ=WEEKLY;BYDAY=MO,TH",
        starts_local=datetime(2026, 1, 5, 11),
    )
    await add_offer(sessions, now, title="Café", starts_local=datetime(2026, 11, 27, 15))
    every = await search(sessions, week(now))
    assert [h.title for h in every] == ["Warme Stube", "Café", "Warme Stube"]
    once = await search(sessions, week(now, once_per_offer=True))
    assert [(h.title, to_local(h.starts_at)) for h in once] == [
        ("Warme Stube", datetime(2026, 11, 26, 11)),
        ("Café", datetime(2026, 11, 27, 15)),
    ]


async def test_pages_match_a_brute_force_answer(sessions, now):
    """Many offers over many cells and times: every page equals sorting everything by hand."""
    import random

    from geopy.distance import great_circle

    rng = random.Random(7)
    for n in range(60):
        await add_offer(
            sessions,
            now,
            title=f"o{n}",
            latitude=LAT + rng.uniform(-0.15, 0.15),
            longitude=LON + rng.uniform(-0.25, 0.25),
            starts_local=datetime(2026, 11, 25, 11) + timedelta(hours=rng.randrange(0, 160, 4)),
        )
    query = Query(lat=LAT, lon=LON, radius_km=12, start=now, end=now + timedelta(days=7))
    async with sessions() as session:
        rows = (await session.execute(select(Occurrence))).scalars().all()
    expected = sorted(
        (
            (o.starts_at, great_circle((LAT, LON), (o.latitude, o.longitude)).km, o.id)
            for o in rows
            if great_circle((LAT, LON), (o.latitude, o.longitude)).km <= 12
            and o.starts_at < query.end
        ),
    )
    assert len(expected) > 15
    got = []
    for page in range(0, len(expected) + 3, 3):
        got += [
            (h.starts_at, h.occurrence_id)
            for h in await search(sessions, query, limit=3, offset=page)
        ]
    assert got == [(s, i) for s, _, i in expected]


@hypothesis_settings(max_examples=500)
@given(st.floats(46.0, 56.0), st.floats(5.0, 16.0), st.floats(46.0, 56.0), st.floats(5.0, 16.0))
def test_the_plain_great_circle_is_geopys_to_the_last_bit(lat1, lon1, lat2, lon2):
    """The hot path measures without geopy; geopy stays the reference."""
    from geopy.distance import great_circle

    from places.geo import great_circle_km

    assert great_circle_km(lat1, lon1, lat2, lon2) == great_circle((lat1, lon1), (lat2, lon2)).km


async def test_many_meetings_at_the_same_minute_page_in_distance_order(sessions, now):
    """Dozens start at the same time (a big town): the walk is cut inside that minute, so the
    order within it must still be the great circle's, ties by id, every page as by hand; some
    sit exactly as far away as others, some just outside the radius."""
    import random

    from geopy.distance import great_circle

    rng = random.Random(11)
    spots = [(LAT + rng.uniform(-0.1, 0.1), LON + rng.uniform(-0.16, 0.16)) for _ in range(40)]
    spots += [(LAT, LON + 0.05), (LAT, LON - 0.05), (LAT + 0.03, LON), (LAT - 0.03, LON)]
    spots += [(LAT + 10.001 * KM_LAT, LON), (LAT - 9.999 * KM_LAT, LON)]  # the edge
    for n, (lat, lon) in enumerate(spots):
        await add_offer(
            sessions,
            now,
            title=f"o{n}",
            latitude=lat,
            longitude=lon,
            rrule="FREQ=WEEKLY;BYDAY=TH,FR" if n % 3 else None,
            starts_local=datetime(2026, 11, 26, 15) if n % 4 else datetime(2026, 11, 27, 15),
        )
    query = week(now)
    async with sessions() as session:
        rows = (await session.execute(select(Occurrence))).scalars().all()
    expected = sorted(
        (o.starts_at, great_circle((LAT, LON), (o.latitude, o.longitude)).km, o.id, o.offer_id)
        for o in rows
        if great_circle((LAT, LON), (o.latitude, o.longitude)).km <= 10 and o.starts_at < query.end
    )
    firsts: dict[int, int] = {}
    for _, _, occurrence, offer in expected:
        firsts.setdefault(offer, occurrence)
    assert len(expected) > 40
    for once, answer in ((False, [e[2] for e in expected]), (True, list(firsts.values()))):
        q = week(now, once_per_offer=once)
        got = []
        for page in range(0, len(answer) + 3, 3):
            got += [h.occurrence_id for h in await search(sessions, q, limit=3, offset=page)]
        assert got == answer
        assert [h.occurrence_id for h in await search(sessions, q, limit=7)] == answer[:7]


async def test_the_by_distance_walk_is_still_a_merge(sessions, engine, now):
    """On SQLite the deeper walk orders a start time's rows by distance in each cell's walk
    and merges the walks in time order: no sort of everything, no table scan."""
    from models.geo import cells_covering
    from models.search import _statement

    stmt = _statement(week(now), cells_covering(LAT, LON, 10), 20, 48, by_distance=True)
    async with engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            pytest.skip("PostgreSQL sorts each cell's walk (models.search._merges)")
        compiled = stmt.compile(connection.sync_engine, compile_kwargs={"literal_binds": True})
        plan = [
            str(r[-1]) for r in await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
        ]
    assert "MERGE (UNION ALL)" in plan
    assert plan.count("USE TEMP B-TREE FOR RIGHT PART OF ORDER BY") == len(
        cells_covering(LAT, LON, 10)
    )
    assert not any(line.startswith("SCAN occurrences") for line in plan)


@hypothesis_settings(max_examples=500)
@given(
    st.floats(47.0, 55.2),
    st.floats(5.5, 15.4),
    st.floats(0.5, 50.0),
    st.floats(-1.0, 1.0),
    st.floats(-1.0, 1.0),
)
def test_the_planar_distance_never_overstates_by_more_than_its_floor(lat, lon, radius, fy, fx):
    """The deeper walk's cut is decided with great circle ≥ floor × planar distance for any
    point of the bounding box, less the rounding (models.search._planar_floor)."""
    import math

    from models.geo import bounding_box
    from models.search import _KM_PER_DEG, _ROUNDING_KM, _planar_floor
    from places.geo import great_circle_km

    q = Query(lat=lat, lon=lon, radius_km=radius, start=T0, end=T0 + timedelta(days=1))
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    plat = lat + fy * (max_lat - lat if fy > 0 else lat - min_lat)
    plon = lon + fx * (max_lon - lon if fx > 0 else lon - min_lon)
    planar = math.sqrt((plat - lat) ** 2 + ((plon - lon) * math.cos(math.radians(lat))) ** 2)
    floor = _planar_floor(q)
    assert 0.99 < floor < 1
    assert great_circle_km(lat, lon, plat, plon) >= floor * _KM_PER_DEG * planar - _ROUNDING_KM


async def test_a_cut_between_two_near_equal_distances_takes_the_nearer(sessions, now):
    """The walk is cut at a row whose plane distance is smaller but great circle larger than a
    row just past the cut: the answer must still be the nearer one by the great circle."""
    import math

    from geopy.distance import great_circle

    from places.geo import great_circle_km

    def at(km, bearing):
        p = great_circle(kilometers=km).destination((LAT, LON), bearing)
        return p.latitude, p.longitude

    second = datetime(2026, 11, 27, 15)
    # 22 meetings a day before (add_offer's time), all just outside the circle (in its
    # bounding box and plane margin): the first walks are cut among them.
    for n in range(22):
        lat, lon = at(10.002, 185 + 2 * n)
        await add_offer(sessions, now, title=f"ring {n}", latitude=lat, longitude=lon)
    near_east, south = at(5.0, 45), at(5.0003, 180)
    for title, (lat, lon) in (("near", at(1, 90)), ("north-east", near_east), ("south", south)):
        await add_offer(
            sessions, now, title=title, latitude=lat, longitude=lon, starts_local=second
        )
    cos = math.cos(math.radians(LAT))

    def plane(p):
        return math.hypot(p[0] - LAT, (p[1] - LON) * cos)

    # North-east is nearer by the great circle, south nearer in the plane.
    assert great_circle_km(LAT, LON, *near_east) < great_circle_km(LAT, LON, *south)
    assert plane(near_east) > plane(south)
    hits = await search(sessions, week(now), limit=2)
    assert [h.title for h in hits] == ["near", "north-east"]
    assert [to_local(h.starts_at) for h in hits] == [second, second]
    hits = await search(sessions, week(now), limit=3)
    assert [h.title for h in hits] == ["near", "north-east", "south"]
