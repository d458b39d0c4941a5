"""Load: `nahbar run` webhook workers on one PostgreSQL, one worker against two in the same run.

    python -m benchmarks --only load                 # 10,000 residents, 3,000 updates per run
    python -m benchmarks --only load --quick         # 1,000 residents, 400 updates

The Bot API fake (tests/fake_bot_api.py) posts webhook updates to the workers in turn, as a
reverse proxy would, again until a worker answers 200, as Telegram does; the workers are the
real processes (tests/workers.py) on a throwaway PostgreSQL with the example offers. Residents
(--load-residents, seeded) write what residents write: a town's name (a search), "morgen" or
"Spaziergang" after it, /hilfe, a shared location near a town. Then, in a second wave, each
resident shown a list opens its first meeting (details), and in a third, each shown a
meeting's details taps "🔔 Erinnern" (a reminder asked). In each wave a resident sends one
update, and its answer is the first message (or pop-up) the bot sends after it.

Measured per run: throughput (updates answered per second, from the first post to the last
answer), latency from post to answer (p50, p99), errors (the bot's apology, or failed calls),
updates lost (never answered) and answered twice. The target: two workers ≥ 1.6× one worker's
throughput on a machine with two free cores; 0 errors, 0 lost, 0 duplicates. Telegram's own
30 messages/s limit is lifted for the measurement (TELEGRAM_MESSAGES_PER_SECOND=1000): it
would measure the limit, not the workers (docs/operations.md has what it means for a bot).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from .cli import finish_common, run_standalone
from .stats import percentile

TOWNS = (
    "Wernigerode",
    "Quedlinburg",
    "Magdeburg",
    "Halle",
    "Dessau",
    "Stendal",
    "Halberstadt",
    "Salzwedel",
    "Naumburg",
    "Bernburg",
    "Thale",
    "Ilsenburg",
    "Burg",
    "Zerbst",
)
LOCATIONS = ((51.8365, 10.7822), (52.1315, 11.6399), (51.4825, 11.9697), (51.7890, 11.1413))
ERROR = "etwas schiefgelaufen"
TARGET_SCALING = 1.6


def messages(residents: int, count: int, seed: int) -> list[tuple[int, str | tuple[float, float]]]:
    """(chat id, text or location) for `count` residents picked from `residents`, seeded."""
    rng = random.Random(f"load-{seed}")
    chats = rng.sample(range(700_000, 700_000 + residents), count)
    out = []
    for chat in chats:
        kind = rng.random()
        if kind < 0.55:
            out.append((chat, rng.choice(TOWNS)))
        elif kind < 0.70:
            out.append((chat, f"Spaziergang in {rng.choice(TOWNS)} morgen"))
        elif kind < 0.80:
            out.append((chat, "/hilfe"))
        else:
            lat, lon = rng.choice(LOCATIONS)
            out.append((chat, (lat + rng.uniform(-0.02, 0.02), lon + rng.uniform(-0.02, 0.02))))
    return out


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (Linux /proc; 0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / tick


def _postgres_pids(data: Path | None) -> list[int]:
    """The server's postmaster and every process it started (backends, writers)."""
    if data is None:
        return []
    try:
        postmaster = int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    pids = [postmaster]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


class CpuUse:
    """CPU seconds used between start() and stop() by the workers, PostgreSQL and this process
    (the Bot API fake and the residents' updates): where a run's cores went."""

    def __init__(self, workers: list[int], postgres: Path | None) -> None:
        self.workers, self.postgres = workers, postgres

    def _now(self) -> dict[str, float]:
        return {
            "workers": _cpu_seconds(self.workers),
            "postgres": _cpu_seconds(_postgres_pids(self.postgres)),
            "bot_api_fake": time.process_time(),
        }

    def start(self) -> None:
        self.began = self._now()

    def stop(self) -> dict[str, float]:
        ended = self._now()
        return {part: ended[part] - self.began[part] for part in ended}


