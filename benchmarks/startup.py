"""`nahbar chat` from start to its first prompt and out again, against a bare interpreter that
only imports SQLAlchemy's asyncio layer and python-telegram-bot, in the same run.

    python -m benchmarks --only startup          # 10 starts each, alternating
    python -m benchmarks --only startup --quick  # 3 starts each

Each start is a new process: `nahbar chat --user bench` reading "/ende" from a pipe, on a
SQLite file migrated and seeded beforehand (so the figure is a start, not a first install).
Reported: wall time (median), CPU time (user + system: less disturbed by a busy machine) and
peak resident memory (the process's own maximum). Targets: ≤ 1 s and ≤ 150 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from .cli import ROOT, finish_common, run_standalone

TARGET_SECONDS, TARGET_MB = 1.0, 150.0
FLOOR = "import sqlalchemy.ext.asyncio, telegram.ext"
_REPORTING = """import atexit, runpy, sys
def peak():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM'):
            open({out!r}, 'a').write(line.split()[1] + chr(10))
atexit.register(peak)
sys.argv[0] = 'nahbar'
runpy.run_module('bot', run_name='__main__')
"""


def _timed(command: list[str], env: dict, cwd: Path, stdin: bytes = b"") -> dict:
    """Run once; wall, CPU and the child's own peak memory. posix_spawn, not fork: a forked
    child would start out with this (larger) process's memory counted as its peak."""
    read_end, write_end = os.pipe()
    with tempfile.TemporaryFile() as errors:
        devnull = os.open(os.devnull, os.O_WRONLY)
        started = time.perf_counter()
        pid = (
            os.posix_spawn(
                command[0],
                command,
                env,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, read_end, 0),
                    (os.POSIX_SPAWN_DUP2, devnull, 1),
                    (os.POSIX_SPAWN_DUP2, errors.fileno(), 2),
                ],
                setsid=False,
            )
            if cwd is None
            else _spawn_in(cwd, command, env, read_end, devnull, errors.fileno())
        )
        os.close(read_end)
        os.close(devnull)
        os.write(write_end, stdin)
        os.close(write_end)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            errors.seek(0)
            raise RuntimeError(
                f"{command} failed ({code}): {errors.read().decode(errors='replace')[-2000:]}"
            )
        return {
            "wall_s": wall,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024,
        }


def _spawn_in(
    cwd: Path, command: list[str], env: dict, stdin: int, stdout: int, stderr: int
) -> int:
    here = os.getcwd()
    os.chdir(cwd)  # posix_spawn has no working-directory action before Python 3.13
    try:
        return os.posix_spawn(
            command[0],
            command,
            env,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, stdin, 0),
                (os.POSIX_SPAWN_DUP2, stdout, 1),
                (os.POSIX_SPAWN_DUP2, stderr, 2),
            ],
        )
    finally:
        os.chdir(here)


def measure(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="nahbar-start-") as tmp:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "MATRIX_", "NAHBAR_", "DATABASE_"))
        }
        env.update(
            DATABASE_URL=f"sqlite:///{Path(tmp) / 'start.sqlite3'}",
            LANG="de_DE.UTF-8",
            PYTHONPATH=str(ROOT),
        )
        # The process notes its own peak memory (VmHWM) as it exits: the figure the kernel
        # reports to a parent can include memory of the parent's the child started out with.
        chat = [
            sys.executable,
            "-c",
            _REPORTING.format(out=str(Path(tmp) / "peak")),
            "chat",
            "--user",
            "bench",
        ]
        _timed(chat, env, Path(tmp), b"/ende\n")  # migrate and seed, not counted
        runs = {"nahbar chat": [], "floor": []}
        floor = [
            sys.executable,
            "-c",
            _REPORTING.format(out=str(Path(tmp) / "peak")).replace(
                "runpy.run_module('bot', run_name='__main__')", FLOOR
            ),
        ]
        for _ in range(args.starts):
            for name, command, stdin in (("nahbar chat", chat, b"/ende\n"), ("floor", floor, b"")):
                (Path(tmp) / "peak").unlink(missing_ok=True)
                result = _timed(command, env, Path(tmp), stdin)
                result["rss_mb"] = int((Path(tmp) / "peak").read_text().split()[-1]) / 1024
                runs[name].append(result)
    median = {
        name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()
    }
    return {"runs": runs, "median": median, "floor_command": FLOOR}


def add_arguments(ap: argparse.ArgumentParser) -> None:
    g = ap.add_argument_group("nahbar chat start (benchmarks/startup.py)")
    g.add_argument("--starts", type=int, default=None, help="starts of each (10)")


def finish_args(args) -> None:
    finish_common(args)
    args.starts = args.starts or (3 if args.quick else 10)


def run(args) -> int:
    args.dir.mkdir(parents=True, exist_ok=True)
    figures = measure(args)
    chat, floor = figures["median"]["nahbar chat"], figures["median"]["floor"]
    ok = chat["wall_s"] <= TARGET_SECONDS and chat["rss_mb"] <= TARGET_MB
    print(
        f"\n`nahbar chat` start to exit, medians of {args.starts}: {chat['wall_s']:.2f} s wall, "
        f"{chat['cpu_s']:.2f} s CPU, {chat['rss_mb']:.0f} MB peak; the floor ({FLOOR}) "
        f"{floor['wall_s']:.2f} s wall, {floor['cpu_s']:.2f} s CPU, {floor['rss_mb']:.0f} MB "
        f"({chat['wall_s'] / floor['wall_s']:.1f}× its wall time)"
    )
    print(
        f"{'PASS' if ok else 'FAIL'} startup: {chat['wall_s']:.2f} s ≤ {TARGET_SECONDS:g} s, "
        f"{chat['rss_mb']:.0f} MB ≤ {TARGET_MB:g} MB"
    )
    (args.dir / "startup.json").write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def main(argv=None) -> int:
    return run_standalone(sys.modules[__name__], argv)


if __name__ == "__main__":
    raise SystemExit(main())
