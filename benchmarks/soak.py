"""Soak: one `nahbar run` webhook worker under a steady stream of residents' messages for a
long while, its planners and outbox dispatcher sending meanwhile; watching its resident memory
and its outbox.

    python -m benchmarks --only soak                      # 60 s (a part of `make bench`)
    python -m benchmarks --only soak --quick              # 30 s
    python -m benchmarks --only soak --soak-seconds 1800  # `make soak`: 30 minutes

The worker is the real process (tests/workers.py) on a throwaway PostgreSQL (SQLite when
PostgreSQL is not installed) with the example offers, behind the Bot API fake
(tests/fake_bot_api.py) on loopback, with Telegram's own 30 messages/s. The fake posts
--soak-rate updates per second. Most come from residents writing what residents write
(benchmarks/load.py's mix: a town, "Spaziergang in … morgen", /hilfe, a shared location; each
resident writes again and again); one resident in eight asks for a reminder instead, as from
a link on a notice: "/start offer_<id>" for one of the next gatherings, then "🔔 Erinnern",
then "⏰ 2 Stunden vorher", each step once the bot has answered the one before. Those
gatherings begin a little over two hours after the soak's start, one every few seconds
(benchmarks/soak_world.py), so the reminders come due during the run, several at once; and
--soak-subscribers residents get the daily alerts (at the start, or a few minutes in) and a
weekly post (when the run crosses the next whole hour). All of those go through the planners,
the outbox dispatcher and the rate limiter to the fake.

Every 2.5 s the worker's /metrics are read: resident memory, the outbox's due depth and, per
priority (urgent, bulk), its oldest due message's age A (now minus its due time). The outbox
check, per sample and priority:

    urgent:  A ≤ DISPATCH_EVERY + SLACK + S / 30
    bulk:    A ≤ DISPATCH_EVERY + SLACK + max(S / 30, B / 24)

where S is how many messages the bot sent (Bot API calls naming a chat, answers included: all
of them take the rate limiter's slots) during those A seconds, and B how many of them were bulk
(to the subscribers' chats, which get nothing else), whose share of the 30/s is 80 % (24/s).
So a due message may wait one dispatcher interval (2 s), SLACK (1 s: a pass's claim and the
chat's own limit), and otherwise only as long as sending what went ahead of it takes at the
rate limit: time in which the bot leaves the rate unused while a due message waits counts
against it.

Reported: memory after the warm-up (the first fifth, at least 20 s) and at the end (medians of
the first and the last eight samples after it, 20 s each) and the growth between them (target
≤ 5 %); the outbox's largest age against what was allowed then (and the worst margin); the
outbox rows sent, dropped and still queued by kind (reminders, alerts, weekly posts); updates
answered, errors; reminders asked.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from .cli import finish_common, run_standalone
from .load import ERROR, messages
from .soak_world import World, prepare, tally

TARGET_GROWTH = 0.05
SAMPLE_EVERY = 2.5
MEDIAN_OF = 8  # samples: 20 s
DISPATCH_EVERY = 2.0  # NAHBAR_OUTBOX_EVERY_SECONDS' default
SLACK = 1.0
RATE = 30.0  # Telegram's messages per second
BULK_RATE = RATE * 0.8  # NAHBAR_BULK_SHARE's default
PRIORITIES = ("urgent", "bulk")
SUBSCRIBERS = 900_000  # the subscribers' chat ids start here (benchmarks/soak_world.py)
SEEKERS = 8  # one new resident in this many asks for a reminder
STARTUP = 15.0  # about how long the worker takes to be ready (s)


def _gauge(metrics: str, name: str, *labels: str) -> float:
    """The sum of a metric over the series with all of `labels` (0 when absent)."""
    return sum(
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith((name + "{", name + " "))
        if all(label in line for label in labels)
    )


class Seekers:
    """Residents asking for a reminder: three steps, each once the bot answered the last."""

    STEPS = (("rm:", ""), ("rs:", ".h"))  # 🔔 Erinnern, then ⏰ 2 Stunden vorher

    def __init__(self, api, world: World, seed: int) -> None:
        self.api, self.world = api, world
        self.rng = random.Random(f"seekers-{seed}")
        self.chats = iter(range(800_000, 900_000))
        self.waiting: dict[int, tuple[int, float]] = {}  # chat -> (step, since)
        self.asked = self.stuck = 0

    def start(self) -> bool:
        from models import utcnow

        soon = utcnow() + timedelta(seconds=10)
        ahead = [g for g in self.world.gatherings if g.reminder_due > soon][:3]
        if not ahead:
            return False
        chat = next(self.chats)
        self.api.push_text(chat, f"/start offer_{self.rng.choice(ahead).offer}")
        self.waiting[chat] = (0, time.monotonic())
        return True

    def step(self) -> bool:
        """Take one waiting resident's next step, when the bot has answered; False: none."""
        now = time.monotonic()
        for chat, (step, since) in list(self.waiting.items()):
            found = self._button(chat, *self.STEPS[step])
            if found is None:
                if now - since > 30:
                    del self.waiting[chat]
                    self.stuck += 1
                continue
            self.api.push_callback(chat, *found)
            if step + 1 < len(self.STEPS):
                self.waiting[chat] = (step + 1, now)
            else:
                del self.waiting[chat]
                self.asked += 1
            return True
        return False

    def _button(self, chat: int, prefix: str, suffix: str) -> tuple[int, str] | None:
        mine = self.api.messages.get(chat, {})
        for message_id in sorted(mine, reverse=True):
            for _, data in _buttons(mine[message_id]):
                if data and data.startswith(prefix) and data.endswith(suffix):
                    return message_id, data
        return None


