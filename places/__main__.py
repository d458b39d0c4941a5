"""python -m places [TEXT ...]: load time and memory of the gazetteer, then resolve each TEXT."""

from __future__ import annotations

import os
import sys
import time
import tracemalloc


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return float("nan")  # not Linux


def main(argv: list[str]) -> int:
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    from places import Gazetteer  # import included: this is the cold start cost
    from places.gazetteer import DEFAULT_PATH

    gaz = Gazetteer.load()
    load_ms = (time.perf_counter() - t0) * 1000
    rss_delta = _rss_mb() - rss0
    # Python heap held by one loaded gazetteer: load a second, uncached copy under tracemalloc.
    tracemalloc.start()
    copy = Gazetteer._read(DEFAULT_PATH, gaz.home_region)
    heap_mb = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    del copy
    print(
        f"{len(gaz)} places; cold load {load_ms:.0f} ms (incl. imports); "
        f"memory {heap_mb:.1f} MB Python heap (tracemalloc), RSS +{rss_delta:.1f} MB"
    )
    for text in argv:
        t1 = time.perf_counter()
        res = gaz.resolve(text)
        ms = (time.perf_counter() - t1) * 1000
        print(f"\n{text!r} -> {res.status} ({ms:.2f} ms)")
        for label, places in (
            ("place", (res.place,) if res.place else ()),
            ("choice", res.choices),
            ("suggest", res.suggestions),
        ):
            for p in places:
                print(
                    f"  {label}: {p.id}  {p.title}  [{p.district or p.region}]  {p.lat}, {p.lon}"
                    f"  {p.kind}, pop {p.population}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