async def one_run(
    workers_n: int, server_url: str, work: list, tmp: Path, postgres: Path | None = None
) -> dict:
    from tests.fake_bot_api import FakeBotApi
    from tests.workers import TOKEN, Worker, fresh_database

    async with FakeBotApi(TOKEN) as api, fresh_database(server_url, tmp) as url:
        workers = [
            Worker(tmp, api, url, TELEGRAM_MESSAGES_PER_SECOND="1000", NAHBAR_LOG_LEVEL="WARNING")
            for _ in range(workers_n)
        ]
        try:
            for worker in workers:  # one after the other: the first migrates and seeds
                await worker.start()
                await worker.wait_ready()
            api.deliver_by_webhook([w.webhook_url for w in workers], connections=16)
            cpu = CpuUse([w.proc.pid for w in workers if w.proc is not None], postgres)
            cpu.start()
            started = time.monotonic()
            wanted = {chat for chat, _ in work}
            # Wave 1: every resident writes (a search, mostly). Wave 2: those shown a list open
            # its first meeting (details). Wave 3: those shown details ask to be reminded.
            waves = [await _wave(api, [(chat, what) for chat, what in work])]
            details = [
                (chat, ("press", message_id, data))
                for chat, (message_id, data) in _buttons(api, [c for c, _ in work], "o:").items()
            ]
            waves.append(await _wave(api, details))
            reminders = [
                (chat, ("press", message_id, data))
                for chat, (message_id, data) in _buttons(
                    api, [c for c, _ in details], "", label="Erinnern"
                ).items()
            ]
            waves.append(await _wave(api, reminders))
            finished = time.monotonic()
            cpu_used = cpu.stop()
            await asyncio.sleep(1.0)  # late duplicates would come now
            posted_n = sum(w["posted"] for w in waves)
            answered_n = sum(w["answered"] for w in waves)
            latencies = sorted(ms for w in waves for ms in w["latencies"])
            errors = sum(
                1
                for c in api.calls
                if c.method in REPLIES and (c.error or ERROR in c.text) and c.chat_id in wanted
            )
            lost = posted_n - answered_n
            sizes = Counter(len(w["latencies"]) for w in waves)
            rss = []
            for worker in workers:
                metrics = await worker.metrics()
                rss += [
                    float(line.split()[-1]) / 2**20
                    for line in metrics.splitlines()
                    if line.startswith("process_resident_memory_bytes")
                ]
            handled = 0.0
            for worker in workers:
                handled += _counter(await worker.metrics(), "nahbar_updates_total", "answered")
            wave_figures = [
                {k: v for k, v in w.items() if k != "latencies"}
                | {
                    "p50_ms": percentile(sorted(w["latencies"]), 0.5),
                    "p99_ms": percentile(sorted(w["latencies"]), 0.99),
                }
                for w in waves
            ]
        finally:
            await asyncio.gather(*(w.stop() for w in workers), return_exceptions=True)
    return {
        "workers": workers_n,
        "updates": posted_n,
        "seconds": finished - started,
        "updates_per_s": answered_n / (finished - started),
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
        "errors": errors,
        "lost": lost,
        "answered_twice": int(handled) - answered_n if handled else 0,
        "rss_mb": rss,
        "waves": wave_figures,
        "wave_sizes": dict(sizes),
        # CPU milliseconds per answered update, by who spent them
        "cpu_ms_per_update": {k: v * 1000 / answered_n for k, v in cpu_used.items()},
    }


REPLIES = ("sendMessage", "editMessageText", "sendVenue", "sendLocation", "sendPhoto")


async def _wave(api, work: list) -> dict:
    """Push one update per chat, wait until each chat has a reply after its update; latency
    from the push to the first reply."""
    mark = len(api.calls)
    posted: dict[int, float] = {}
    queries: dict[str, int] = {}  # a pressed button is answered by its pop-up or a message
    for chat, what in work:
        posted[chat] = time.monotonic()
        if isinstance(what, tuple) and what[0] == "press":
            queries[api.push_callback(chat, what[1], what[2])] = chat
        elif isinstance(what, tuple):
            api.push_location(chat, *what)
        else:
            api.push_text(chat, what)
    started = time.monotonic()

    seen: dict[int, float] = {}
    scanned = [mark]

    def firsts() -> dict[int, float]:  # reads only the calls that came since the last look
        calls = api.calls[scanned[0] :]
        scanned[0] += len(calls)
        for call in calls:
            if call.method in REPLIES and call.chat_id in posted:
                seen.setdefault(call.chat_id, call.at)
            elif call.method == "answerCallbackQuery":
                chat = queries.get(str(call.params.get("callback_query_id")))
                if chat is not None:
                    seen.setdefault(chat, call.at)
        return seen

    # Those never answered are counted as lost below, not raised.
    with contextlib.suppress(AssertionError):
        await api.wait_until(lambda: len(firsts()) >= len(posted), 600, "every answer")
    seen = firsts()
    return {
        "posted": len(posted),
        "answered": len(seen),
        "seconds": time.monotonic() - started,
        "latencies": [(seen[c] - posted[c]) * 1000 for c in seen],
    }


def _buttons(api, chats: list[int], prefix: str, label: str = "") -> dict[int, tuple[int, str]]:
    """Per chat, the newest bot message's first button whose data starts with `prefix` (and
    whose label holds `label`): (message id, data)."""
    from tests.fake_bot_api import Screen

    found: dict[int, tuple[int, str]] = {}
    for chat in chats:
        mine = api.messages.get(chat, {})
        for message_id in sorted(mine, reverse=True):
            buttons = [
                d
                for text, d in Screen(mine[message_id]).buttons
                if d and d.startswith(prefix) and label in text
            ]
            if buttons:
                found[chat] = (message_id, buttons[0])
                break
    return found


def _counter(metrics: str, name: str, outcome: str) -> float:
    total = 0.0
    for line in metrics.splitlines():
        if line.startswith(name + "{") and f'outcome="{outcome}"' in line:
            total += float(line.split()[-1])
    return total


