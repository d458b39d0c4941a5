"""Nearby-search latency: models.search.nearby against a naive load-everything baseline.

    python -m benchmarks --only nearby   # 100,000 offers, 1,000 queries, SQLite and PostgreSQL
    python -m benchmarks --only nearby --quick   # 5,000 offers, 100 queries: a smoke run
    python -m benchmarks --only nearby --no-postgres --offers 20000 --queries 500
    python -m benchmarks --only nearby --big-offers 1000000   # and SQLite at 1,000,000 offers too

Each timed query is what the bot does for one search: a new AsyncSession from the app's session
factory, `nearby(session, Query(...), limit=20)`, session closed. Query points are seeded random
points near towns (population-weighted), radius 10 km, window now -> now + 7 days, with a fixed
"now" so runs are comparable. The naive baseline loads every published offer's occurrence in the
window into Python, measures each with geopy's great_circle, filters to the radius, sorts by
(start, distance) and takes 20; on its query points the fast and naive answers must agree.

`--big-offers N` runs SQLite a second time on a data set of N offers in the same run (the targets
hold at 1,000,000 too). Not the default: building the 1,000,000-offer file takes about 13
minutes on a shared 2-core machine (once; it is cached under var/bench/, 1.2 GB).

Searches are timed warm, as on a server that has been running: each SQLite file is read once
before (into the operating system's page cache; a 1.2 GB file is otherwise evicted between
benchmarks on a small machine, and the first searches then measure the disk).

Prints a table and PASS/FAIL lines, writes var/bench/nearby.json. Exit code 0 even when a
target is missed (it is a report), 1 when fast and naive answers disagree (that is a bug).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import math
import pstats
import random
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from geopy.distance import great_circle
from sqlalchemy import event, select

from models import Occurrence, Offer, OfferStatus
from models.db import create_engine, session_factory
from models.geo import cells_covering
from models.schedule import MAX_DURATION
from models.search import Query, _statement, nearby

from .cli import TARGET_OFFERS, finish_common, run_standalone
from .dataset import NOW, Towns, build_sqlite, counts, jitter, load_postgres
from .stats import percentile

RADIUS_KM = 10.0
WINDOW = timedelta(days=7)
LIMIT = 20
TARGET_P50_MS, TARGET_P99_MS, TARGET_SPEEDUP = 0.5, 1.5, 100.0
POSTGRES_FACTOR = 1.5  # PostgreSQL's targets: within 1.5× of SQLite's


# -- query points ------------------------------------------------------------------------


def query_points(towns: Towns, n: int, seed: int) -> list[tuple[float, float]]:
    """Seeded points within a few km of towns picked by population."""
    rng = random.Random(f"nearby-queries-{seed}")
    points = []
    for _ in range(n):
        town = towns.pick(rng)
        points.append(jitter(rng, town.lat, town.lon, 2.0))
    return points


def make_query(lat: float, lon: float) -> Query:
    return Query(lat=lat, lon=lon, radius_km=RADIUS_KM, start=NOW, end=NOW + WINDOW)


# -- measuring ---------------------------------------------------------------------------


def summary_ms(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "n": len(ms),
        "p50": percentile(ms, 0.50),
        "p90": percentile(ms, 0.90),
        "p99": percentile(ms, 0.99),
        "max": ms[-1] if ms else math.nan,
        "mean": sum(ms) / len(ms) if ms else math.nan,
    }


async def fast_search(sessions, q: Query) -> list:
    async with sessions() as session:
        return await nearby(session, q, limit=LIMIT)


async def naive_search(sessions, q: Query) -> list[tuple]:
    """Every published occurrence in the window into Python, geopy for each, sort, cut."""
    o = Occurrence
    async with sessions() as session:
        rows = (
            await session.execute(
                select(o.id, o.starts_at, o.latitude, o.longitude)
                .join(Offer, Offer.id == o.offer_id)
                .where(
                    Offer.status == OfferStatus.PUBLISHED,
                    o.starts_at >= q.start - MAX_DURATION,
                    o.starts_at < q.end,
                    o.ends_at > q.start,
                )
            )
        ).all()
    here = (q.lat, q.lon)
    inside = []
    for occurrence_id, starts_at, lat, lon in rows:
        d = great_circle(here, (lat, lon)).km
        if d <= q.radius_km:
            inside.append((starts_at, d, occurrence_id))
    inside.sort()
    return inside[:LIMIT]


async def timed(coro_factory, items, cpu: list[float] | None = None) -> tuple[list[float], list]:
    """Wall seconds per item (and this thread's CPU seconds into `cpu`: on a busy machine the
    wall clock also counts the time the process waited for a core)."""
    times, results = [], []
    for item in items:
        started, started_cpu = time.perf_counter(), time.thread_time()
        result = await coro_factory(item)
        times.append(time.perf_counter() - started)
        if cpu is not None:
            cpu.append(time.thread_time() - started_cpu)
        results.append(result)
    return times, results


@contextmanager
def captured_sql(engine):
    """Records (statement, parameters) of every cursor execution on the engine."""
    seen: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


async def query_plan(engine, backend: str, q: Query, by_distance: bool = False) -> str:
    """The database's plan for one search statement, as nearby() first sends it; on SQLite
    with `by_distance` the deeper walk's (ordered by start time, then distance)."""
    cells = cells_covering(q.lat, q.lon, q.radius_km)
    with captured_sql(engine) as seen:
        async with engine.connect() as conn:
            await conn.execute(
                _statement(
                    q,
                    cells,
                    max(LIMIT, 8),
                    2 * LIMIT + 8,
                    merged=backend == "sqlite",
                    by_distance=by_distance,
                )
            )
    statement, parameters = seen[-1]
    async with engine.connect() as conn:
        if backend == "sqlite":
            rows = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)).all()
            depth = {0: -1}
            lines = [f"({len(cells)} cells, depth {max(LIMIT, 8)})"]
            for node, parent, _, detail in rows:
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            return "\n".join(lines)
        rows = (
            await conn.exec_driver_sql(
                f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {statement}", parameters
            )
        ).all()
        lines = [r[0] for r in rows]
        # One subtree per cell, all alike: show the first two and say how many there are.
        subtrees = [i for i, line in enumerate(lines) if line.lstrip().startswith("->  Limit")]
        if len(subtrees) > 2:
            lines = [*lines[: subtrees[2]], f"  ... same for the other {len(subtrees) - 2} cells"]
        return "\n".join([f"({len(cells)} cells, depth {max(LIMIT, 8)})", *lines])