def _buttons(message: dict) -> list[tuple[str, str | None]]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data")) for row in rows for b in row]


def _sent_between(api, start: float, end: float) -> tuple[int, int]:
    """Bot API calls naming a chat (what the rate limiter counts) from `start` to `end`: all
    of them, and those to the subscribers (bulk)."""
    calls = api.calls
    lo = bisect.bisect_left(calls, start, key=lambda c: c.at)
    hi = bisect.bisect_right(calls, end, key=lambda c: c.at)
    chats = [c.chat_id for c in calls[lo:hi] if c.chat_id is not None]
    return len(chats), sum(1 for chat in chats if chat >= SUBSCRIBERS)


async def soak(args, server_url: str | None, tmp: Path) -> dict:
    from models import utcnow
    from tests.fake_bot_api import FakeBotApi
    from tests.workers import TOKEN, Worker, fresh_database

    work = messages(args.load_residents, args.load_residents, args.seed)
    async with FakeBotApi(TOKEN) as api, fresh_database(server_url, tmp) as url:
        world = await prepare(
            url,
            start=utcnow() + timedelta(seconds=STARTUP),
            seconds=args.soak_seconds,
            subscribers=args.soak_subscribers,
            seed=args.seed,
        )
        for chat in world.subscribers:
            api.add_user(chat)
        worker = Worker(
            tmp,
            api,
            url,
            TELEGRAM_MESSAGES_PER_SECOND=str(RATE),
            NAHBAR_LOG_LEVEL="WARNING",
            NAHBAR_ALERTS_AT=world.alerts_at,
        )
        seekers = Seekers(api, world, args.seed)
        samples: list[dict] = []
        try:
            await worker.start()
            await worker.wait_ready()
            api.deliver_by_webhook([worker.webhook_url], connections=8)
            started = time.monotonic()
            end = started + args.soak_seconds
            posted = fresh = 0
            next_sample = started
            while time.monotonic() < end:
                now = time.monotonic()
                due = int((now - started) * args.soak_rate)
                while posted < due:
                    posted += 1
                    if seekers.step():
                        continue
                    if fresh % SEEKERS == SEEKERS - 1 and seekers.start():
                        fresh += 1
                        continue
                    chat, what = work[fresh % len(work)]
                    fresh += 1
                    if isinstance(what, tuple):
                        api.push_location(chat, *what)
                    else:
                        api.push_text(chat, what)
                if now >= next_sample:
                    samples.append(_sample(await worker.metrics(), api, now - started))
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
            outbox_sent = _gauge(await worker.metrics(), "nahbar_sends_total", 'outcome="sent"')
        finally:
            await worker.stop()
        outbox = await tally(url)
    return _figures(args, samples, world, seekers, outbox) | {
        "posted": posted,
        "acknowledged": pushed,
        "bot_messages": answered,
        "errors": errors,
        "outbox_sent": outbox_sent,
    }