async def measure(args) -> dict:
    from tests.postgres import start_postgres

    server = start_postgres()
    if server is None:
        return {"skipped": "PostgreSQL is not installed"}
    work = messages(args.load_residents, args.load_updates, args.seed)
    runs = []
    try:
        with tempfile.TemporaryDirectory(prefix="nahbar-load-") as tmp:
            for round_ in range(args.load_rounds):
                for n in (1, 2):
                    result = await one_run(n, server.url, work, Path(tmp), server.data)
                    runs.append(result)
                    waves = ", ".join(
                        f"{w['answered']}/{w['posted']} p99 {w['p99_ms']:.0f} ms"
                        for w in result["waves"]
                    )
                    print(
                        f"  round {round_ + 1}: {n} worker(s) [searches, details, reminders: "
                        f"{waves}]: {result['updates_per_s']:,.0f} updates/s, "
                        f"p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms, "
                        f"{result['errors']} errors, {result['lost']} lost, "
                        f"{result['answered_twice']} answered twice; CPU per update: "
                        + ", ".join(
                            f"{part} {ms:.2f} ms"
                            for part, ms in result["cpu_ms_per_update"].items()
                        ),
                        flush=True,
                    )
    finally:
        server.stop()
    one = statistics.median(r["updates_per_s"] for r in runs if r["workers"] == 1)
    two = statistics.median(r["updates_per_s"] for r in runs if r["workers"] == 2)
    # What two workers could reach on this machine at best: its cores divided by the CPU one
    # update costs in all processes together (workers, PostgreSQL, the fake and the residents).
    per_update = statistics.median(
        sum(r["cpu_ms_per_update"].values()) for r in runs if r["workers"] == 2
    )
    worker_share = statistics.median(
        r["cpu_ms_per_update"]["workers"] / sum(r["cpu_ms_per_update"].values())
        for r in runs
        if r["workers"] == 2
    )
    cores = os.cpu_count() or 1
    ceiling = min(2.0 * one, cores * 1000 / per_update) if per_update else math.inf
    return {
        "runs": runs,
        "cores": cores,
        "cpu_ms_per_update_all": per_update,
        "worker_share_of_cpu": worker_share,
        "two_workers_ceiling_per_s": ceiling,
        "one_worker_per_s": one,
        "two_workers_per_s": two,
        "scaling": two / one,
        "errors": sum(r["errors"] for r in runs),
        "lost": sum(r["lost"] for r in runs),
        "answered_twice": sum(r["answered_twice"] for r in runs),
    }


def add_arguments(ap: argparse.ArgumentParser) -> None:
    g = ap.add_argument_group("webhook workers on PostgreSQL (benchmarks/load.py)")
    g.add_argument("--load-residents", type=int, default=None, help="simulated residents (10,000)")
    g.add_argument("--load-updates", type=int, default=None, help="updates per run (3,000)")
    g.add_argument("--load-rounds", type=int, default=None, help="one/two-worker pairs (2)")


def finish_args(args) -> None:
    finish_common(args)
    args.load_residents = args.load_residents or (1_000 if args.quick else 10_000)
    args.load_updates = args.load_updates or (400 if args.quick else 3_000)
    args.load_rounds = args.load_rounds or (1 if args.quick else 2)


def run(args) -> int:
    args.dir.mkdir(parents=True, exist_ok=True)
    figures = asyncio.run(measure(args))
    if "skipped" in figures:
        print(f"load: skipped ({figures['skipped']})")
        return 0
    cores = os.cpu_count()
    ok = figures["scaling"] >= TARGET_SCALING
    print(
        f"\nWebhook workers on one PostgreSQL, {args.load_residents:,} residents, "
        f"{args.load_updates:,} "
        f"residents writing per run (then details and reminders asked: "
        f"{statistics.median(r['updates'] for r in figures['runs']):,.0f} updates), medians of "
        f"{args.load_rounds} rounds; {cores} cores shared with the "
        f"database, the Bot API fake and whatever else runs on this machine"
    )
    print(
        f"one worker {figures['one_worker_per_s']:,.0f} updates/s, two workers "
        f"{figures['two_workers_per_s']:,.0f} updates/s: {figures['scaling']:.2f}×"
    )
    ceiling = figures["two_workers_ceiling_per_s"]
    print(
        f"an update costs {figures['cpu_ms_per_update_all']:.2f} ms of CPU in all processes, "
        f"{figures['worker_share_of_cpu']:.0%} of it in the workers: {cores} cores allow two "
        f"workers at most {ceiling:,.0f} updates/s = "
        f"{ceiling / figures['one_worker_per_s']:.2f}× one; reached "
        f"{figures['two_workers_per_s'] / ceiling:.0%} of that ceiling"
    )
    print(
        f"{'PASS' if ok else 'FAIL'} load: two workers {figures['scaling']:.2f}× one "
        f"(target ≥ {TARGET_SCALING}× with two free cores); {figures['errors']} errors, "
        f"{figures['lost']} lost, {figures['answered_twice']} answered twice"
    )
    (args.dir / "load.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(f"Figures written to {args.dir / 'load.json'}")
    bad = figures["errors"] or figures["lost"] or figures["answered_twice"]
    return 1 if bad else 0


def main(argv=None) -> int:
    return run_standalone(sys.modules[__name__], argv)


if __name__ == "__main__":
    raise SystemExit(main())
