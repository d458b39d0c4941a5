"""Soak: one `nahbar run` webhook worker under a steady stream of residents' messages for a
long while, watching its resident memory and its outbox.

    python -m benchmarks --only soak                      # 60 s (a part of `make bench`)
    python -m benchmarks --only soak --soak-seconds 1800  # `make soak`: 30 minutes

The worker is the real process (tests/workers.py) on a throwaway PostgreSQL (SQLite when
PostgreSQL is not installed) with the example offers, behind the Bot API fake
(tests/fake_bot_api.py) on loopback, with Telegram's own 30 messages/s. The fake posts
--soak-rate updates per second, spread over the residents (benchmarks/load.py's mix: a town,
"Spaziergang in … morgen", /hilfe, a shared location); each resident writes again and again.

Every 5 s the worker's /metrics are read: resident memory, the outbox's depth and its oldest
due message's age. Reported: memory after the warm-up (the first fifth, at least 20 s) and at
the end (medians of the first and the last five samples after it) and the growth between them
(target ≤ 5 %); the largest oldest-due age against what the rate limit allows (the dispatch
interval plus the due messages at 30/s); updates answered, lost, errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from .cli import finish_common, run_standalone
from .load import ERROR, messages

TARGET_GROWTH = 0.05
SAMPLE_EVERY = 5.0
DISPATCH_EVERY = 2.0  # NAHBAR_OUTBOX_EVERY_SECONDS' default
RATE = 30.0  # Telegram's messages per second


def _gauge(metrics: str, name: str) -> float:
    """The largest value of a metric over its labels (0 when absent)."""
    values = [
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith(name) and not line.startswith("#")
    ]
    return max(values, default=0.0)


async def soak(args, server_url: str | None, tmp: Path) -> dict:
    from tests.fake_bot_api import FakeBotApi
    from tests.workers import TOKEN, Worker, fresh_database

    work = messages(args.load_residents, args.load_residents, args.seed)
    async with FakeBotApi(TOKEN) as api, fresh_database(server_url, tmp) as url:
        worker = Worker(
            tmp, api, url, TELEGRAM_MESSAGES_PER_SECOND=str(RATE), NAHBAR_LOG_LEVEL="WARNING"
        )
        samples: list[dict] = []
        try:
            await worker.start()
            await worker.wait_ready()
            api.deliver_by_webhook([worker.webhook_url], connections=8)
            started = time.monotonic()
            end = started + args.soak_seconds
            posted = 0
            next_sample = started
            while time.monotonic() < end:
                now = time.monotonic()
                due = int((now - started) * args.soak_rate)
                while posted < due:
                    chat, what = work[posted % len(work)]
                    if isinstance(what, tuple):
                        api.push_location(chat, *what)
                    else:
                        api.push_text(chat, what)
                    posted += 1
                if now >= next_sample:
                    metrics = await worker.metrics()
                    samples.append(
                        {
                            "t": now - started,
                            "rss_mb": _gauge(metrics, "process_resident_memory_bytes") / 2**20,
                            "outbox_depth": _gauge(metrics, "nahbar_outbox_depth"),
                            "oldest_due_s": _gauge(metrics, "nahbar_outbox_oldest_due_age_seconds"),
                        }
                    )
                    next_sample += SAMPLE_EVERY
                await asyncio.sleep(0.02)
            await asyncio.sleep(3.0)  # the last answers
            answered = sum(
                1 for c in api.calls if c.method in ("sendMessage", "sendVenue", "sendLocation")
            )
            errors = sum(
                1 for c in api.calls if c.method == "sendMessage" and (c.error or ERROR in c.text)
            )
            pushed = len(api.acknowledged)
        finally:
            await worker.stop()
    warm = max(20.0, args.soak_seconds / 5)
    after = [s for s in samples if s["t"] >= warm]
    first = statistics.median(s["rss_mb"] for s in after[:5]) if after else float("nan")
    last = statistics.median(s["rss_mb"] for s in after[-5:]) if after else float("nan")
    oldest = max((s["oldest_due_s"] for s in samples), default=0.0)
    deepest = max((s["outbox_depth"] for s in samples), default=0.0)
    return {
        "seconds": args.soak_seconds,
        "rate": args.soak_rate,
        "posted": posted,
        "acknowledged": pushed,
        "bot_messages": answered,
        "errors": errors,
        "warm_up_s": warm,
        "rss_after_warm_up_mb": first,
        "rss_at_end_mb": last,
        "rss_growth": last / first - 1 if after else float("nan"),
        "oldest_due_max_s": oldest,
        "oldest_due_allowed_s": DISPATCH_EVERY + deepest / RATE,
        "outbox_depth_max": deepest,
        "samples": samples,
    }


def add_arguments(ap: argparse.ArgumentParser) -> None:
    g = ap.add_argument_group("soak: one worker for a long while (benchmarks/soak.py)")
    g.add_argument(
        "--soak-seconds", type=float, default=None, help="duration (60; make soak: 1800)"
    )
    g.add_argument("--soak-rate", type=float, default=None, help="updates per second (10)")


def finish_args(args) -> None:
    finish_common(args)
    if not hasattr(args, "load_residents") or args.load_residents is None:
        args.load_residents = 1_000 if args.quick else 10_000
    args.soak_seconds = args.soak_seconds or (30.0 if args.quick else 60.0)
    args.soak_rate = args.soak_rate or 10.0


def run(args) -> int:
    from tests.postgres import start_postgres

    args.dir.mkdir(parents=True, exist_ok=True)
    server = start_postgres()
    try:
        with tempfile.TemporaryDirectory(prefix="nahbar-soak-") as tmp:
            figures = asyncio.run(soak(args, server.url if server else None, Path(tmp)))
    finally:
        if server is not None:
            server.stop()
    figures["database"] = "postgresql" if server else "sqlite"
    growth_ok = figures["rss_growth"] <= TARGET_GROWTH
    outbox_ok = figures["oldest_due_max_s"] <= figures["oldest_due_allowed_s"]
    print(
        f"\nSoak: one worker on {figures['database']}, {args.soak_seconds:.0f} s at "
        f"{args.soak_rate:g} updates/s ({figures['posted']:,} posted, "
        f"{figures['acknowledged']:,} acknowledged, {figures['bot_messages']:,} bot messages, "
        f"{figures['errors']} errors)"
    )
    print(
        f"{'PASS' if growth_ok else 'FAIL'} soak memory: {figures['rss_after_warm_up_mb']:.0f} MB "
        f"after {figures['warm_up_s']:.0f} s of warm-up, {figures['rss_at_end_mb']:.0f} MB at the "
        f"end: {figures['rss_growth']:+.1%} (target ≤ +{TARGET_GROWTH:.0%})"
    )
    print(
        f"{'PASS' if outbox_ok else 'FAIL'} soak outbox: oldest due message at most "
        f"{figures['oldest_due_max_s']:.1f} s overdue (allowed: {DISPATCH_EVERY:g} s dispatch "
        f"interval + {figures['outbox_depth_max']:.0f} due at {RATE:g}/s = "
        f"{figures['oldest_due_allowed_s']:.1f} s)"
    )
    (args.dir / "soak.json").write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if figures["errors"] else 0


def main(argv=None) -> int:
    return run_standalone(sys.modules[__name__], argv)


if __name__ == "__main__":
    raise SystemExit(main())
