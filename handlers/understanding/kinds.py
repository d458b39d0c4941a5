"""What kind of meeting: the categories of models/categories.py, in the words people use.

A word is a kind when it is one of the kinds' words ("Spaziergang", "Kaffee und Kuchen"), when
one of its parts is ("Strick|kreis", "Senioren|treff", "Spiele|nachmittag", "Advents|café"):
the head (last part) decides before the modifier ("Erzähl|café" is a café), when its lemma is
(simplemma: "Spaziergänge" -> "Spaziergang") or when it is a clear typo of one (rapidfuzz).
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import fuzz, process

from places.words import COMMON_WORDS

from .lemmas import lemma
from .words import Phrases, Word, keys

# Whole words and phrases.
_WORDS: dict[str, tuple[str, ...]] = {
    "cafe": (
        "café",
        "cafe",
        "cafés",
        "kaffee",
        "kaffe",
        "kuchen",
        "kaffee und kuchen",
        "kaffeeklatsch",
        "kaffeetrinken",
        "kaffee trinken",
        "coffee",
        "coffee morning",
        "coffee mornings",
        "tea",
        "tee",
        "treff",
        "treffpunkt",
        "begegnung",
        "begegnungen",
        "klönen",
        "plausch",
        "stammtisch",
    ),
    "warm_room": (
        "warme stube",
        "warmen stube",
        "warme stuben",
        "wärmestube",
        "wärmestuben",
        "wärmeraum",
        "warmer raum",
        "warm room",
        "warm rooms",
        "warm space",
        "warm spaces",
        "aufwärmen",
        "wärmen",
        "warming",
    ),
    "walk": (
        "spaziergang",
        "spazieren",
        "spazierengehen",
        "wandern",
        "wanderung",
        "walk",
        "walks",
        "walking",
        "hike",
        "hiking",
        "bewegung",
        "gymnastik",
        "sport",
        "nordic walking",
        "radtour",
        "radfahren",
        "exercise",
        "yoga",
        "turnen",
        "kegeln",
        "boule",
    ),
    "baking": (
        "backen",
        "kochen",
        "plätzchen",
        "kekse",
        "mittagstisch",
        "mittagessen",
        "gemeinsam essen",
        "zusammen essen",
        "suppe",
        "baking",
        "bake",
        "cooking",
        "cook",
        "lunch",
        "dinner",
        "essen",
    ),
    "creative": (
        "basteln",
        "stricken",
        "häkeln",
        "nähen",
        "handarbeit",
        "handarbeiten",
        "kreativ",
        "malen",
        "töpfern",
        "knitting",
        "knit",
        "crafts",
        "craft",
        "sewing",
        "painting",
        "geschenke basteln",
    ),
    "generations": (
        "generationen",
        "jung und alt",
        "alt und jung",
        "enkel",
        "enkelkinder",
        "oma und enkel",
        "generations",
        "intergenerational",
        "grandchildren",
        "young and old",
    ),
    "help": (
        "nachbarschaftshilfe",
        "einkaufshilfe",
        "einkaufen",
        "einkauf",
        "fahrdienst",
        "begleitung",
        "neighbourly help",
        "neighborly help",
        "shopping help",
        "help with shopping",
    ),
    "talk": (
        "gesprächskreis",
        "gespräch",
        "gespräche",
        "gesprächsrunde",
        "reden",
        "unterhalten",
        "unterhaltung",
        "erzählen",
        "austausch",
        "conversation",
        "conversations",
        "talk",
        "talking",
        "chat",
        "zuhören",
        "selbsthilfegruppe",
        "trauergruppe",
    ),
    "other": (
        "spiele",
        "spielen",
        "spiel",
        "spieleabend",
        "skat",
        "skatrunde",
        "bingo",
        "karten",
        "kartenspielen",
        "rommé",
        "chor",
        "singen",
        "musik",
        "tanzen",
        "tanz",
        "tanzcafé",
        "kino",
        "film",
        "vortrag",
        "lesung",
        "games",
        "board games",
        "choir",
        "singing",
        "dance",
        "dancing",
        "quiz",
        "schach",
        "chess",
        "tanztee",
    ),
}
# Parts of compounds: heads (the compound ends with them) and modifiers (it begins with them).
_HEADS: dict[str, tuple[str, ...]] = {
    "cafe": ("cafe", "café", "kaffee", "treff", "treffs", "klatsch", "plausch", "kaffeetafel"),
    "warm_room": ("wärmestube", "stube", "stuben", "wärmeraum"),
    "walk": ("spaziergang", "spaziergänge", "wanderung", "gymnastik", "walking", "tour"),
    "baking": ("mittagstisch", "tisch", "küche", "kochen", "backen", "frühstück"),
    "creative": ("basteln", "bastelei", "handarbeit", "werkstatt", "stricken"),
    "generations": ("generationen",),
    "help": ("hilfe", "dienst"),
    "talk": ("kreis", "runde", "gespräch", "gespräche"),
    "other": ("abend", "nachmittag", "spiel", "spiele", "chor", "tanz", "singen"),
}
_MODIFIERS: dict[str, tuple[str, ...]] = {
    "cafe": ("kaffee", "cafe", "café", "kuchen", "erzähl"),
    "warm_room": ("wärme", "warm"),
    "walk": (
        "spazier",
        "wander",
        "lauf",
        "rad",
        "nordic",
        "sitz",
        "bewegung",
        "gymnastik",
        "sport",
        "tanzgymnastik",
    ),
    "baking": ("back", "koch", "plätzchen", "mittag", "suppen", "frühstück"),
    "creative": (
        "strick",
        "bastel",
        "häkel",
        "näh",
        "handarbeit",
        "kreativ",
        "mal",
        "töpfer",
        "bastel",
    ),
    "generations": ("generation", "enkel", "oma", "opa"),
    "help": ("nachbarschaft", "einkauf", "fahr", "begleit"),
    "talk": ("gespräch", "erzähl", "trauer", "selbsthilfe", "austausch", "plauder"),
    "other": (
        "spiel",
        "skat",
        "karten",
        "bingo",
        "chor",
        "sing",
        "tanz",
        "musik",
        "kino",
        "lese",
        "schach",
    ),
}
_FILLER_HEADS = keys(
    [
        "nachmittag",
        "abend",
        "vormittag",
        "morgen",
        "runde",
        "kreis",
        "gruppe",
        "treffen",
        "stunde",
        "zeit",
        "tag",
        "angebot",
        "angebote",
    ]
)
# A compound's head only counts with a modifier we know, or on its own: "Senioren|kreis" no kind.
_WEAK_HEADS = keys(
    [
        "kreis",
        "runde",
        "tisch",
        "stube",
        "stuben",
        "dienst",
        "hilfe",
        "abend",
        "nachmittag",
        "tour",
        "spiel",
    ]
)
# "reden", "unterhalten": a kind only when no feeling was read from the same words.
TALK_VERBS = keys(["reden", "unterhalten", "erzählen", "zuhören", "talk", "talking", "chat"])

_TABLE: Phrases[str] = Phrases((w, kind) for kind, words in _WORDS.items() for w in words)
_HEAD_KEYS = sorted(
    ((k, kind) for kind, words in _HEADS.items() for k in keys(words)),
    key=lambda item: -len(item[0]),
)
_MODIFIER_KEYS = sorted(
    ((k, kind) for kind, words in _MODIFIERS.items() for k in keys(words)),
    key=lambda item: -len(item[0]),
)
_SINGLE = {
    k: kind
    for kind, words in _WORDS.items()
    for w in words
    for k in [next(iter(keys([w])), "")]
    if " " not in w and k
}
_FUZZY_KEYS = sorted(k for k in _SINGLE if len(k) >= 6)
MIN_COMPOUND = 7  # shorter words are no compounds ("Kreis", "Runde")


@lru_cache(maxsize=4096)
def of_word(key: str, raw: str = "") -> str | None:
    """The kind one folded word stands for, or None."""
    kind = _SINGLE.get(key)
    if kind is not None:
        return kind
    if len(key) >= MIN_COMPOUND:
        kind = _compound(key)
        if kind is not None:
            return kind
    if key in COMMON_WORDS:
        return None  # "Nähe" is no misspelt "nähen"
    if raw:
        lemma_key = lemma(raw)
        if lemma_key and lemma_key != key:
            kind = _SINGLE.get(lemma_key) or (
                _compound(lemma_key) if len(lemma_key) >= MIN_COMPOUND else None
            )
            if kind is not None:
                return kind
    if len(key) >= 7:  # a typo: the same first letter, one or two letters off
        best = process.extractOne(key, _FUZZY_KEYS, scorer=fuzz.ratio, score_cutoff=88)
        if best is not None and best[0][0] == key[0]:
            return _SINGLE[best[0]]
    return None


def _compound(key: str) -> str | None:
    for head, kind in _HEAD_KEYS:
        if key.endswith(head) and len(key) > len(head) + 2:
            if head not in _WEAK_HEADS and head not in _FILLER_HEADS:
                return kind  # the head decides: "Erzähl|café", "Trauer|café"
            break
    modifier = _modifier(key)
    return modifier


def _modifier(key: str) -> str | None:
    for modifier, kind in _MODIFIER_KEYS:
        if key.startswith(modifier) and len(modifier) >= 3:
            return kind
    return None


# "mein Enkel", "meine Kinder": someone's own, not a kind of meeting.
_OWN = keys(
    ["mein", "meine", "meinen", "meinem", "meiner", "unser", "unsere", "unseren", "my", "our"]
)


def read(words: list[Word], used: list[bool]) -> tuple[list[str], dict[str, set[int]], list[int]]:
    """(kinds in the order written, positions of their words, positions of talk verbs:
    "reden", "unterhalten" …, a kind only when no feeling is read from them)."""
    found: list[str] = []
    at: dict[str, set[int]] = {}
    verbs: list[int] = []

    def add(kind: str, i: int, size: int) -> None:
        used[i : i + size] = [True] * size
        if kind == "generations" and i > 0 and words[i - 1].key in _OWN:
            return  # "mein Enkel" is family, not a meeting of generations
        if (
            kind == "talk"
            and size == 1
            and (
                words[i].key in TALK_VERBS
                or lemma(words[i].raw) in TALK_VERBS
                or lemma(words[i].raw.lower()) in TALK_VERBS
            )
        ):
            verbs.append(i)
            return
        at.setdefault(kind, set()).update(range(i, i + size))
        if kind not in found:
            found.append(kind)

    for kind, i, size in _TABLE.find(words, list(used)):
        if not any(used[i : i + size]):
            add(kind, i, size)
    for i, word in enumerate(words):
        if used[i] or word.is_number or len(word.key) < 4:
            continue
        single = of_word(word.key, word.raw)
        if single is not None:
            add(single, i, 1)
    return found, at, verbs
