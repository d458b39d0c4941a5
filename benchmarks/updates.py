"""Updates per second through PTB's `Application.process_update`: the nearby-search path against
a trivial echo bot, in the same run.

    python -m benchmarks --only updates            # 100,000 offers, 3 rounds of 2,000 updates each
    python -m benchmarks --only updates --quick    # 5,000 offers, 3 rounds of 200 updates
    python -m benchmarks --only updates --updates 5000 --rounds 5 --profile

Two PTB Applications answer the Bot API through the same offline request class
(tests/telegram_fakes.RecordingRequest: every call is answered locally, like Telegram would), both
without AIORateLimiter (`rate_limit=False`; with it both would be capped near Telegram's 30
messages/s and the comparison would measure the limiter):

  echo    an Application with one MessageHandler: `await update.message.reply_text(text)`.
  db-echo the same, after loading (or creating) the sender and the dialogue state and committing,
          as every nahbar turn must: the floor under any stateful update (for scale only).
  nahbar  `bot.telegram.build_application(...)` with the real core (handlers.core.Nahbar) on a
          copy of the benchmark's cached SQLite data set (the core writes users and dialogue
          state; the cache stays untouched), the offline gazetteer, the clock fixed to the data
          set's NOW.

Workload for nahbar, seeded: --users residents (200) send, in random order, mostly searches:
a town name from the gazetteer (Sachsen-Anhalt's towns and Germany's big cities; ~45 %), a
Sachsen-Anhalt postcode (~15 %), a shared location near a Sachsen-Anhalt town (~30 %), and a
press of the "14 days" filter button ("w:14") on their last result list (~10 %). Echo gets the
same number of text updates. Every user sends one message in the untimed warm-up first, so the
timed updates are returning users.

Each update is `await app.process_update(Update.de_json(update_dict, app.bot))`, one after the
other; the time per update covers de_json, PTB's dispatch, the handler, the core and the Bot API
calls through the offline request (JSON out and back in). The pair runs --rounds times
interleaved (echo, nahbar, echo, nahbar, ...); the report gives the median of the rounds.
Every nahbar update must produce a sendMessage/editMessageText that is not the error message;
otherwise the exit code is 1.

Prints a table and a PASS/FAIL line (target: nahbar ≥ 25 % of the echo rate), writes
var/bench/updates.json; with --profile also one extra, untimed-for-the-report cProfile pass of
nahbar, summarised by layer, in var/bench/profile-updates.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import json
import logging
import math
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, MessageHandler, filters

from bot.telegram import build_application
from handlers import understanding
from handlers.core import Nahbar
from handlers.i18n import Translator
from handlers.services import Services
from models.conversations import load_turn
from models.db import create_engine, session_factory
from places import Gazetteer
from tests.telegram_fakes import RecordingRequest, callback_update, location_update, text_update

from .cli import TARGET_OFFERS, finish_common, run_standalone
from .dataset import NOW, build_sqlite, jitter
from .stats import percentile

TARGET_RATIO = 0.25
TARGET_FLOOR_RATIO = 0.50  # nahbar against db-echo, its own database floor (issue 18)
TOKEN = "123:BENCH"
HOME = "Sachsen-Anhalt"
BIG_CITIES = 40  # Germany's largest towns join Sachsen-Anhalt's in the place-name list
ERROR_TEXT = "Sorry, something went wrong on our side. Please try again in a moment."
NO_MEETINGS = (
    "Sorry, I found no meetings here for this time. Try a larger radius or a longer time span."
)
MIX = (("name", 0.45), ("postcode", 0.15), ("location", 0.30), ("filter", 0.10))


# -- the offline Bot API -----------------------------------------------------------------------


class BenchRequest(RecordingRequest):
    """RecordingRequest that also notes the message_id it answered with (for button presses)."""

    def _result(self, name: str, params: dict):
        result = super()._result(name, params)
        if isinstance(result, dict) and "message_id" in result and self.calls:
            self.calls[-1].params.setdefault("message_id", result["message_id"])
        return result


# -- workload ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    kind: str  # "name" | "postcode" | "location" | "filter"
    user_id: int
    text: str = ""
    lat: float = 0.0
    lon: float = 0.0


def place_lists(gazetteer: Gazetteer) -> tuple[list[str], list[str], list]:
    """(town names that resolve to exactly one town, home-region postcodes, home-region towns)."""
    towns = gazetteer.towns()
    home = sorted((t for t in towns if t.region == HOME), key=lambda t: -t.population)
    big = sorted(towns, key=lambda t: -t.population)[:BIG_CITIES]
    names = []
    for town in [*home, *big]:
        found = gazetteer.resolve(town.name)
        if (
            found.status == "found"
            and found.place
            and found.place.kind == "town"
            and town.name not in names
        ):
            names.append(town.name)
    postcodes = sorted(p.id[1:] for p in gazetteer.postcodes() if p.region == HOME)
    return names, postcodes, home


def workload(
    gazetteer: Gazetteer, n: int, users: int, seed: int
) -> tuple[list[Action], list[Action]]:
    """(warm-up: one search per user, timed: n actions), seeded."""
    rng = random.Random(f"updates-{seed}")
    names, postcodes, home = place_lists(gazetteer)
    weights = [max(t.population, 500) for t in home]
    user_ids = [700_000 + i for i in range(users)]

    def search(user_id: int, kind: str) -> Action:
        if kind == "name":
            return Action("name", user_id, text=rng.choice(names))
        if kind == "postcode":
            return Action("postcode", user_id, text=rng.choice(postcodes))
        town = rng.choices(home, weights)[0]
        lat, lon = jitter(rng, town.lat, town.lon, 2.0)
        return Action("location", user_id, lat=lat, lon=lon)

    warmup = [search(u, rng.choice(("name", "postcode", "location"))) for u in user_ids]
    kinds, probabilities = zip(*MIX, strict=True)
    timed = [
        Action("filter", u) if k == "filter" else search(u, k)
        for k, u in ((rng.choices(kinds, probabilities)[0], rng.choice(user_ids)) for _ in range(n))
    ]
    return warmup, timed


# -- applications ------------------------------------------------------------------------------


async def _echo(update: Update, context) -> None:
    await update.message.reply_text(update.message.text)


def echo_application(request: RecordingRequest) -> Application:
    app = ApplicationBuilder().token(TOKEN).request(request).get_updates_request(request).build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    return app


def db_echo_application(request: RecordingRequest, sessions) -> Application:
    """Echo that first does what every stateful turn must: load (or create) the sender and the
    chat's dialogue state from the database, and commit. The floor under any nahbar update."""

    async def db_echo(update: Update, context) -> None:
        user, chat = update.effective_user, update.effective_chat
        async with sessions() as session, session.begin():
            await load_turn(
                session,
                platform="telegram",
                platform_id=str(user.id),
                chat=f"telegram:{chat.id}",
                group=False,
                language="de",
                radius_km=10,
                now=NOW,
            )
        await update.message.reply_text(update.message.text)

    app = ApplicationBuilder().token(TOKEN).request(request).get_updates_request(request).build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, db_echo))
    return app


