"""The coordinators' views at scale, against the nearby search measured in the same run.

    python -m benchmarks --only coord          # 100,000 offers (SQLite), 1,000,000 logged searches
    python -m benchmarks --only coord --quick  # 5,000 offers: a smoke run

On a copy of the benchmark's data set, 1,000,000 searches without a result are logged as the
chat logs them (models.unmet: one upsert per municipality and month, so a million searches are
a few hundred rows; the cost of counting one search is measured too), 50,000 reminders and
20,000 "Ich komme" answers for dates this month are added on offers in the state, and 1,000 of
its offers made stale. Then, one at a time:
- `/lage` for the whole state through the chat core (the situation for all 218 municipalities,
  suppression, the PNG map), with one more search counted before each (so the map is drawn
  again): target p50 <= 200 ms; and with nothing changed;
- the map page `/koordination` over HTTP with a session, with nothing changed and with one more
  search counted before each: target p50 <= 100 ms for both; and after an offer changed
  before each (the offers' coverage worked out again).
Baseline in the same run: the chat's nearby search for one town (20 results). Writes
var/bench/coord.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import time
from datetime import timedelta

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from sqlalchemy import func

from handlers.core import Nahbar
from handlers.messages import Incoming
from handlers.services import Services
from models import User
from models.coordination import CoordinatorList
from models.db import create_engine, session_factory, upgrade
from models.search import Query, nearby
from models.situation import months_before
from models.unmet import count_unmet
from models.web_login import new_link
from places import Gazetteer
from places.municipalities import load
from publish.links import Links
from web.app import WebContext, make_app

from .cli import finish_common, run_standalone
from .dataset import NOW, build_sqlite
from .nearby import summary_ms

TARGETS = {"lage_p50": 200.0, "map_page_p50": 100.0, "map_page_after_search_p50": 100.0}
SEARCHES = 1_000_000


def add_arguments(ap: argparse.ArgumentParser) -> None:
    g = ap.add_argument_group("coordinators (benchmarks/coord.py)")
    g.add_argument("--views", type=int, default=None, help="timed /lage answers and map pages (50)")


def finish_args(args) -> None:
    finish_common(args)
    args.views = args.views or (10 if args.quick else 50)


def main(argv=None) -> int:
    return run_standalone(sys.modules[__name__], argv)


async def _log_searches(sessions, now) -> float:
    """1,000,000 searches spread over the municipalities and three months; returns the seconds
    one counted search takes (median of 1,000 single upserts)."""
    rng = random.Random(17)
    outlines = load().outlines
    weights = [max(o.residents, 100) for o in outlines]
    per: dict[tuple[str, str], int] = {}
    months = months_before(now, 3)
    for _ in range(10_000):  # 10,000 draws of 100 searches each
        ags = rng.choices(outlines, weights)[0].ags
        key = (ags, rng.choice(months))
        per[key] = per.get(key, 0) + 100
    async with sessions() as session, session.begin():
        from sqlalchemy import delete

        from models.unmet import UnmetSearch

        await session.execute(delete(UnmetSearch))
    async with sessions() as session, session.begin():
        for (ags, month), count in per.items():
            year, number = (int(x) for x in month.split("-"))
            await count_unmet(
                session, ags, now.replace(year=year, month=number, day=15), times=count
            )
    singles = []
    for i in range(1_000):
        start = time.perf_counter()
        async with sessions() as session, session.begin():
            await count_unmet(session, outlines[i % len(outlines)].ags, now)
        singles.append(time.perf_counter() - start)
    singles.sort()
    return singles[len(singles) // 2]


async def _interest(sessions, places, now) -> dict:
    """Reminders, "Ich komme" answers this month, and stale offers, on offers in the state."""
    from sqlalchemy import delete, insert, select, update

    from models import Occurrence, Offer
    from models.offer_coverage import in_box
    from models.reminders import Attendance, Reminder

    rng = random.Random(18)
    async with sessions() as session, session.begin():
        ids = list(
            await session.scalars(select(Offer.id).where(in_box(Offer.latitude, Offer.longitude)))
        )
        starts = dict(
            (
                await session.execute(
                    select(Occurrence.offer_id, func.min(Occurrence.starts_at))
                    .where(Occurrence.offer_id.in_(ids[:20_000]))
                    .group_by(Occurrence.offer_id)
                )
            ).all()
        )
        await session.execute(
            insert(User),
            [{"platform": "terminal", "platform_id": f"resident{n}"} for n in range(5_000)],
        )
        users = list(
            await session.scalars(select(User.id).where(User.platform_id.like("resident%")))
        )
        reminders = {(u, o) for u in users for o in rng.sample(ids, 10)}
        await session.execute(
            insert(Reminder),
            [
                {
                    "user_id": u,
                    "offer_id": o,
                    "chat": "terminal:x",
                    "evening_before": True,
                    "created_at": now,
                }
                for u, o in reminders
            ],
        )
        dated = sorted(starts)
        coming = {(rng.choice(users), rng.choice(dated)) for _ in range(20_000)}
        await session.execute(
            insert(Attendance),
            [
                {
                    "user_id": u,
                    "offer_id": o,
                    "starts_at": starts[o],
                    "coming": True,
                    "answered_at": now,
                }
                for u, o in coming
            ],
        )
        stale = rng.sample(ids, min(1_000, len(ids) // 5))
        await session.execute(
            update(Offer).where(Offer.id.in_(stale)).values(created_at=now - timedelta(days=200))
        )
        await session.execute(delete(Occurrence).where(Occurrence.offer_id.in_(stale)))
    return {"reminders": len(reminders), "coming": len(coming), "stale": len(stale)}


async def _timed(times: int, before, action, warm: int = 0) -> list[float]:
    out = []
    for i in range(times + warm):
        if before is not None:
            await before(i)
        start = time.perf_counter()
        await action()
        if i >= warm:
            out.append(time.perf_counter() - start)
    return out


async def _measure(path, args) -> dict:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine)
    sessions = session_factory(engine)
    places = Gazetteer.load()
    count_s = await _log_searches(sessions, NOW)
    added = await _interest(sessions, places, NOW)
    outlines = load().outlines

    async def one_more_search(i):  # in another municipality each time: its shown count changes
        async with sessions() as session, session.begin():
            await count_unmet(session, outlines[(i * 7) % len(outlines)].ags, NOW, times=5)

    async def an_offer_changed(i):
        from sqlalchemy import update

        from models import Offer

        async with sessions() as session, session.begin():
            await session.execute(
                update(Offer).where(Offer.id == 1 + i).values(title=f"Geändert {i}")
            )

    listed = CoordinatorList({"terminal:land": ""})
    core = Nahbar(sessions, Services(places), clock=lambda: NOW)
    core.services.coordinators = listed
    ask = Incoming(platform="terminal", user_id="land", chat_id="land", language="de", text="/lage")
    await core.handle(ask)  # warm-up: the gazetteer's municipalities, the locator's cache
    lage_same = await _timed(args.views, None, lambda: core.handle(ask))
    lage = await _timed(args.views, one_more_search, lambda: core.handle(ask))
    quedlinburg = places.get("m15085235")

    async def search():
        async with sessions() as session:
            await nearby(
                session,
                Query(
                    lat=quedlinburg.lat,
                    lon=quedlinburg.lon,
                    radius_km=10,
                    start=NOW,
                    end=NOW.replace(day=min(NOW.day + 7, 28)),
                    once_per_offer=True,
                ),
                limit=20,
            )

    searches = await _timed(args.views, None, search)
    async with sessions() as session, session.begin():
        from sqlalchemy import select

        user = await session.scalar(select(User).where(User.platform_id == "land"))
        token = new_link(session, user, NOW)
    context = WebContext(
        sessions,
        places,
        lambda: NOW,
        Links(web="http://127.0.0.1"),
        requests_per_minute=100_000_000,
        coordinators=listed,
    )
    server = TestServer(make_app(context), host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession(str(server.make_url(""))) as client:
            async with client.post(f"/koordination/anmelden/{token}", allow_redirects=False) as r:
                cookie = {"Cookie": f"nahbar_koordination={r.cookies['nahbar_koordination'].value}"}

            async def page():
                async with client.get("/koordination", headers=cookie) as r:
                    await r.read()
                    assert r.status == 200, r.status

            pages = await _timed(args.views, None, page, warm=3)
            after_search = await _timed(args.views, one_more_search, page)
            after_change = await _timed(max(args.views // 5, 3), an_offer_changed, page)
    finally:
        await server.close()
        await engine.dispose()
    f = {
        "lage": summary_ms(lage),
        "lage_nothing_changed": summary_ms(lage_same),
        "map_page": summary_ms(pages),
        "map_page_after_search": summary_ms(after_search),
        "map_page_after_offer_change": summary_ms(after_change),
        "search_only": summary_ms(searches),
        "count_one_search_ms": count_s * 1000,
        "logged_searches": SEARCHES + 1_000 + 5 * args.views * 2,
        **added,
    }
    f["lage_vs_search"] = f["lage"]["p50"] / f["search_only"]["p50"]
    f["map_page_vs_search"] = f["map_page"]["p50"] / f["search_only"]["p50"]
    return f


def run(args) -> int:
    args.dir.mkdir(parents=True, exist_ok=True)
    source, build_s = build_sqlite(args.dir, args.offers, args.seed, rebuild=args.rebuild)
    path = args.dir / f"coord-{source.name}"
    shutil.copyfile(source, path)  # the searches are logged into a copy
    print(
        f"SQLite data set: {source}"
        + (" (cached)" if build_s is None else f" built in {build_s:.1f} s")
    )
    try:
        f = asyncio.run(_measure(path, args))
    finally:
        path.unlink(missing_ok=True)
    print(
        f"\n{args.offers:,} offers, {f['logged_searches']:,} searches without a result logged, "
        f"{f['reminders']:,} "
        f'reminders, {f["coming"]:,} "Ich komme" this month, {f["stale"]:,} stale offers; one at a '
        "time"
    )
    print(f"{'':34} {'n':>5} {'p50 ms':>9} {'p99 ms':>9}")
    for name, s in (
        ("nearby search (baseline)", f["search_only"]),
        ("/lage, whole state, chat", f["lage"]),
        ("  nothing changed", f["lage_nothing_changed"]),
        ("map page /koordination, HTTP", f["map_page"]),
        ("  after a search was counted", f["map_page_after_search"]),
        ("  after an offer changed", f["map_page_after_offer_change"]),
    ):
        print(f"{name:34} {s['n']:>5} {s['p50']:>9.2f} {s['p99']:>9.2f}")
    print(
        f"counting one search: {f['count_one_search_ms']:.2f} ms; /lage = "
        f"{f['lage_vs_search']:.0f}x the search, map page = {f['map_page_vs_search']:.0f}x"
    )
    checks = [
        ("/lage p50 <= 200 ms", f["lage"]["p50"] <= TARGETS["lage_p50"]),
        ("map page p50 <= 100 ms", f["map_page"]["p50"] <= TARGETS["map_page_p50"]),
        (
            "map page after a search p50 <= 100 ms",
            f["map_page_after_search"]["p50"] <= TARGETS["map_page_after_search_p50"],
        ),
    ]
    for name, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {name}")
    out = args.dir / "coord.json"
    out.write_text(
        json.dumps(
            {
                "offers": args.offers,
                "now": NOW.isoformat(),
                "targets": TARGETS,
                **f,
                "pass": all(ok for _, ok in checks),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"Figures written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