@dataclass
class BackendResult:
    backend: str
    offers: int = 0
    occurrences: int = 0
    build_s: float | None = None
    fast: dict = field(default_factory=dict)
    cpu: dict = field(default_factory=dict)  # this process's CPU per search (SQLite: all of it)
    naive: dict = field(default_factory=dict)
    speedup: float = math.nan
    mismatches: list[dict] = field(default_factory=list)
    plan: str = ""
    sql_share: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return dict(self.__dict__)


async def run_backend(
    backend: str, url: str, points, args, build_s: float | None, tag: str = ""
) -> BackendResult:
    result = BackendResult(backend, build_s=build_s)
    engine = create_engine(url)
    try:
        sessions = session_factory(engine)
        result.offers, result.occurrences = await counts(engine)
        queries = [make_query(*p) for p in points]
        warmup = [make_query(*p) for p in query_points(Towns.load(), args.warmup, args.seed + 1)]
        result.plan = await query_plan(engine, backend, queries[0])
        if backend == "sqlite":
            deeper = await query_plan(engine, backend, queries[0], by_distance=True)
            result.plan += "\nwhen the walk is cut inside a start time, the deeper walk:\n" + deeper

        await timed(lambda q: fast_search(sessions, q), warmup)
        sql_time = [0.0]
        starts: dict = {}

        def before(conn, cursor, statement, parameters, context, executemany):
            starts[id(cursor)] = time.perf_counter()

        def after(conn, cursor, statement, parameters, context, executemany):
            sql_time[0] += time.perf_counter() - starts.pop(id(cursor), time.perf_counter())

        profiler = cProfile.Profile() if args.profile else None
        if args.profile:
            event.listen(engine.sync_engine, "before_cursor_execute", before)
            event.listen(engine.sync_engine, "after_cursor_execute", after)
            profiler.enable()
        cpu_times: list[float] = []
        fast_times, fast_hits = await timed(lambda q: fast_search(sessions, q), queries, cpu_times)
        if args.profile:
            profiler.disable()
            event.remove(engine.sync_engine, "before_cursor_execute", before)
            event.remove(engine.sync_engine, "after_cursor_execute", after)
            total = sum(fast_times)
            result.sql_share = {
                "total_s": total,
                "cursor_execute_s": sql_time[0],
                "cursor_execute_share": sql_time[0] / total,
            }
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
            stats.print_stats(35)
            tottime = io.StringIO()
            pstats.Stats(profiler, stream=tottime).sort_stats("tottime").print_stats(25)
            (args.dir / f"profile-{backend}{tag}.txt").write_text(
                out.getvalue() + tottime.getvalue()
            )
        result.fast = summary_ms(fast_times)
        result.cpu = summary_ms(cpu_times)
        result.fast["empty"] = sum(1 for h in fast_hits if not h)

        naive_queries = queries[: args.naive]
        naive_times, naive_hits = await timed(lambda q: naive_search(sessions, q), naive_queries)
        result.naive = summary_ms(naive_times)
        result.speedup = result.naive["p50"] / result.fast["p50"]
        for i, (q, fast, slow) in enumerate(
            zip(naive_queries, fast_hits, naive_hits, strict=False)
        ):
            fast_ids = [h.occurrence_id for h in fast]
            slow_ids = [occurrence_id for _, _, occurrence_id in slow]
            if fast_ids != slow_ids:
                result.mismatches.append(
                    {
                        "query": i,
                        "lat": q.lat,
                        "lon": q.lon,
                        "fast": [
                            (h.occurrence_id, h.starts_at.isoformat(), round(h.distance_km, 4))
                            for h in fast
                        ],
                        "naive": [(oid, s.isoformat(), round(d, 4)) for s, d, oid in slow],
                    }
                )
    finally:
        await engine.dispose()
    return result