@dataclass
class Bot:
    name: str
    app: Application
    request: BenchRequest
    actions: list[Action]
    warmup: list[Action]
    check: bool  # classify every reply (nahbar) or just count them (echo)
    lists: dict[int, tuple[int, str]] = field(default_factory=dict)  # user -> (message_id, text)
    replies: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def update_for(bot: Bot, action: Action) -> dict:
    if not bot.check:  # echo: the same number of plain text updates
        text = action.text or (
            "14 Tage" if action.kind == "filter" else f"{action.lat}, {action.lon}"
        )
        return text_update(text, action.user_id)
    if action.kind == "location":
        return location_update(action.lat, action.lon, action.user_id)
    if action.kind == "filter":
        message_id, text = bot.lists.get(action.user_id, (100, "…"))
        return callback_update("w:14", message_id, text, action.user_id)
    return text_update(action.text, action.user_id)


class Replies:
    """Translated texts that classify a reply."""

    def __init__(self) -> None:
        t = Translator("de")
        self.error = t(ERROR_TEXT)
        self.empty = t(NO_MEETINGS)


def classify(bot: Bot, action: Action, texts: Replies) -> None:
    """Look at what one update sent; remember the user's result list; then forget the calls."""
    calls = bot.request.sent("sendMessage", "editMessageText")
    if not calls:
        bot.problems.append(
            f"{action}: no sendMessage/editMessageText "
            f"(calls: {[c.method for c in bot.request.calls]})"
        )
    for call in calls:
        if not bot.check:
            bot.replies["echo"] += 1
            continue
        data = [
            b.get("callback_data", "")
            for row in call.markup.get("inline_keyboard", [])
            for b in row
        ]
        if texts.error in call.text:
            kind = "error"
            bot.problems.append(f"{action}: the core failed ({call.method}: {call.text!r})")
        elif any(d.startswith("o:") for d in data):
            kind = "list"
        elif texts.empty in call.text:
            kind = "empty list"
        else:
            kind = "other"
        bot.replies[f"{call.method} {kind}"] += 1
        if "w:14" in data and call.method == "sendMessage":
            bot.lists[action.user_id] = (int(call.params["message_id"]), call.text)
    bot.request.clear()


