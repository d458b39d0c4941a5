"""Small counts cannot be read or worked out from what is shown: every table of counts goes
through publish.suppression, and an exhaustive search over every value a hidden count could
have (given the shown counts and totals) finds each small count still ambiguous."""

from __future__ import annotations

import itertools
import random

from publish.suppression import HIDDEN, LESS, SMALL, suppress

VALUES = (0, 0, 1, 2, 3, 4, 5, 6, 7, 9)


def _tree(rng: random.Random):
    districts = {
        f"d{i}": [f"d{i}m{j}" for j in range(rng.randint(1, 3))] for i in range(rng.randint(1, 3))
    }
    values = {m: rng.choice(VALUES) for ms in districts.values() for m in ms}
    for d, ms in districts.items():
        values[d] = sum(values[m] for m in ms)
    values["state"] = sum(values[d] for d in districts)
    groups = [("state", list(districts)), *list(districts.items())]
    return values, groups, districts


def _possible(shown, districts, values):
    """Every value each small hidden count could have, judged only by what is shown (counts
    that protect are tried up to a little above the largest count of the tree: a subset of what
    a reader must consider, so ambiguity found here is real)."""
    top = max(values.values()) + 2 * SMALL  # a hidden total may be larger than the true one

    def options(node):
        s = shown[node]
        if s.hidden == LESS:
            return range(1, SMALL)
        if s.hidden == HIDDEN:
            return range(SMALL, top)
        return (s.value,)

    per_district = {}
    for d, ms in districts.items():
        fits = {}
        for combo in itertools.product(*(options(m) for m in ms)):
            total = sum(combo)
            if total not in options(d):
                continue
            fits.setdefault(total, []).append(combo)
        per_district[d] = fits
    seen = {m: set() for ms in districts.values() for m in ms if shown[m].hidden == LESS}
    seen.update({d: set() for d in districts if shown[d].hidden == LESS})
    names = list(districts)
    for totals in itertools.product(*(per_district[d].keys() for d in names)):
        if sum(totals) not in options("state"):
            continue
        for d, total in zip(names, totals, strict=True):
            if d in seen:
                seen[d].add(total)
            for combo in per_district[d][total]:
                for m, v in zip(districts[d], combo, strict=True):
                    if m in seen:
                        seen[m].add(v)
    return seen


def test_no_small_count_can_be_worked_out():
    rng = random.Random(17)
    for _ in range(400):
        values, groups, districts = _tree(rng)
        shown = suppress(values, groups)
        for node, s in shown.items():
            assert (s.hidden == LESS) == (0 < values[node] < SMALL)
            assert s.hidden or s.value == values[node]
        for node, possible in _possible(shown, districts, values).items():
            assert values[node] in possible
            assert len(possible) > 1, (node, values, {k: str(v) for k, v in shown.items()})


def test_a_lone_small_count_hides_a_neighbour_not_everything():
    values = {"state": 3 + 40 + 12, "a": 3, "b": 40, "c": 12}
    shown = suppress(values, [("state", ["a", "b", "c"])])
    assert [str(shown[k]) for k in ("state", "a", "b", "c")] == ["55", "< 5", "40", "•"]


def test_zero_is_shown_and_big_counts_stay():
    shown = suppress({"state": 17, "a": 0, "b": 17}, [("state", ["a", "b"])])
    assert [str(shown[k]) for k in ("state", "a", "b")] == ["17", "0", "17"]
