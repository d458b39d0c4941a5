"""Small counts hidden, as official statistics hide them: a count from 1 to 4 is shown as
"< 5", and where a total is shown, further counts are hidden (complementary suppression) until
no hidden small count can be worked out from the total and the counts still shown.

Counts form a tree (the state, its districts, their municipalities); each node is shown once
and hidden everywhere when hidden. A node is:
  - hidden as small ("< 5") when 1 <= count <= 4 (primary);
  - hidden to protect ("•") when a total would otherwise give a small count away (secondary).
Zero is shown: it says nothing about anyone.

What can be worked out is judged the way a careful reader would: every shown count is
fixed, a small one lies between 1 and 4, a protecting one is 5 or more, and every total is the
sum of its parts; these bounds are narrowed through the whole tree until nothing changes.
While a small count is pinned to one value that way, one more count is hidden: the smallest
shown non-zero part beside it, else below it, else its total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SMALL = 5  # counts below this (and above 0) are never shown
LESS = "< 5"
HIDDEN = "•"


@dataclass(frozen=True)
class Shown:
    """A count as it may be shown."""

    value: int
    hidden: str = ""  # "", LESS or HIDDEN

    def __str__(self) -> str:
        return self.hidden or str(self.value)

    @property
    def number(self) -> int | None:
        """The count for sums and colours, None when hidden."""
        return None if self.hidden else self.value


def is_small(value: int) -> bool:
    return 0 < value < SMALL


BIG = 10**9  # no upper bound known


def _bounds(
    values: Mapping[str, int],
    small: set[str],
    hidden: set[str],
    groups: Sequence[tuple[str, Sequence[str]]],
) -> dict[str, tuple[int, int]]:
    """What a reader can know of each count from what is shown."""
    bounds = {
        k: ((1, SMALL - 1) if k in small else (SMALL, BIG) if k in hidden else (v, v))
        for k, v in values.items()
    }
    for _ in range(100):  # a tree settles in a few rounds
        changed = False
        for total, parts in groups:
            lo_sum = sum(bounds[p][0] for p in parts)
            hi_sum = sum(bounds[p][1] for p in parts)
            lo, hi = bounds[total]
            new = (max(lo, lo_sum), min(hi, hi_sum))
            if new != (lo, hi):
                bounds[total], changed = new, True
            lo, hi = bounds[total]
            for p in parts:
                plo, phi = bounds[p]
                new = (max(plo, lo - (hi_sum - phi)), min(phi, hi - (lo_sum - plo)))
                if new != (plo, phi):
                    bounds[p], changed = new, True
        if not changed:
            break
    return bounds


def suppress(
    values: Mapping[str, int], groups: Sequence[tuple[str, Sequence[str]]]
) -> dict[str, Shown]:
    """Which counts to show: `values` by node, `groups` as (total node, its part nodes)."""
    small = {k for k, v in values.items() if is_small(v)}
    hidden = set(small)
    parent_of = {p: total for total, parts in groups for p in parts}
    parts_of = {total: list(parts) for total, parts in groups}
    while True:
        bounds = _bounds(values, small, hidden, groups)
        pinned = sorted(k for k in small if bounds[k][0] >= bounds[k][1])
        if not pinned:
            break
        node = pinned[0]
        parent = parent_of.get(node)
        near = [p for p in parts_of.get(parent, []) if p != node] + parts_of.get(node, [])
        candidates = sorted((values[p], p) for p in near if p not in hidden and values[p] > 0)
        if candidates:
            hidden.add(candidates[0][1])
            continue
        up = node
        while up in parent_of and parent_of[up] in hidden:
            up = parent_of[up]
        if up not in parent_of:
            break  # everything around is hidden already
        hidden.add(parent_of[up])
    return {
        k: Shown(v, LESS if k in small else HIDDEN if k in hidden else "")
        for k, v in values.items()
    }