async def run_actions(bot: Bot, actions: list[Action], texts: Replies) -> list[float]:
    """Process the actions one after the other; seconds per update."""
    times = []
    app, process, de_json = bot.app, bot.app.process_update, Update.de_json
    for action in actions:
        raw = update_for(bot, action)
        started = time.perf_counter()
        await process(de_json(raw, app.bot))
        times.append(time.perf_counter() - started)
        classify(bot, action, texts)
    return times


# -- measuring ---------------------------------------------------------------------------------


def summary(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    total = sum(seconds)
    return {
        "n": len(ms),
        "updates_per_s": len(ms) / total if total else math.nan,
        "total_s": total,
        "p50_ms": percentile(ms, 0.50),
        "p90_ms": percentile(ms, 0.90),
        "p99_ms": percentile(ms, 0.99),
        "max_ms": ms[-1] if ms else math.nan,
    }


class ErrorLog(logging.Handler):
    """Counts ERROR records (the adapter's error handler logs every failed update)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


LAYERS = (  # first match wins, on the function's file path
    ("SQLAlchemy (ORM, Core, greenlet bridge)", ("/sqlalchemy/", "greenlet")),
    (
        "aiosqlite: thread hand-off + waiting for SQLite",
        ("/aiosqlite/", "sqlite3", "/queue.py", "threading", "/concurrent/"),
    ),
    (
        "nearby search (models/search.py, geo, geopy)",
        ("/models/search.py", "/models/geo.py", "/geopy/"),
    ),
    ("gazetteer (places/, rapidfuzz)", ("/places/", "/rapidfuzz/")),
    (
        "core + rendering (handlers/, bot/telegram/, babel)",
        ("/handlers/", "/bot/telegram/", "/babel/", "gettext"),
    ),
    ("other models/ (schedule, column types)", ("/models/",)),
    ("PTB (telegram/, telegram/ext/)", ("/telegram/",)),
    ("benchmark + offline request + json", ("/benchmarks/", "/tests/", "/json/")),
    ("asyncio event loop", ("/asyncio/", "selectors.py")),
)
# C functions whose time is the event loop idling until the aiosqlite thread answers (the
# offline Bot API answers inline, so the loop waits for nothing else), or the hand-off itself.
WAITING = ("select.epoll", "_socket.socket", "_queue.SimpleQueue", "greenlet")


def layer_of(filename: str, name: str = "") -> str:
    if filename == "~":
        if any(w in name for w in WAITING):
            return layer_of("greenlet" if "greenlet" in name else "/aiosqlite/")
        return "builtins (C functions)"
    for layer, needles in LAYERS:
        if any(n in filename for n in needles):
            return layer
    return "other Python (stdlib: contextlib, enum, weakref …)"


def profile_summary(profiler: cProfile.Profile, n: int) -> tuple[dict, str]:
    """Self time per layer (tottime of each function, attributed by file), plus the top lists."""
    stats = pstats.Stats(profiler)
    per_layer: Counter = Counter()
    for (filename, _, name), (_, _, tottime, _, callers) in stats.stats.items():
        layer = layer_of(filename, name)
        if layer == "builtins (C functions)":
            # Attribute C functions (json, sqlite3 calls, select…) to their callers' layer.
            caller_layers = Counter()
            for (cfile, _, cname), (_, _, ctt, _) in callers.items():
                caller_layers[layer_of(cfile, cname)] += ctt
            if caller_layers:
                total = sum(caller_layers.values()) or 1
                for cl, share in caller_layers.items():
                    per_layer[cl] += tottime * share / total
                continue
        per_layer[layer] += tottime
    total = sum(per_layer.values())
    layers = {
        k: {"s": v, "share": v / total, "us_per_update": v / n * 1e6}
        for k, v in per_layer.most_common()
    }
    out = io.StringIO()
    out.write(
        f"cProfile of {n} nahbar updates (main thread only; the aiosqlite thread runs "
        f"SQLite itself): self time by layer, C functions attributed to their callers\n"
    )
    for k, v in layers.items():
        out.write(f"  {k:<55}{v['share']:>6.1%}{v['us_per_update']:>9.0f} µs/update\n")
    out.write("\n")
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(35)
    return layers, out.getvalue()


async def measure(args, db_path: Path) -> dict:
    gazetteer = Gazetteer.load()
    understanding.warm_up()  # the reader's dictionaries, as `nahbar run` loads them at start
    warmup, actions = workload(gazetteer, args.updates, args.users, args.seed)
    texts = Replies()

    echo_request = BenchRequest()
    echo = Bot("echo", echo_application(echo_request), echo_request, actions, warmup, check=False)

    engine = create_engine(f"sqlite+aiosqlite:///{db_path}")
    nahbar_request = BenchRequest()
    core = Nahbar(session_factory(engine), Services(gazetteer), clock=lambda: NOW)
    nahbar = Bot(
        "nahbar",
        build_application(TOKEN, core, request=nahbar_request, rate_limit=False),
        nahbar_request,
        actions,
        warmup,
        check=True,
    )
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    db_echo_request = BenchRequest()
    db_echo = Bot(
        "db-echo",
        db_echo_application(db_echo_request, session_factory(engine)),
        db_echo_request,
        actions,
        warmup,
        check=False,
    )
    bots = (echo, db_echo, nahbar)
    rounds: dict[str, list[dict]] = {bot.name: [] for bot in bots}
    try:
        for bot in bots:
            await bot.app.initialize()
            if bot.app.post_init:
                await bot.app.post_init(bot.app)
            bot.request.clear()
            await run_actions(bot, bot.warmup, texts)  # first messages: users are created here
            await run_actions(bot, bot.actions[: args.updates_warmup], texts)
        for bot in bots:
            bot.replies.clear()
        for r in range(args.rounds):
            for bot in bots:
                gc.collect()
                times = await run_actions(bot, bot.actions, texts)
                s = summary(times)
                rounds[bot.name].append(s)
                print(
                    f"  round {r + 1}/{args.rounds} {bot.name:<7}{s['updates_per_s']:>9,.0f} "
                    f"updates/s  p50 {s['p50_ms']:.2f} ms  p99 {s['p99_ms']:.2f} ms",
                    flush=True,
                )
        profile = None
        if args.profile:
            profiler = cProfile.Profile()
            nahbar_replies = Counter(nahbar.replies)
            profiler.enable()
            await run_actions(nahbar, nahbar.actions, texts)
            profiler.disable()
            nahbar.replies = nahbar_replies  # keep the counts to the timed rounds
            layers, text = profile_summary(profiler, len(nahbar.actions))
            path = args.dir / "profile-updates.txt"
            path.write_text(text)
            profiler.dump_stats(args.dir / "profile-updates.prof")  # for pstats/snakeviz
            profile = {"file": str(path), "layers": layers}
    finally:
        logging.getLogger().removeHandler(errors)
        for bot in bots:
            await bot.app.shutdown()
        await engine.dispose()

    for r in errors.records:
        nahbar.problems.append(
            f"logged error: {r.getMessage()} {r.exc_info[1] if r.exc_info else ''}"
        )
    med = {
        name: {k: statistics.median(s[k] for s in runs) for k in runs[0]}
        for name, runs in rounds.items()
    }
    ratio = med["nahbar"]["updates_per_s"] / med["echo"]["updates_per_s"]
    return {
        "rounds": rounds,
        "median": med,
        "ratio": ratio,
        "db_echo_ratio": med["db-echo"]["updates_per_s"] / med["echo"]["updates_per_s"],
        "replies": {bot.name: dict(bot.replies) for bot in bots},
        "mix": Counter(a.kind for a in actions),
        "problems": nahbar.problems + echo.problems + db_echo.problems,
        "profile": profile,
    }


# -- report ------------------------------------------------------------------------------------


def report(figures: dict, args, out=sys.stdout) -> bool:
    p = lambda *a: print(*a, file=out)  # noqa: E731
    med, ratio = figures["median"], figures["ratio"]
    p()
    p(
        f"Updates through Application.process_update: {args.updates:,} updates × {args.rounds} "
        f"rounds (interleaved echo/nahbar; medians), {args.users} users, seed {args.seed}; "
        f"{args.offers:,} offers on SQLite"
    )
    p(
        "Both without AIORateLimiter (rate_limit=False): with it both would be capped at about "
        "30 messages/s, Telegram's limit, not the bot's speed."
    )
    mix = figures["mix"]
    p(
        "nahbar mix: "
        + ", ".join(f"{mix[k]} {k}" for k, _ in MIX)
        + f"; echo: {args.updates:,} text updates"
    )
    p()
    header = (
        f"{'bot':<9}{'updates/s':>11}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'rounds (updates/s)':>30}"
    )
    p(header)
    p("-" * len(header))
    for name in ("echo", "db-echo", "nahbar"):
        m = med[name]
        each = " / ".join(f"{s['updates_per_s']:,.0f}" for s in figures["rounds"][name])
        p(
            f"{name:<9}{m['updates_per_s']:>11,.0f}{m['p50_ms']:>9.2f}{m['p90_ms']:>9.2f}"
            f"{m['p99_ms']:>9.2f}{m['max_ms']:>9.2f}{each:>30}"
        )
    p()
    replies = figures["replies"]["nahbar"]
    p(
        "nahbar replies in the timed rounds: "
        + ", ".join(f"{v} {k}" for k, v in sorted(replies.items()))
    )
    ok = ratio >= TARGET_RATIO
    scope = (
        ""
        if args.offers == TARGET_OFFERS
        else f" (target set at {TARGET_OFFERS:,} offers; informational)"
    )
    p(
        f"{'PASS' if ok else 'FAIL'} updates{scope}: nahbar "
        f"{med['nahbar']['updates_per_s']:,.0f}/s is {ratio:.1%} of echo "
        f"{med['echo']['updates_per_s']:,.0f}/s (target ≥ {TARGET_RATIO:.0%})"
    )
    floor = med["nahbar"]["updates_per_s"] / med["db-echo"]["updates_per_s"]
    figures["floor_ratio"] = floor
    p(
        f"{'PASS' if floor >= TARGET_FLOOR_RATIO else 'FAIL'} updates against the database "
        f"floor{scope}: nahbar runs at {floor:.0%} of db-echo "
        f"{med['db-echo']['updates_per_s']:,.0f}/s (echo plus loading user and dialogue state, "
        f"and a commit; {figures['db_echo_ratio']:.1%} of echo) (target ≥ {TARGET_FLOOR_RATIO:.0%})"
    )
    ok = ok and floor >= TARGET_FLOOR_RATIO
    if figures["problems"]:
        p(f"\nERROR: {len(figures['problems'])} updates went wrong; the first ones:")
        for line in figures["problems"][:10]:
            p("  " + line)
    if figures["profile"]:
        p(
            f"\ncProfile of one extra nahbar pass ({args.updates:,} updates): "
            f"{figures['profile']['file']}; self time by layer:"
        )
        for k, v in figures["profile"]["layers"].items():
            p(f"  {k:<55}{v['share']:>6.1%}{v['us_per_update']:>9.0f} µs/update")
    return ok


# -- command line ------------------------------------------------------------------------------


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The updates benchmark's own options (the shared ones are in benchmarks.cli)."""
    g = ap.add_argument_group("updates/s through process_update (benchmarks/updates.py)")
    g.add_argument(
        "--updates", type=int, default=None, help="timed updates per bot and round (2000)"
    )
    g.add_argument("--rounds", type=int, default=3, help="interleaved echo/nahbar rounds (3)")
    g.add_argument("--users", type=int, default=200, help="distinct users sending updates (200)")
    g.add_argument(
        "--updates-warmup",
        type=int,
        default=None,
        help="untimed updates after every user's first message (200)",
    )
    g.add_argument(
        "--updates-json", type=Path, default=None, help="figures as JSON (<dir>/updates.json)"
    )


def finish_args(args) -> None:
    finish_common(args)
    args.updates = args.updates or (200 if args.quick else 2_000)
    if args.updates_warmup is None:
        args.updates_warmup = 20 if args.quick else 200
    args.updates_json = args.updates_json or args.dir / "updates.json"


def main(argv=None) -> int:
    return run_standalone(sys.modules[__name__], argv)


def run(args) -> int:
    args.dir.mkdir(parents=True, exist_ok=True)
    cached, build_s = build_sqlite(args.dir, args.offers, args.seed, rebuild=args.rebuild)
    print(
        f"SQLite data set: {cached}"
        + (" (cached)" if build_s is None else f" built in {build_s:.1f} s")
    )
    with tempfile.TemporaryDirectory(prefix="nahbar-bench-") as tmp:
        db_path = Path(tmp) / "updates.sqlite3"
        shutil.copyfile(cached, db_path)  # the core writes users and dialogue state
        print(f"Working copy: {db_path}; {args.rounds} rounds of {args.updates:,} updates per bot")
        figures = asyncio.run(measure(args, db_path))
    ok = report(figures, args)
    figures["mix"] = dict(figures["mix"])
    out = {
        "now": NOW.isoformat(),
        "offers": args.offers,
        "updates": args.updates,
        "rounds_n": args.rounds,
        "users": args.users,
        "warmup": args.updates_warmup,
        "seed": args.seed,
        "rate_limit": False,
        "target_ratio": TARGET_RATIO,
        "pass": ok,
        "nahbar_per_s": figures["median"]["nahbar"]["updates_per_s"],
        "echo_per_s": figures["median"]["echo"]["updates_per_s"],
        "db_echo_per_s": figures["median"]["db-echo"]["updates_per_s"],
        **figures,
    }
    args.updates_json.parent.mkdir(parents=True, exist_ok=True)
    args.updates_json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"\nFigures written to {args.updates_json}")
    return 1 if figures["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
