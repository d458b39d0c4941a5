"""How long reading one message takes (handlers/understanding.read): every labelled message of
tests/data/understanding, read --rounds times, each timed alone.

    python -m benchmarks --only reader               # 20 rounds over 846 messages
    python -m benchmarks --only reader --quick       # 3 rounds

Baseline in the same run: `Gazetteer.resolve(text)` on the same messages, which is what the
words path ended in before the reader (the rest of the message resolved as a place name).
The first round is a warm-up (caches, simplemma's dictionary, lingua's models) and not timed.
Each message is timed twice over: wall-clock (perf_counter) and the CPU time of this thread
(thread_time), since the development machine is shared (2 cores, several engineers: a wall
clock there counts the time the process waited for a core). Target: p99 under 2 ms, checked on
the CPU time and reported for both. Writes var/bench/reader.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import time

from handlers.understanding import read
from handlers.understanding.language import warm_up as warm_up_language
from handlers.understanding.lemmas import warm_up as warm_up_lemmas
from places import Gazetteer
from tests.reader_eval import PARTS, load

from .cli import finish_common, run_standalone
from .stats import percentile

TARGET_P99_MS = 2.0


def add_arguments(ap: argparse.ArgumentParser) -> None:
    g = ap.add_argument_group("reader")
    g.add_argument(
        "--reader-rounds",
        type=int,
        default=None,
        help="rounds over the corpus (20; 3 with --quick)",
    )


def finish_args(args) -> None:
    finish_common(args)
    args.reader_rounds = args.reader_rounds or (3 if args.quick else 20)


def _timed(fn, texts: list[str], rounds: int) -> tuple[list[float], list[float]]:
    """(wall-clock ms, CPU ms) per call, each sorted."""
    wall, cpu = [], []
    gc.disable()
    try:
        for _ in range(rounds):
            for text in texts:
                started, started_cpu = time.perf_counter(), time.thread_time()
                fn(text)
                cpu.append((time.thread_time() - started_cpu) * 1000)
                wall.append((time.perf_counter() - started) * 1000)
    finally:
        gc.enable()
    return sorted(wall), sorted(cpu)


def _summary(ms: list[float]) -> dict:
    return {
        "n": len(ms),
        "p50_ms": percentile(ms, 0.5),
        "p90_ms": percentile(ms, 0.9),
        "p99_ms": percentile(ms, 0.99),
        "max_ms": ms[-1],
    }


def run(args) -> int:
    gazetteer = Gazetteer.load()
    texts = [row["text"] for part in PARTS for row in load(part)]
    started = time.perf_counter()
    warm_up_lemmas()
    warm_up_language()
    loaded_s = time.perf_counter() - started
    for text in texts:  # warm-up round
        read(text, gazetteer)
        gazetteer.resolve(text)
    reader_wall, reader_cpu = map(
        _summary, _timed(lambda text: read(text, gazetteer), texts, args.reader_rounds)
    )
    base_wall, base_cpu = map(_summary, _timed(gazetteer.resolve, texts, args.reader_rounds))
    ok = reader_cpu["p99_ms"] < TARGET_P99_MS
    print(
        f"{len(texts)} messages × {args.reader_rounds} rounds; simplemma + lingua loaded in "
        f"{loaded_s:.2f} s"
    )
    print(f"{'ms per message':36} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7}")
    for name, s in (
        ("reader (read), CPU", reader_cpu),
        ("reader (read), wall clock", reader_wall),
        ("baseline (Gazetteer.resolve), CPU", base_cpu),
        ("baseline (Gazetteer.resolve), wall", base_wall),
    ):
        print(
            f"{name:36} {s['p50_ms']:7.3f} {s['p90_ms']:7.3f} {s['p99_ms']:7.3f} {s['max_ms']:7.2f}"
        )
    print(
        f"{'PASS' if ok else 'FAIL'}: reader p99 {reader_cpu['p99_ms']:.3f} ms CPU, "
        f"{reader_wall['p99_ms']:.3f} ms wall (target < {TARGET_P99_MS} ms); p50 "
        f"{reader_cpu['p50_ms'] / base_cpu['p50_ms']:.2f}× the baseline's"
    )
    args.dir.mkdir(parents=True, exist_ok=True)
    (args.dir / "reader.json").write_text(
        json.dumps(
            {
                "messages": len(texts),
                "rounds": args.reader_rounds,
                "load_s": loaded_s,
                "reader_cpu": reader_cpu,
                "reader_wall": reader_wall,
                "baseline_resolve_cpu": base_cpu,
                "baseline_resolve_wall": base_wall,
                "target_p99_ms": TARGET_P99_MS,
                "pass": ok,
            },
            indent=2,
        )
        + "\n"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(run_standalone(__import__(__name__)))