# -- report ------------------------------------------------------------------------------


def targets(backend: str) -> tuple[float, float]:
    factor = 1.0 if backend == "sqlite" else POSTGRES_FACTOR
    return TARGET_P50_MS * factor, TARGET_P99_MS * factor


def verdict(r: BackendResult) -> tuple[bool, str]:
    p50, p99 = targets(r.backend)
    checks = [
        (r.fast["p50"] <= p50, f"p50 {r.fast['p50']:.2f} ms ≤ {p50:g} ms"),
        (r.fast["p99"] <= p99, f"p99 {r.fast['p99']:.2f} ms ≤ {p99:g} ms"),
        (r.speedup >= TARGET_SPEEDUP, f"{r.speedup:,.0f}× ≥ {TARGET_SPEEDUP:g}× naive"),
        (
            not r.mismatches,
            f"fast = naive on {r.naive['n']} queries"
            + ("" if not r.mismatches else f" ({len(r.mismatches)} differ)"),
        ),
    ]
    ok = all(c for c, _ in checks)
    return ok, "; ".join(("✓ " if c else "✗ ") + text for c, text in checks)


def report(results: list[BackendResult], args, out=sys.stdout) -> None:
    p = lambda *a: print(*a, file=out)  # noqa: E731
    p()
    p(
        f"Nearby search: radius {RADIUS_KM:g} km, {NOW:%Y-%m-%d %H:%M} UTC → +{WINDOW.days} days, "
        f"limit {LIMIT}; {args.queries:,} queries after {args.warmup} warm-up, "
        f"naive on the first {args.naive}; seed {args.seed}"
    )
    p()
    header = (
        f"{'backend':<11}{'offers':>10}{'occurrences':>13}{'p50 ms':>9}{'p90 ms':>9}"
        f"{'p99 ms':>9}{'max ms':>9}{'CPU p50':>9}{'CPU p99':>9}{'naive p50 ms':>14}"
        f"{'speed-up':>10}{'empty':>7}"
    )
    p(header)
    p("-" * len(header))
    for r in results:
        f = r.fast
        p(
            f"{r.backend:<11}{r.offers:>10,}{r.occurrences:>13,}{f['p50']:>9.2f}{f['p90']:>9.2f}"
            f"{f['p99']:>9.2f}{f['max']:>9.2f}{r.cpu['p50']:>9.2f}{r.cpu['p99']:>9.2f}"
            f"{r.naive['p50']:>14.1f}{r.speedup:>9,.0f}×{f['empty']:>7}"
        )
    p(
        "(ms of wall time per search; CPU: this process's CPU time per search, all of it on "
        "SQLite, the client's side only on PostgreSQL)"
    )
    p()
    for r in results:
        ok, detail = verdict(r)
        scope = ""
        if r.offers not in (TARGET_OFFERS, 1_000_000):
            scope = " (targets are set at 100,000 and 1,000,000 offers; informational)"
        p(f"{'PASS' if ok else 'FAIL'} {r.backend} at {r.offers:,} offers{scope}: {detail}")
    for r in results:
        for m in r.mismatches:
            p(f"\nMISMATCH {r.backend} query {m['query']} at {m['lat']}, {m['lon']}:")
            p(f"  fast : {m['fast']}")
            p(f"  naive: {m['naive']}")


