"""Plain words people type instead of commands: "heute", "mehr", "Warme Stube", "Hilfe"."""

from __future__ import annotations

import enum
import re

from places.text import fold


class Intent(enum.Enum):
    HELP = "help"
    GREETING = "greeting"
    TODAY = "today"
    WEEK = "week"
    FORTNIGHT = "fortnight"
    MORE = "more"
    ASK_PLACE = "ask_place"
    CATEGORY = "category"


_PHRASES: dict[str, Intent] = {
    **dict.fromkeys(["hilfe", "help", "was kannst du", "wie geht das", "anleitung"], Intent.HELP),
    **dict.fromkeys(["hallo", "hi", "moin", "guten tag", "servus", "hello", "start"], Intent.GREETING),
    **dict.fromkeys(["heute", "today", "was ist heute", "heute los", "was ist heute los"], Intent.TODAY),
    **dict.fromkeys(["woche", "diese woche", "this week", "week", "7 tage", "sieben tage"], Intent.WEEK),
    **dict.fromkeys(["14 tage", "zwei wochen", "2 wochen", "14 days", "two weeks", "next 14 days"],
                    Intent.FORTNIGHT),
    **dict.fromkeys(["mehr", "weiter", "more", "next", "mehr anzeigen", "show more"], Intent.MORE),
    # The reply keyboard's text button, in both languages.
    **dict.fromkeys(["ort oder plz eingeben", "enter place or postcode"], Intent.ASK_PLACE),
}

_CATEGORY_PHRASES: dict[str, str] = {
    **dict.fromkeys(["cafe", "kaffee", "adventscafe", "begegnungscafe", "erzaehlcafe",
                     "seniorencafe", "kaffeenachmittag"], "cafe"),
    **dict.fromkeys(["warme stube", "warme stuben", "waermestube", "warm room", "warm rooms",
                     "waermeraum"], "warm_room"),
    **dict.fromkeys(["spaziergang", "spazieren", "wandern", "bewegung", "walk", "walks"], "walk"),
    **dict.fromkeys(["backen", "kochen", "baking", "cooking", "gemeinsam backen"], "baking"),
    **dict.fromkeys(["basteln", "kreativ", "geschenke", "handarbeit", "crafts"], "creative"),
    **dict.fromkeys(["generationen", "jung und alt", "generations", "enkel"], "generations"),
    **dict.fromkeys(["nachbarschaftshilfe", "hilfe im alltag", "neighbourly help"], "help"),
    **dict.fromkeys(["gespraechskreis", "gespraech", "reden", "erzaehlen", "conversation"], "talk"),
}


# Looked up by folded text, the way place names are, so "Gesprächskreis" and "gespraechskreis" match.
_WORDS = {fold(phrase): intent for phrase, intent in _PHRASES.items()}
_CATEGORY_WORDS = {fold(phrase): key for phrase, key in _CATEGORY_PHRASES.items()}


_CANCEL = {fold(word) for word in ["abbrechen", "abbruch", "stopp", "stop", "cancel", "nein", "no",
                                   "zurück", "back", "lieber nicht", "doch nicht"]}


def is_cancel(text: str) -> bool:
    """"abbrechen", "cancel" and friends: the user wants to leave the current dialogue step."""
    return fold(text) in _CANCEL


def read_intent(text: str) -> tuple[Intent | None, str]:
    """What a short free text asks for, or (None, "") when it is probably a place name."""
    words = fold(text)
    if text.strip() == "?":
        return Intent.HELP, ""
    if words in _WORDS:
        return _WORDS[words], ""
    if words in _CATEGORY_WORDS:
        return Intent.CATEGORY, _CATEGORY_WORDS[words]
    return None, ""


# "Wernigerode heute", "Was ist los in Quedlinburg?", "heute in Halle": a place with a time.
_WINDOW_WORDS = (
    (re.compile(r"\b(heute|today)\b", re.I), "today"),
    (re.compile(r"\b(in den )?(naechsten|nächsten|next) 14 (tagen|days)\b|\b14 (tage|days)\b|"
                r"\b(zwei|2) wochen\b|\btwo weeks\b", re.I), "14"),
    (re.compile(r"\b(diese|this) (woche|week)\b|\bwoche\b", re.I), "week"),
)
_LEAD = re.compile(
    r"^(was (ist|gibt es|läuft|laeuft)( los)?|what'?s on|what is on|treffen|angebote|offers|meetings)"
    r"(?=\s|$)", re.I)
_PREPOSITION = re.compile(r"^(in|bei|im|um|near|at|around)\s+", re.I)


def split_request(text: str) -> tuple[str | None, str]:
    """(time window or None, the rest) — the rest is probably a place name."""
    window = None
    rest = text
    for pattern, name in _WINDOW_WORDS:
        if pattern.search(rest):
            window = window or name
            rest = pattern.sub(" ", rest)
    rest = " ".join(rest.replace("?", " ").replace("!", " ").split())
    rest = _LEAD.sub("", rest).strip()
    rest = _PREPOSITION.sub("", rest).strip(" ,.")
    return window, rest
