"""Accessibility of an offer's venue: the toggles organisers tap and the words they write
("rollstuhlgerecht", "eine kleine Stufe", "barrierefreies WC", "nicht barrierefrei"), kept in
one place. Stored as OpenStreetMap/Wheelmap values (models.accessibility): `wheelchair`
yes | limited | no, `toilets_wheelchair` and `audio_loop` yes | no; None is "not stated".

The word lists are what people type (input, not output); the labels go through the catalogue.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

from .buttons import ButtonData, OneOf
from .i18n import N_
from .messages import Button

if TYPE_CHECKING:
    from .context import Turn
    from .offer_form import Draft

# Button -> (Draft/Offer column, the OSM value it sets; pressed again: not stated).
ACCESS = {
    "wy": ("wheelchair", "yes"),
    "wl": ("wheelchair", "limited"),
    "wn": ("wheelchair", "no"),
    "t": ("toilets_wheelchair", "yes"),
    "h": ("audio_loop", "yes"),
}
ACCESS_LABELS = {
    "wy": N_("Wheelchair: yes"),
    "wl": N_("Wheelchair: limited"),
    "wn": N_("Wheelchair: no"),
    "t": N_("Wheelchair-accessible toilet"),
    "h": N_("Hearing loop (audio loop)"),
}
COLUMNS = ("wheelchair", "toilets_wheelchair", "audio_loop")
# What organisers write, per (column, value when said plainly, value when negated). Checked in
# this order: the toilet first ("barrierefreies WC" is not a step-free entrance), then a single
# step ("eine Stufe": Wheelmap's "limited"), then step-free words.
_WORDS: tuple[tuple[str, str, str | None, str], ...] = (
    (
        "toilets_wheelchair",
        "yes",
        "no",
        (
            r"barrierefreie[sn]? (?:wc|toilette)|behinderten-?(?:wc|toilette)"
            r"|rollstuhlgerechte[sn]? (?:wc|toilette)"
            r"|rollstuhl-?(?:wc|toilette)|accessible toilet|wheelchair toilet"
        ),
    ),
    (
        "wheelchair",
        "limited",
        None,
        (
            r"(?:eine|1|einer) (?:kleine[n]? |flache[n]? |niedrige[n]? )?stufe"
            r"|teilweise (?:barrierefrei|rollstuhlgerecht)"
            r"|eingeschränkt (?:barrierefrei|rollstuhlgerecht)"
            r"|eingeschraenkt (?:barrierefrei|rollstuhlgerecht)"
            r"|bedingt (?:barrierefrei|rollstuhlgerecht)|one (?:small )?step"
            r"|partly (?:step-free|accessible)"
        ),
    ),
    (
        "wheelchair",
        "yes",
        "no",
        (
            r"rollstuhlgerecht|rollstuhlgeeignet|rollstuhlfreundlich|barrierefrei|stufenlos"
            r"|ebenerdig|ohne stufen"
            r"|behindertengerecht|step-free|wheelchair accessible"
        ),
    ),
    (
        "audio_loop",
        "yes",
        "no",
        (
            r"hörschleife|hoerschleife|induktionsschleife|induktive höranlage|höranlage"
            r"|hearing loop|audio loop"
        ),
    ),
)
_PATTERNS = [
    (
        column,
        plain,
        negated,
        re.compile(
            r"(?P<no>\b(?:nicht|kein|keine|leider nicht|not|no)\s+)?\b(?:" + words + r")\b",
            re.IGNORECASE,
        ),
    )
    for column, plain, negated, words in _WORDS
]


def read_access(text: str) -> tuple[dict[str, str], list[tuple[int, int]]]:
    """Access facts named in a text: the draft's changes (column -> OSM value) and where they
    stand. The one place that knows these words."""
    changes: dict[str, str] = {}
    spans: list[tuple[int, int]] = []
    for column, plain, negated, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in spans):
                continue
            value = negated if match.group("no") else plain
            if value is not None:
                changes.setdefault(column, value)
            spans.append(match.span())
    return changes, spans


class ToggleAccess(ButtonData, prefix="na"):
    """Tick or untick one fact about access while writing an offer (handlers.posting)."""

    key: Annotated[str, OneOf(tuple(ACCESS))]


def ticked(draft: Draft, key: str) -> bool:
    column, value = ACCESS[key]
    stored: str | None = getattr(draft, column)
    return stored == value


def access_rows(turn: Turn, draft: Draft) -> list[tuple[Button, ...]]:
    """One toggle per fact, ticked when the draft says so."""
    t = turn.t
    return [
        (
            Button(
                ("✅ " if ticked(draft, k) else "◻️ ") + t(ACCESS_LABELS[k]),
                ToggleAccess(key=k).pack(),
            ),
        )
        for k in ACCESS
    ]