def _key(r: BackendResult, results: list[BackendResult]) -> str:
    """The result's name in the figures: the backend, with the size when it ran twice."""
    twice = sum(1 for other in results if other.backend == r.backend) > 1
    return f"{r.backend}-{r.offers}" if twice else r.backend


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The nearby benchmark's own options (the shared ones are in benchmarks.cli)."""
    g = ap.add_argument_group("nearby search (benchmarks/nearby.py)")
    g.add_argument("--queries", type=int, default=None, help="timed searches (1000)")
    g.add_argument("--warmup", type=int, default=None, help="untimed searches first (50)")
    g.add_argument("--naive", type=int, default=20, help="query points for the naive baseline")
    g.add_argument("--no-postgres", action="store_true", help="SQLite only")
    g.add_argument(
        "--big-offers",
        type=int,
        default=0,
        help="also SQLite on a data set of this many offers (e.g. 1000000; built once, ~13 min)",
    )
    g.add_argument(
        "--json",
        type=Path,
        default=None,
        help="figures as JSON (<dir>/nearby.json; nearby-profile.json with --profile)",
    )


def finish_args(args) -> None:
    finish_common(args)
    quick = args.quick
    args.queries = args.queries or (100 if quick else 1_000)
    args.warmup = args.warmup if args.warmup is not None else (10 if quick else 50)
    args.naive = min(args.naive, args.queries)
    # Profiled timings are inflated: keep them out of the report file.
    args.json = args.json or args.dir / ("nearby-profile.json" if args.profile else "nearby.json")


def main(argv=None) -> int:
    return run_standalone(sys.modules[__name__], argv)


def into_page_cache(path: Path) -> float:
    """Reads the file once so its pages are in the operating system's cache; seconds taken."""
    started = time.perf_counter()
    with path.open("rb", buffering=0) as f:
        while f.read(16 << 20):
            pass
    return time.perf_counter() - started


def run(args) -> int:
    args.dir.mkdir(parents=True, exist_ok=True)
    sqlite_path, build_s = build_sqlite(args.dir, args.offers, args.seed, rebuild=args.rebuild)
    if build_s is None:
        print(f"SQLite data set: {sqlite_path} (cached)")
    else:
        print(f"SQLite data set: built {sqlite_path} in {build_s:.1f} s")
    points = query_points(Towns.load(), args.queries, args.seed)
    print(f"read into the page cache in {into_page_cache(sqlite_path):.1f} s")

    results = [
        asyncio.run(
            run_backend("sqlite", f"sqlite+aiosqlite:///{sqlite_path}", points, args, build_s)
        )
    ]
    print(
        "\nSQLite EXPLAIN QUERY PLAN of one search statement "
        f"(query at {points[0][0]}, {points[0][1]}):"
    )
    print(results[0].plan)

    if args.big_offers:
        big_path, big_s = build_sqlite(args.dir, args.big_offers, args.seed, rebuild=args.rebuild)
        built = "cached" if big_s is None else f"built in {big_s:.1f} s"
        print(f"\nSQLite data set at {args.big_offers:,} offers: {big_path} ({built})")
        print(f"read into the page cache in {into_page_cache(big_path):.1f} s")
        results.append(
            asyncio.run(
                run_backend(
                    "sqlite",
                    f"sqlite+aiosqlite:///{big_path}",
                    points,
                    args,
                    big_s,
                    f"-{args.big_offers}",
                )
            )
        )
        print("SQLite EXPLAIN QUERY PLAN of the same search there:")
        print(results[-1].plan)

    if args.no_postgres:
        print("\nPostgreSQL: skipped (--no-postgres)")
    else:
        from tests.postgres import start_postgres

        server = start_postgres()
        if server is None:
            print("\nPostgreSQL: not installed here, skipped")
        else:
            try:
                load_s = asyncio.run(load_postgres(server.url, sqlite_path))
                print(
                    f"\nPostgreSQL: loaded the data set (COPY + VACUUM ANALYZE) in {load_s:.1f} s"
                )
                results.append(
                    asyncio.run(run_backend("postgresql", server.url, points, args, load_s))
                )
                print("PostgreSQL EXPLAIN ANALYZE of the same statement:")
                print(results[-1].plan)
            finally:
                server.stop()

    report(results, args)
    figures = {
        "now": NOW.isoformat(),
        "radius_km": RADIUS_KM,
        "window_days": WINDOW.days,
        "limit": LIMIT,
        "queries": args.queries,
        "warmup": args.warmup,
        "seed": args.seed,
        "targets": {
            "offers": TARGET_OFFERS,
            "p50_ms": TARGET_P50_MS,
            "p99_ms": TARGET_P99_MS,
            "speedup": TARGET_SPEEDUP,
        },
        "backends": {_key(r, results): {**r.as_json(), "pass": verdict(r)[0]} for r in results},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(f"\nFigures written to {args.json}")
    if args.profile:
        for r in results:
            print(
                f"Profile of the {r.backend} loop: {args.dir / f'profile-{r.backend}.txt'}; "
                f"cursor execute {r.sql_share['cursor_execute_share']:.0%} of "
                f"{r.sql_share['total_s']:.2f} s"
            )
    return 1 if any(r.mismatches for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