def _sample(metrics: str, api, t: float) -> dict:
    now = time.monotonic()
    sample: dict = {
        "t": t,
        "rss_mb": _gauge(metrics, "process_resident_memory_bytes") / 2**20,
        "outbox_due": _gauge(metrics, "nahbar_outbox_depth", 'due="true"'),
        "outbox_waiting": _gauge(metrics, "nahbar_outbox_depth", 'due="false"'),
    }
    for priority in PRIORITIES:
        age = _gauge(metrics, "nahbar_outbox_oldest_due_age_seconds", f'priority="{priority}"')
        sent, bulk = _sent_between(api, now - age, now) if age else (0, 0)
        need = max(sent / RATE, bulk / BULK_RATE) if priority == "bulk" else sent / RATE
        sample[f"{priority}_age_s"] = age
        sample[f"{priority}_sent"] = sent
        sample[f"{priority}_allowed_s"] = DISPATCH_EVERY + SLACK + need
    return sample


def _check(samples: list[dict], priority: str) -> dict:
    """The outbox check for one priority: its oldest due message's largest age (and what was
    allowed then), and the worst margin (age minus allowed; ≤ 0 passes)."""
    if not samples:
        return {"max_age_s": 0.0, "allowed_then_s": 0.0, "sent_then": 0, "worst_margin_s": 0.0}
    oldest = max(samples, key=lambda s: s[f"{priority}_age_s"])
    worst = max(samples, key=lambda s: s[f"{priority}_age_s"] - s[f"{priority}_allowed_s"])
    return {
        "max_age_s": oldest[f"{priority}_age_s"],
        "allowed_then_s": oldest[f"{priority}_allowed_s"],
        "sent_then": oldest[f"{priority}_sent"],
        "at_s": oldest["t"],
        "worst_margin_s": worst[f"{priority}_age_s"] - worst[f"{priority}_allowed_s"],
        "worst_at_s": worst["t"],
    }


def _figures(args, samples: list[dict], world: World, seekers: Seekers, outbox: dict) -> dict:
    warm = max(20.0, args.soak_seconds / 5)
    after = [s for s in samples if s["t"] >= warm]
    first = statistics.median(s["rss_mb"] for s in after[:MEDIAN_OF]) if after else float("nan")
    last = statistics.median(s["rss_mb"] for s in after[-MEDIAN_OF:]) if after else float("nan")
    return {
        "seconds": args.soak_seconds,
        "rate": args.soak_rate,
        "warm_up_s": warm,
        "rss_after_warm_up_mb": first,
        "rss_at_end_mb": last,
        "rss_growth": last / first - 1 if after else float("nan"),
        "outbox_check": {p: _check(samples, p) for p in PRIORITIES},
        "outbox_due_max": max((s["outbox_due"] for s in samples), default=0.0),
        "gatherings": len(world.gatherings),
        "subscribers": len(world.subscribers),
        "alerts_at": world.alerts_at,
        "weekly_post_at": world.weekly_post_at and world.weekly_post_at.isoformat(),
        "reminders_asked": seekers.asked,
        "reminder_flows_stuck": seekers.stuck,
        "outbox": outbox,
        "samples": samples,
    }


