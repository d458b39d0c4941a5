"""The web face's speed over HTTP, against a bare aiohttp handler measured in the same run.

    python -m benchmarks --only web            # 100,000 offers (SQLite), 1,000 place pages
    python -m benchmarks --only web --quick    # 5,000 offers, 200 pages: a smoke run

The real application (web.app.make_app) serves the benchmark's data set on 127.0.0.1; one
aiohttp client with keep-alive asks, one request at a time:
- place pages `/ort/<town>` for population-weighted towns (the nearby search, the offers, the
  template): target p50 <= 20 ms, p99 <= 50 ms;
- an unchanged calendar feed `/ort/<town>.ics` with its ETag (a 304): target p50 <= 2 ms;
- the printable notice `/aushang/<town>.pdf` (Typst, QR code): target p50 <= 300 ms.
Two baselines through the same server and client, in the same run: a handler returning a fixed
short page (the cost of HTTP itself), and one that runs only the chat's nearby search for the
same town (models.search.nearby, 20 results): the ratio says what the page adds to the search.
Writes var/bench/web.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from models.db import create_engine, session_factory
from models.search import nearby
from places import Gazetteer
from publish.links import Links
from web.app import WebContext, make_app
from web.query import Filters

from .cli import finish_common, run_standalone
from .dataset import NOW, Towns, build_sqlite
from .nearby import summary_ms

TARGETS = {"place_p50": 20.0, "place_p99": 50.0, "feed_304_p50": 2.0, "notice_p50": 300.0}


def add_arguments(ap: argparse.ArgumentParser) -> None:
    g = ap.add_argument_group("web face (benchmarks/web.py)")
    g.add_argument("--pages", type=int, default=None, help="timed place pages (1000)")
    g.add_argument("--notices", type=int, default=None, help="timed notice PDFs (30)")


def finish_args(args) -> None:
    finish_common(args)
    args.pages = args.pages or (200 if args.quick else 1_000)
    args.notices = args.notices or (10 if args.quick else 30)


def main(argv=None) -> int:
    return run_standalone(sys.modules[__name__], argv)


async def _timed(
    client: ClientSession, urls: list[str], headers=None, expect: int = 200
) -> list[float]:
    times = []
    for url in urls:
        start = time.perf_counter()
        async with client.get(url, headers=headers) as response:
            await response.read()
            status = response.status
        times.append(time.perf_counter() - start)
        if status != expect:
            raise RuntimeError(f"{url}: HTTP {status}, expected {expect}")
    return times


async def _measure(sqlite_path, args) -> dict:
    engine = create_engine(f"sqlite+aiosqlite:///{sqlite_path}")
    places = Gazetteer.load()
    context = WebContext(
        session_factory(engine),
        places,
        lambda: NOW,
        Links(web="https://nahbar.example.org", telegram_bot="nahbar_bot", phone="0391 000"),
        requests_per_minute=100_000_000,
    )
    app = make_app(context)

    async def bare(request):
        return web.Response(
            text="<!doctype html><title>x</title><p>x</p>", content_type="text/html"
        )

    async def search_only(request):
        place = places.get(request.match_info["place"])
        async with context.sessions() as session:
            hits = await nearby(session, Filters().area(place, NOW).query(), limit=20)
        return web.Response(text=str(len(hits)))

    app.router.add_get("/bench-baseline", bare)
    app.router.add_get("/bench-search/{place}", search_only)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    towns = Towns.load()
    rng = random.Random(f"web-{args.seed}")
    ids = [towns.pick(rng).id for _ in range(args.pages)]
    base = str(server.make_url(""))
    try:
        async with ClientSession(base) as client:
            await _timed(client, [f"/ort/{i}" for i in ids[:30]])  # warm-up
            await _timed(client, ["/bench-baseline"] * 30)
            baseline = await _timed(client, ["/bench-baseline"] * args.pages)
            searches = await _timed(client, [f"/bench-search/{i}" for i in ids])
            pages = await _timed(client, [f"/ort/{i}" for i in ids])
            feed = f"/ort/{ids[0]}.ics"
            async with client.get(feed) as first:
                etag = first.headers["ETag"]
                size = len(await first.read())
            unchanged = await _timed(
                client, [feed] * args.pages, headers={"If-None-Match": etag}, expect=304
            )
            notices = await _timed(client, [f"/aushang/{i}.pdf" for i in ids[: args.notices]])
    finally:
        await server.close()
        await engine.dispose()
    figures = {
        "baseline": summary_ms(baseline),
        "search_only": summary_ms(searches),
        "place_page": summary_ms(pages),
        "feed_304": summary_ms(unchanged),
        "feed_bytes": size,
        "notice_pdf": summary_ms(notices),
    }
    figures["place_vs_baseline"] = figures["place_page"]["p50"] / figures["baseline"]["p50"]
    figures["place_vs_search"] = figures["place_page"]["p50"] / figures["search_only"]["p50"]
    figures["feed_304_vs_baseline"] = figures["feed_304"]["p50"] / figures["baseline"]["p50"]
    return figures


def run(args) -> int:
    args.dir.mkdir(parents=True, exist_ok=True)
    sqlite_path, build_s = build_sqlite(args.dir, args.offers, args.seed, rebuild=args.rebuild)
    print(
        f"SQLite data set: {sqlite_path}"
        + (" (cached)" if build_s is None else f" built in {build_s:.1f} s")
    )
    f = asyncio.run(_measure(sqlite_path, args))
    rows = [
        ("bare aiohttp page (baseline)", f["baseline"]),
        ("nearby search alone (baseline)", f["search_only"]),
        ("place page /ort/<town>", f["place_page"]),
        ("unchanged feed, 304", f["feed_304"]),
        ("notice PDF /aushang/<town>.pdf", f["notice_pdf"]),
    ]
    print(f"\n{args.offers:,} offers; one client, keep-alive, one request at a time")
    print(f"{'':34} {'n':>5} {'p50 ms':>9} {'p99 ms':>9}")
    for name, s in rows:
        print(f"{name:34} {s['n']:>5} {s['p50']:>9.2f} {s['p99']:>9.2f}")
    print(
        f"place page p50 = {f['place_vs_search']:.1f}x the search alone, "
        f"{f['place_vs_baseline']:.1f}x the bare page; 304 = {f['feed_304_vs_baseline']:.2f}x"
    )
    checks = [
        ("place page p50 <= 20 ms", f["place_page"]["p50"] <= TARGETS["place_p50"]),
        ("place page p99 <= 50 ms", f["place_page"]["p99"] <= TARGETS["place_p99"]),
        ("unchanged feed (304) p50 <= 2 ms", f["feed_304"]["p50"] <= TARGETS["feed_304_p50"]),
        ("notice PDF p50 <= 300 ms", f["notice_pdf"]["p50"] <= TARGETS["notice_p50"]),
    ]
    for name, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {name}")
    out = args.dir / "web.json"
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
