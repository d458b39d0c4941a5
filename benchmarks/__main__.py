"""`python -m benchmarks`: every benchmark by default, `--only NAME` (repeatable) for some:
nearby, updates, dispatcher, matrix, web, reader, coord, load, soak, startup."""

import argparse

from . import coord, dispatcher, load, matrix, nearby, reader, soak, startup, updates, web
from .cli import add_common_arguments

BENCHMARKS = {
    "nearby": nearby,
    "updates": updates,
    "dispatcher": dispatcher,
    "matrix": matrix,
    "web": web,
    "reader": reader,
    "coord": coord,
    "load": load,
    "soak": soak,
    "startup": startup,
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Nahbar benchmarks: nearby-search latency (benchmarks/nearby.py) and "
        "updates/s through PTB's process_update (benchmarks/updates.py), outbox dispatcher "
        "throughput and rate limiting (benchmarks/dispatcher.py), Matrix round trips through a "
        "local Synapse (benchmarks/matrix.py), the web face over HTTP (benchmarks/web.py), reading "
        "a message (benchmarks/reader.py).",
    )
    ap.add_argument(
        "--only",
        choices=sorted(BENCHMARKS),
        action="append",
        help="run just this benchmark (repeatable); default: all",
    )
    add_common_arguments(ap)
    for module in BENCHMARKS.values():
        module.add_arguments(ap)
    args = ap.parse_args(argv)
    chosen = args.only or list(BENCHMARKS)
    code = 0
    for name in BENCHMARKS:
        if name not in chosen:
            continue
        module = BENCHMARKS[name]
        module.finish_args(args)
        print(f"\n=== {name} ===", flush=True)
        code = max(code, module.run(args))
    return code


raise SystemExit(main())
