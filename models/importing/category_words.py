"""Which of our categories an imported event belongs to, from its CATEGORIES or its title.

Words are compared folded (places.text.fold: lower-case ASCII, no spaces), as substrings, so the
German compounds work: "Adventscafé" -> café, "Seniorenspaziergang" -> walk. The first kind in
this order that matches wins ("Trauercafé" is a café, "Kinderbasteln" crafts).
"""

from __future__ import annotations

from places.text import fold

from ..categories import BY_KEY

_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "warm_room",
        (
            "warme stube",
            "wärmestube",
            "wärmeraum",
            "warmer raum",
            "wärmeinsel",
            "wärmestation",
            "warm room",
        ),
    ),
    ("cafe", ("café", "cafe", "kaffee", "kuchen", "kaffeeklatsch", "teestube", "coffee")),
    (
        "walk",
        (
            "spaziergang",
            "spazieren",
            "wanderung",
            "wandern",
            "radtour",
            "radeln",
            "bewegung",
            "gymnastik",
            "sport",
            "tanz",
            "walking",
            "walk",
            "hike",
        ),
    ),
    (
        "baking",
        (
            "backen",
            "kochen",
            "plätzchen",
            "stollen",
            "suppe",
            "mittagstisch",
            "küche",
            "baking",
            "cooking",
        ),
    ),
    (
        "creative",
        (
            "basteln",
            "handarbeit",
            "stricken",
            "häkeln",
            "nähen",
            "malen",
            "kreativ",
            "werkstatt",
            "geschenk",
            "kerzen",
            "töpfern",
            "craft",
        ),
    ),
    (
        "generations",
        ("generation", "jung und alt", "vorlese", "großeltern", "enkel", "kinder", "familie"),
    ),
    ("help", ("hilfe", "sprechstunde", "beratung", "handy", "smartphone", "unterstützung", "help")),
    (
        "talk",
        (
            "gesprächskreis",
            "gespräch",
            "stammtisch",
            "erzähl",
            "austausch",
            "trauer",
            "lesekreis",
            "bibel",
            "talk",
            "conversation",
        ),
    ),
)
_FOLDED = tuple((key, tuple(fold(w) for w in words)) for key, words in _WORDS)
_KEYS = {fold(key): key for key in BY_KEY}  # "warm_room" and "Warm Room" name the key itself


def guess(*texts: str) -> str | None:
    """The category key for the first text that names one, or None."""
    for text in texts:
        folded = fold(text or "")
        if not folded:
            continue
        if folded in _KEYS:
            return _KEYS[folded]
        for key, words in _FOLDED:
            if any(word in folded for word in words):
                return key
    return None


def category_of(categories: list[str], title: str, default: str = "other") -> str:
    """CATEGORIES first (what the organiser chose), then words in the title."""
    return guess(*categories) or guess(title) or default
