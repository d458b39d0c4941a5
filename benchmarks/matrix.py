"""Matrix round trips: resident -> bot -> resident through a real Synapse on 127.0.0.1, the
Nahbar bot against a bare matrix-nio echo bot in the same run.

    python -m benchmarks --only matrix         # 100,000 offers, 8 residents × 40 messages, 3 rounds
    python -m benchmarks --only matrix --quick # 5,000 offers, 4 residents × 10 messages
    python -m benchmarks.matrix --residents 16 --messages 50 --rounds 5

One throwaway Synapse (tests/synapse.py: SQLite, rate limits lifted) serves both bots. Each bot
runs in its own process (`python -m benchmarks.matrix serve ...`), so it competes with the
residents' clients for the CPU the way a real deployment would not:

  echo    a bare matrix-nio AsyncClient: joins invites, answers every `m.text` with an
          `m.notice` of the same body from inside its sync callback (the nio examples' style).
  nahbar  bot.matrix.MatrixBot with the real core on a copy of the benchmark's cached SQLite
          data set, the clock fixed to the data set's NOW, end-to-end encryption loaded (the
          rooms themselves are unencrypted, as the echo bot cannot read encrypted ones).

Each bot gets its own --residents residents (real nio clients in this process), each in a
direct chat with it. In a round every resident sends --messages messages one after the other
and waits for the answer before the next; the residents run concurrently. A round trip is
the time from sending to receiving the bot's first event in that room. Nahbar's messages are
the updates benchmark's searches (town names, postcodes, shared locations, "14 Tage"); echo gets
the same texts. Rounds are interleaved (echo, nahbar, echo, …); the report gives medians.

Prints a table and a PASS/FAIL line (target: nahbar ≥ 50 % of the echo bot's round trips per
second), writes var/bench/matrix.json. Exit code 1 when an answer is missing or an error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from .cli import TARGET_OFFERS, finish_common, run_standalone
from .dataset import NOW, build_sqlite
from .stats import percentile

TARGET_RATIO = 0.50
READY = "READY"
ERROR_TEXT = "Sorry, something went wrong on our side. Please try again in a moment."


# -- the bots, each in its own process ---------------------------------------------------------


async def serve_echo(homeserver: str, user_id: str, password: str) -> None:
    """A bare matrix-nio echo bot, as the nio examples write one."""
    from nio import AsyncClient, InviteMemberEvent, MatrixRoom, RoomMessageText

    client = AsyncClient(homeserver, user_id)
    await client.login(password)
    await client.sync(timeout=0, full_state=True)  # history: not answered

    async def on_text(room: MatrixRoom, event: RoomMessageText) -> None:
        if event.sender != client.user_id:
            await client.room_send(
                room.room_id, "m.room.message", {"msgtype": "m.notice", "body": event.body}
            )

    async def on_invite(room, event: InviteMemberEvent) -> None:
        if event.state_key == client.user_id and event.membership == "invite":
            await client.join(room.room_id)

    client.add_event_callback(on_text, RoomMessageText)
    client.add_event_callback(on_invite, InviteMemberEvent)
    print(READY, flush=True)
    await client.sync_forever(timeout=30_000)


async def serve_nahbar(homeserver: str, user_id: str, password: str, store: str, db: str) -> None:
    """Nahbar's Matrix bot over the benchmark data set, the clock at the data set's NOW."""
    from bot.matrix import MatrixBot
    from bot.settings import Settings
    from handlers.core import Nahbar
    from handlers.services import Services
    from models.db import create_engine, session_factory
    from places import Gazetteer

    settings = Settings(
        _env_file=None,
        MATRIX_HOMESERVER=homeserver,
        MATRIX_USER_ID=user_id,
        MATRIX_PASSWORD=password,
        MATRIX_STORE_PATH=store,
        DATABASE_URL=f"sqlite+aiosqlite:///{db}",
    )
    engine = create_engine(settings.database_url)
    core = Nahbar(session_factory(engine), Services(Gazetteer.load()), clock=lambda: NOW)
    bot = MatrixBot(settings, core, max_backoff=1.0)
    await bot.start()
    await bot.ready.wait()
    print(READY, flush=True)
    await bot.failed  # runs until killed
    raise SystemExit(f"the bot failed: {bot.failed.result()}")


def serve(argv: list[str]) -> int:
    kind, *rest = argv
    if kind == "echo":
        asyncio.run(serve_echo(*rest))
    else:
        asyncio.run(serve_nahbar(*rest))
    return 0


class BotProcess:
    def __init__(self, name: str, args: list[str], workdir: Path) -> None:
        self.name, self.args, self.workdir = name, args, workdir
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, timeout: float = 90) -> None:
        root = Path(__file__).resolve().parent.parent
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
            "NO_PROXY": "127.0.0.1",
        }
        self._err = open(self.workdir / f"{self.name}.stderr", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.matrix",
            "serve",
            *self.args,
            cwd=self.workdir,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=self._err,
            stdin=asyncio.subprocess.DEVNULL,
        )
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if line.strip().decode() != READY:
            raise RuntimeError(
                f"{self.name} bot did not start:\n"
                + (self.workdir / f"{self.name}.stderr").read_text()[-3000:]
            )

    async def stop(self) -> None:
        if self.proc and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self._err.close()


# -- workload ------------------------------------------------------------------------------------


def texts(n: int, seed: int) -> list[str]:
    """The updates benchmark's searches as what a Matrix resident sends: text, or a location as
    (latitude, longitude)."""
    from places import Gazetteer

    from .updates import workload

    _, actions = workload(Gazetteer.load(), n, users=1, seed=seed)
    out: list = []
    for action in actions:
        if action.kind == "location":
            out.append((action.lat, action.lon))  # an m.location
        elif action.kind == "filter":
            out.append("14 Tage")
        else:
            out.append(action.text)
    return out


async def converse(resident, messages: list, echo: bool) -> tuple[list[float], list[str]]:
    """Send each message, wait for the bot's first answer; (seconds per round trip, problems).
    The echo bot answers text only, so it gets a location's coordinates as text."""
    times, problems = [], []
    for text in messages:
        started = time.perf_counter()
        try:
            if isinstance(text, tuple) and not echo:
                await resident.send_location(*text)
                answer = await resident.wait_for_reply()
            else:
                answer = await resident.ask(
                    text if isinstance(text, str) else "{:.5f}, {:.5f}".format(*text)
                )
        except AssertionError:
            problems.append(f"no answer to {text!r}")
            continue
        times.append(time.perf_counter() - started)
        if (
            ERROR_TEXT in answer.body
            or "Entschuldigung, bei uns ist etwas schiefgelaufen" in answer.body
        ):
            problems.append(f"error answer to {text!r}")
    return times, problems


