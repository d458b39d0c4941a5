"""Options shared by the benchmarks (data set, seed, output directory, --quick, --profile)."""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "var" / "bench"
TARGET_OFFERS = 100_000
QUICK_OFFERS = 5_000


def add_common_arguments(ap: argparse.ArgumentParser) -> None:
    g = ap.add_argument_group("data set and output (all benchmarks)")
    g.add_argument(
        "--offers",
        type=int,
        default=None,
        help=f"offers in the data set ({TARGET_OFFERS}; {QUICK_OFFERS} with --quick)",
    )
    g.add_argument("--seed", type=int, default=1)
    g.add_argument(
        "--quick", action="store_true", help="smoke run: small data set, few queries/updates"
    )
    g.add_argument("--rebuild", action="store_true", help="rebuild the cached SQLite data set")
    g.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the measured loops; writes <dir>/profile-*.txt",
    )
    g.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="cache and output directory")


def finish_common(args) -> None:
    if getattr(args, "_common_done", False):
        return
    args.offers = args.offers or (QUICK_OFFERS if args.quick else TARGET_OFFERS)
    args._common_done = True


def run_standalone(module, argv=None) -> int:
    """`python -m benchmarks.<name>`: one benchmark with its own and the shared options."""
    name = module.__spec__.name if module.__spec__ else module.__name__
    ap = argparse.ArgumentParser(
        prog=f"python -m {name}", description=module.__doc__.split("\n")[0]
    )
    add_common_arguments(ap)
    module.add_arguments(ap)
    args = ap.parse_args(argv)
    module.finish_args(args)
    return module.run(args)
