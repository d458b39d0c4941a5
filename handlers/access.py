"""Accessibility of an offer's venue: the toggles organisers tap and the words they write
("rollstuhlgerecht", "barrierefreies WC", "nicht barrierefrei"), kept in one place so the way
the facts are stored can change here alone.

The word lists are what people type (input, not output); the labels go through the catalogue.
"""

from __future__ import annotations

import re

from .buttons import button_data
from .i18n import N_
from .messages import Button

ACCESS = {"s": "step_free", "t": "accessible_toilet", "h": "hearing_loop", "b": "seating"}
ACCESS_LABELS = {"s": N_("step-free access"), "t": N_("accessible toilet"), "h": N_("hearing loop"),
                 "b": N_("seating available")}
# What organisers write about access, per toggle; "nicht …" before the words says no.
_ACCESS_WORDS = {
    "t": r"barrierefreie[sn]? (?:wc|toilette)|behinderten-?(?:wc|toilette)|rollstuhlgerechte[sn]? (?:wc|toilette)"
         r"|accessible toilet",
    "s": r"rollstuhlgerecht|rollstuhlgeeignet|rollstuhlfreundlich|barrierefrei|stufenlos|ebenerdig|ohne stufen"
         r"|behindertengerecht|step-free|wheelchair accessible",
    "h": r"hörschleife|hoerschleife|induktionsschleife|höranlage|hearing loop",
    "b": r"sitzplätze|sitzplaetze|sitzgelegenheit(?:en)?|seating",
}
_ACCESS_RES = {key: re.compile(r"(?P<no>\b(?:nicht|kein|keine|leider nicht|not)\s+)?\b(?:" + words + r")\b",
                               re.IGNORECASE) for key, words in _ACCESS_WORDS.items()}


def read_access(text: str) -> tuple[dict[str, bool], list[tuple[int, int]]]:
    """Access facts named in a text ("rollstuhlgerecht", "nicht barrierefrei", "mit Hörschleife"):
    the draft's changes and where they stand. The one place that knows these words."""
    changes: dict[str, bool] = {}
    spans: list[tuple[int, int]] = []
    for key, pattern in _ACCESS_RES.items():  # the toilet first: "barrierefreies WC" is not step-free
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in spans):
                continue
            changes.setdefault(ACCESS[key], not match.group("no"))
            spans.append(match.span())
    return changes, spans




def access_rows(turn, draft) -> list:
    """One toggle per fact, ticked when the draft says yes."""
    t = turn.t
    return [(Button(("✅ " if getattr(draft, ACCESS[k]) else "◻️ ") + t(ACCESS_LABELS[k]),
                    button_data("na", k)),) for k in ACCESS]