def add_arguments(ap: argparse.ArgumentParser) -> None:
    g = ap.add_argument_group("soak: one worker for a long while (benchmarks/soak.py)")
    g.add_argument(
        "--soak-seconds", type=float, default=None, help="duration (60; make soak: 1800)"
    )
    g.add_argument("--soak-rate", type=float, default=None, help="updates per second (10)")
    g.add_argument(
        "--soak-subscribers",
        type=int,
        default=None,
        help="residents with the daily alerts and a weekly post (500; --quick: 200)",
    )


def finish_args(args) -> None:
    finish_common(args)
    if not hasattr(args, "load_residents") or args.load_residents is None:
        args.load_residents = 1_000 if args.quick else 10_000
    args.soak_seconds = args.soak_seconds or (30.0 if args.quick else 60.0)
    args.soak_rate = args.soak_rate or 10.0
    if getattr(args, "soak_subscribers", None) is None:
        args.soak_subscribers = 200 if args.quick else 500


def _kinds(outbox: dict) -> str:
    names = {"remind": "reminders", "alert": "alerts", "digest": "weekly posts"}
    parts = []
    for kind, name in names.items():
        counts = outbox.get(kind, {})
        rest = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s != "sent")
        parts.append(f"{name} {counts.get('sent', 0):,} sent" + (f" ({rest})" if rest else ""))
    return "; ".join(parts)


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
    print(
        f"\nSoak: one worker on {figures['database']}, {args.soak_seconds:.0f} s at "
        f"{args.soak_rate:g} updates/s ({figures['posted']:,} posted, "
        f"{figures['acknowledged']:,} acknowledged, {figures['bot_messages']:,} bot messages, "
        f"{figures['errors']} errors); {figures['reminders_asked']:,} reminders asked "
        f"({figures['reminder_flows_stuck']} stuck) for {figures['gatherings']} gatherings, "
        f"{figures['subscribers']:,} subscribers (alerts from {figures['alerts_at']} Berlin, "
        f"weekly post at {figures['weekly_post_at'] or 'no whole hour in the run'})"
    )
    print(
        f"outbox: {figures['outbox_sent']:,.0f} sent during the soak: {_kinds(figures['outbox'])}"
    )
    print(
        f"{'PASS' if growth_ok else 'FAIL'} soak memory: {figures['rss_after_warm_up_mb']:.0f} MB "
        f"after {figures['warm_up_s']:.0f} s of warm-up, {figures['rss_at_end_mb']:.0f} MB at the "
        f"end: {figures['rss_growth']:+.1%} (target ≤ +{TARGET_GROWTH:.0%})"
    )
    print(
        f"outbox check: a due message waits at most {DISPATCH_EVERY:g} s (dispatch interval) + "
        f"{SLACK:g} s + what the bot sent meanwhile at {RATE:g}/s (bulk: its own at "
        f"{BULK_RATE:g}/s); at most {figures['outbox_due_max']:.0f} due at once"
    )
    for priority, c in figures["outbox_check"].items():
        print(
            f"{'PASS' if c['worst_margin_s'] <= 0 else 'FAIL'} soak outbox, {priority}: oldest "
            f"due message at most {c['max_age_s']:.1f} s overdue (at {c.get('at_s', 0):.0f} s; "
            f"allowed then {c['allowed_then_s']:.1f} s, {c['sent_then']:,} messages sent "
            f"meanwhile); worst margin {c['worst_margin_s']:+.1f} s at "
            f"{c.get('worst_at_s', 0):.0f} s"
        )
    (args.dir / "soak.json").write_text(json.dumps(figures, indent=2, default=str) + "\n")
    return 1 if figures["errors"] else 0


def main(argv=None) -> int:
    return run_standalone(sys.modules[__name__], argv)


if __name__ == "__main__":
    raise SystemExit(main())
