"""`nahbar chat` from start to its first prompt, against a bare interpreter that only imports
SQLAlchemy's asyncio layer and python-telegram-bot, in the same run.

    python -m benchmarks --only startup          # 10 starts each, alternating
    python -m benchmarks --only startup --quick  # 3 starts each

Each start is a new process: `nahbar chat --user bench` on a SQLite file migrated and seeded
beforehand (so the figure is a start, not a first install), with the web face on (as by
default, on a free port). The clock stops when the first prompt ("> ") appears on its output;
then it is sent "/ende". The floor prints its prompt after its imports. Reported (medians):
wall time to the prompt, CPU time (user + system, read from /proc at the prompt: less
disturbed by a busy machine), resident memory at the prompt and the process's peak (VmHWM, as
it exits: the web face is loaded after the prompt). Targets: ≤ 1 s and ≤ 150 MB.

Bytecode is cached (PYTHONPYCACHEPREFIX under --dir) as it is in an installed copy; without
it every start would compile the project's modules again (a fifth of a second).
"""

from __future__ import annotations

import argparse
import json
import os
import select
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

from .cli import ROOT, finish_common, run_standalone

TARGET_SECONDS, TARGET_MB = 1.0, 150.0
FLOOR = "import sqlalchemy.ext.asyncio, telegram.ext"
PROMPT = b"\n> "
_REPORTING = """import atexit, runpy, sys
def peak():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM'):
            open({out!r}, 'a').write(line.split()[1] + chr(10))
atexit.register(peak)
sys.argv[0] = 'nahbar'
runpy.run_module('bot', run_name='__main__')
"""
_FLOOR = _REPORTING.replace(
    "runpy.run_module('bot', run_name='__main__')",
    FLOOR + "; sys.stdout.write(chr(10) + '> '); sys.stdout.flush(); sys.stdin.readline()",
)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _at_prompt(pid: int) -> tuple[float, float]:
    """(CPU seconds so far, resident MB now) of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    rss = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            rss = int(line.split()[1]) / 1024
    return cpu, rss


def _timed(command: list[str], env: dict, cwd: Path, peak_file: Path) -> dict:
    """Start once; wall, CPU and memory at the first prompt, peak memory at the end.
    posix_spawn, not fork: a forked child would start out with this (larger) process's memory."""
    in_read, in_write = os.pipe()
    out_read, out_write = os.pipe()
    errors = tempfile.TemporaryFile()  # noqa: SIM115 - read once the child is gone
    peak_file.unlink(missing_ok=True)
    here = os.getcwd()
    os.chdir(cwd)  # posix_spawn has no working-directory action before Python 3.13
    try:
        started = time.perf_counter()
        pid = os.posix_spawn(
            command[0],
            command,
            env,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, in_read, 0),
                (os.POSIX_SPAWN_DUP2, out_write, 1),
                (os.POSIX_SPAWN_DUP2, errors.fileno(), 2),
            ],
        )
    finally:
        os.chdir(here)
    os.close(in_read)
    os.close(out_write)
    seen = b""
    prompt = None
    deadline = started + 60
    while prompt is None and time.perf_counter() < deadline:
        ready, _, _ = select.select([out_read], [], [], 1.0)
        if not ready:
            continue
        chunk = os.read(out_read, 65536)
        if not chunk:
            break
        seen += chunk
        if PROMPT in seen:
            prompt = time.perf_counter() - started
            cpu, rss = _at_prompt(pid)
    os.write(in_write, b"/ende\n")
    os.close(in_write)
    while os.read(out_read, 65536):
        pass
    os.close(out_read)
    _, status, _ = os.wait4(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0 or prompt is None:
        errors.seek(0)
        raise RuntimeError(
            f"{command[:2]} failed ({code}, prompt {'seen' if prompt else 'not seen'}): "
            f"{errors.read().decode(errors='replace')[-2000:]}"
        )
    return {
        "wall_s": prompt,
        "cpu_s": cpu,
        "rss_mb": rss,
        "peak_mb": int(peak_file.read_text().split()[-1]) / 1024,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="nahbar-start-") as tmp:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "MATRIX_", "NAHBAR_", "DATABASE_"))
            and k != "PYTHONDONTWRITEBYTECODE"
        }
        env.update(
            DATABASE_URL=f"sqlite:///{Path(tmp) / 'start.sqlite3'}",
            LANG="de_DE.UTF-8",
            PYTHONPATH=str(ROOT),
            PYTHONPYCACHEPREFIX=str(args.dir / "pycache"),
            NAHBAR_WEB_LISTEN=f"127.0.0.1:{_free_port()}",
        )
        # The process notes its own peak memory (VmHWM) as it exits: the figure the kernel
        # reports to a parent can include memory of the parent's the child started out with.
        peak = Path(tmp) / "peak"
        chat = [sys.executable, "-c", _REPORTING.format(out=str(peak)), "chat", "--user", "bench"]
        floor = [sys.executable, "-c", _FLOOR.format(out=str(peak))]
        _timed(chat, env, Path(tmp), peak)  # migrate, seed, compile: not counted
        _timed(floor, env, Path(tmp), peak)
        runs = {"nahbar chat": [], "floor": []}
        for _ in range(args.starts):
            for name, command in (("nahbar chat", chat), ("floor", floor)):
                runs[name].append(_timed(command, env, Path(tmp), peak))
    median = {
        name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()
    }
    ratios = [
        c["wall_s"] / f["wall_s"] for c, f in zip(runs["nahbar chat"], runs["floor"], strict=True)
    ]
    return {
        "runs": runs,
        "median": median,
        "wall_ratio": statistics.median(ratios),
        "floor_command": FLOOR,
    }


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
    ok = chat["wall_s"] <= TARGET_SECONDS and chat["peak_mb"] <= TARGET_MB
    print(
        f"\n`nahbar chat` to its first prompt, medians of {args.starts}: {chat['wall_s']:.2f} s "
        f"wall, {chat['cpu_s']:.2f} s CPU, {chat['rss_mb']:.0f} MB resident at the prompt, "
        f"{chat['peak_mb']:.0f} MB peak (web face loaded after it)"
    )
    print(
        f"the floor ({FLOOR}): {floor['wall_s']:.2f} s wall, {floor['cpu_s']:.2f} s CPU, "
        f"{floor['rss_mb']:.0f} MB; nahbar chat takes {figures['wall_ratio']:.1f}× the floor's "
        f"wall time (median of the pairs)"
    )
    print(
        f"{'PASS' if ok else 'FAIL'} startup: {chat['wall_s']:.2f} s ≤ {TARGET_SECONDS:g} s, "
        f"{chat['peak_mb']:.0f} MB ≤ {TARGET_MB:g} MB"
    )
    (args.dir / "startup.json").write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def main(argv=None) -> int:
    return run_standalone(sys.modules[__name__], argv)


if __name__ == "__main__":
    raise SystemExit(main())