async def measure(args, db_path: Path, workdir: Path) -> dict:
    from tests.synapse import MatrixResident, start_synapse

    server = await asyncio.to_thread(start_synapse)
    bots: dict[str, BotProcess] = {}
    residents: dict[str, list] = {}
    try:
        for name in ("echo", "nahbar"):
            account = await server.register(f"bench-{name}")
            extra = [] if name == "echo" else [str(workdir / "store"), str(db_path)]
            bots[name] = BotProcess(
                name, [name, server.url, account.user_id, account.password, *extra], workdir
            )
            await bots[name].start()
            people = [
                await MatrixResident.create(server, workdir, f"resident-{name}")
                for _ in range(args.residents)
            ]
            for person in people:
                await person.open_dm(account.user_id)
                if name == "nahbar":
                    await person.wait_for_reply()  # the welcome
            residents[name] = people
        messages = texts(args.residents * args.messages, args.seed)
        per_resident = [messages[i :: args.residents] for i in range(args.residents)]
        for name, people in residents.items():  # warm-up: every resident once, untimed
            await asyncio.gather(
                *(
                    converse(p, m[:1], name == "echo")
                    for p, m in zip(people, per_resident, strict=True)
                )
            )
        rounds: dict[str, list[dict]] = {"echo": [], "nahbar": []}
        problems: list[str] = []
        for r in range(args.matrix_rounds):
            for name in ("echo", "nahbar"):
                started = time.perf_counter()
                results = await asyncio.gather(
                    *(
                        converse(p, m, name == "echo")
                        for p, m in zip(residents[name], per_resident, strict=True)
                    )
                )
                wall = time.perf_counter() - started
                times = [t for ts, _ in results for t in ts]
                if name == "nahbar":
                    problems += [p for _, ps in results for p in ps]
                s = summary(times, wall)
                rounds[name].append(s)
                print(
                    f"  round {r + 1}/{args.matrix_rounds} {name:<7}{s['per_s']:>8.1f} round "
                    f"trips/s  p50 {s['p50_ms']:.0f} ms  p95 {s['p95_ms']:.0f} ms",
                    flush=True,
                )
    finally:
        for people in residents.values():
            for person in people:
                await person.stop()
        for bot in bots.values():
            await bot.stop()
        await asyncio.to_thread(server.stop)
    median = {
        name: {k: statistics.median(s[k] for s in runs) for k in runs[0]}
        for name, runs in rounds.items()
    }
    return {
        "rounds": rounds,
        "median": median,
        "problems": problems,
        "ratio": median["nahbar"]["per_s"] / median["echo"]["per_s"],
    }


