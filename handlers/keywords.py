"""The little words that leave or confirm a step ("abbrechen", "ja"), and the whole-message
readers the organisers' forms use. Everything else people type is read by the reader
(handlers/understanding), which these functions ask.

Matching works on folded words (places.text.fold: lower case, umlauts and ß folded, punctuation
dropped), so "Tschüss", "tschuess" and "TSCHÜSS!" are the same. What people write is input, not
output: these lists are German and English words, not catalogue strings.
"""

from __future__ import annotations

from dataclasses import dataclass

from places.text import fold

from .understanding import days, kinds, wishes
from .understanding.places import LEADS
from .understanding.requests import Intent, whole
from .understanding.words import split

__all__ = ["Intent", "Request", "is_cancel", "is_yes", "read_intent", "read_request"]


def read_intent(text: str) -> tuple[Intent | None, str]:
    """What a short free text asks for as a whole ("danke", "Hilfe", "english"), or None."""
    return whole(split(text), text), ""


@dataclass(frozen=True)
class Request:
    """What a free text asks for: a time span, kinds of meeting, and the rest (a place?)."""

    window: str | None = None
    categories: tuple[str, ...] = ()
    place: str = ""


def read_request(text: str) -> Request:
    """Time span and kinds read anywhere, and the words left over (without prepositions)."""
    words = split(text)
    used = [False] * len(words)
    when = days.read(words, used)
    wishes.read(words, used)
    found, _, _ = kinds.read(words, used)
    rest = [w.raw for i, w in enumerate(words) if not used[i] and w.key not in LEADS]
    return Request(window=when.span, categories=tuple(found), place=" ".join(rest))


# Words that leave a step: back to where one came from, or away from it altogether. The forms
# read them as their buttons (handlers.forms.typed_action); elsewhere a "no" leaves too.
BACK = ("zurück", "zurueck", "back", "go back", "zurück bitte")
CANCEL = ("abbrechen", "abbruch", "cancel", "stopp", "stop", "verwerfen", "wegwerfen")
_DECLINE = ("nein", "no", "nee", "lieber nicht", "doch nicht", "nein danke")
_CANCEL = {fold(word) for word in (*BACK, *CANCEL, *_DECLINE)}
_CONFIRM = {fold(word) for word in ["ja", "yes", "jawohl", "ja bitte", "ja loeschen", "ok", "okay"]}


def is_cancel(text: str) -> bool:
    """ "abbrechen", "cancel" and friends: the user wants to leave the current dialogue step."""
    return fold(text) in _CANCEL


def is_yes(text: str) -> bool:
    return fold(text) in _CONFIRM
