"""Accessibility of a venue as OpenStreetMap and Wheelmap store it, so the facts mean the same
everywhere they are read or shown (chat, web, feeds, JSON-LD, imports).

- `wheelchair`: yes (entrance without steps, all rooms step-free), limited (at most one step of
  7 cm at the entrance, the main rooms step-free), no — Wheelmap's criteria.
- `toilets:wheelchair`: yes | no — a toilet usable with a wheelchair.
- `audio_loop`: yes | no — an induction loop for hearing aids.
None means "not stated", which is different from "no".
"""

from __future__ import annotations

import enum


class Wheelchair(enum.StrEnum):
    YES = "yes"
    LIMITED = "limited"
    NO = "no"


class YesNo(enum.StrEnum):
    YES = "yes"
    NO = "no"


# OSM tag -> the Offer column that holds it.
TAGS = {
    "wheelchair": "wheelchair",
    "toilets:wheelchair": "toilets_wheelchair",
    "audio_loop": "audio_loop",
}
# What "step-free" means in a filter: Wheelmap's "yes". "limited" has a step.
STEP_FREE = frozenset({Wheelchair.YES.value})


def osm_value(column: str, value: object) -> str | None:
    """A stored value as its OSM string ("yes", "limited", "no"), None when not stated."""
    if value is None:
        return None
    return value.value if isinstance(value, enum.Enum) else str(value)