def summary(seconds: list[float], wall: float) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "n": len(ms),
        "per_s": len(ms) / wall if wall else math.nan,
        "p50_ms": percentile(ms, 0.50),
        "p95_ms": percentile(ms, 0.95),
        "max_ms": ms[-1] if ms else math.nan,
    }


# -- report and command line ---------------------------------------------------------------------


def report(figures: dict, args) -> bool:
    med, ratio = figures["median"], figures["ratio"]
    print()
    print(
        f"Matrix round trips through a local Synapse: {args.residents} residents per bot × "
        f"{args.messages} messages × {args.matrix_rounds} rounds (interleaved; medians); "
        f"{args.offers:,} offers on SQLite"
    )
    header = (
        f"{'bot':<9}{'round trips/s':>15}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'rounds (/s)':>24}"
    )
    print(header)
    print("-" * len(header))
    for name in ("echo", "nahbar"):
        m = med[name]
        each = " / ".join(f"{s['per_s']:.1f}" for s in figures["rounds"][name])
        print(
            f"{name:<9}{m['per_s']:>15.1f}{m['p50_ms']:>9.0f}{m['p95_ms']:>9.0f}"
            f"{m['max_ms']:>9.0f}{each:>24}"
        )
    ok = ratio >= TARGET_RATIO
    print(
        f"{'PASS' if ok else 'FAIL'} matrix: nahbar {med['nahbar']['per_s']:.1f} round trips/s is "
        f"{ratio:.0%} of the echo bot's {med['echo']['per_s']:.1f}/s (target ≥ {TARGET_RATIO:.0%})"
    )
    if figures["problems"]:
        print(f"\nERROR: {len(figures['problems'])} messages went wrong; the first ones:")
        for line in figures["problems"][:10]:
            print("  " + line)
    return ok


def add_arguments(ap: argparse.ArgumentParser) -> None:
    g = ap.add_argument_group("Matrix round trips (benchmarks/matrix.py)")
    g.add_argument("--residents", type=int, default=None, help="residents per bot, concurrent (8)")
    g.add_argument(
        "--messages", type=int, default=None, help="messages per resident and round (40)"
    )
    g.add_argument(
        "--matrix-rounds", type=int, default=3, help="interleaved echo/nahbar rounds (3)"
    )
    g.add_argument(
        "--matrix-json", type=Path, default=None, help="figures as JSON (<dir>/matrix.json)"
    )


def finish_args(args) -> None:
    finish_common(args)
    args.residents = args.residents or (4 if args.quick else 8)
    args.messages = args.messages or (10 if args.quick else 40)
    args.matrix_json = args.matrix_json or args.dir / "matrix.json"


def run(args) -> int:
    args.dir.mkdir(parents=True, exist_ok=True)
    cached, build_s = build_sqlite(args.dir, args.offers, args.seed, rebuild=args.rebuild)
    print(
        f"SQLite data set: {cached}"
        + (" (cached)" if build_s is None else f" built in {build_s:.1f} s")
    )
    random.seed(args.seed)
    with tempfile.TemporaryDirectory(prefix="nahbar-bench-matrix-") as tmp:
        workdir = Path(tmp)
        db_path = workdir / "matrix.sqlite3"
        shutil.copyfile(cached, db_path)  # the core writes users and dialogue state
        figures = asyncio.run(measure(args, db_path, workdir))
    ok = report(figures, args)
    out = {
        "now": NOW.isoformat(),
        "offers": args.offers,
        "residents": args.residents,
        "messages": args.messages,
        "rounds_n": args.matrix_rounds,
        "seed": args.seed,
        "target_ratio": TARGET_RATIO,
        "pass": ok,
        "target_offers_note": None if args.offers == TARGET_OFFERS else "informational",
        **figures,
    }
    args.matrix_json.parent.mkdir(parents=True, exist_ok=True)
    args.matrix_json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"\nFigures written to {args.matrix_json}")
    return 1 if figures["problems"] else 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        return serve(argv[1:])
    return run_standalone(sys.modules[__name__], argv)


if __name__ == "__main__":
    raise SystemExit(main())
