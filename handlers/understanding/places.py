"""Where: a place anywhere in a message, read with the gazetteer (places/).

In order: coordinates ("51.83, 10.78"); a postcode, with the name after it ("06484
Quedlinburg"); then the names in the message: every run of one to four words that is a name
in the gazetteer, exactly (folded keys, so "hohenerxleben", "Groß Ammensleben",
"Magdeburg-Buckau"). Villages are named like ordinary words ("Marke", "Schauen", "Berg"), so a
single word counts as a place only after a preposition ("in", "bei", "aus", "near" …), or when
it is no word of the German dictionary (simplemma), or when it names a larger town; common
words (places/words.py) never do without a preposition. Short rests of a message are resolved
whole, so "Buckau, Magdeburg", "Magdeburg OT Ottersleben" and "Schkopau Lochau" keep their
qualifier. A word that is no known word after a preposition ("in Quedlinbrug") is looked up
as a typo; one clear candidate is taken and marked as a correction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from places import Gazetteer, parse
from places.model import CHOICE, FOUND, OUTSIDE, SUGGEST, Resolution
from places.words import COMMON_WORDS

from .language import is_english_word
from .lemmas import is_word as is_german_word
from .words import Word, keys, split

LEADS = keys(
    [
        "in",
        "bei",
        "aus",
        "nach",
        "um",
        "von",
        "nahe",
        "nähe",
        "near",
        "around",
        "at",
        "im",
        "raum",
        "gegend",
        "umgebung",
        "richtung",
        "from",
        "of",
        "zu",
        "nähe",
        "naehe",
        "umkreis",
        "bis",
        "close",
        "nearby",
        "ab",
    ]
)
_ARTICLE_LEADS = keys(
    ["im", "am", "zu", "ab", "bis"]
)  # "im Wald", "zu Hause": a common word is no place
# Words of sentences that are never a place on their own (besides places/words.py).
_NOT_PLACES = keys(
    """
ich du er wir ihr sie es man ein eine einen einem einer der die das den dem des kein keine mein
meine meinen meinem meiner unser unsere wohne wohnen wohnt lebe leben lebt suche suchen sucht gibt
gibts geht gehts läuft laeuft los bin bist sind ist war waren wäre komme kommen kommt fahre fahren
hab habe hat haben hätte hätten würde würden möchte möchten will wollen kann könnte können muss
müssen soll sollte darf etwas was wo wann wie wer welche welcher irgendwo irgendwas sowas so da
dort hier drum herum rum dabei denn doch mal halt eben eigentlich bitte danke und oder aber auch
noch schon nur sehr ganz gern gerne mehr viel wenig alle alles nichts nix keiner niemand jemand
leute menschen treffen angebot angebote veranstaltung veranstaltungen termin termine neu neue neuer
zugezogen besuch visite hause haus zuhause heim daheim anschluss gesellschaft watt wat jibt et is
isn nu gugge ma ne nee eene een nen mei meinte gehört gehoert stimmt bestimmt hallo hallöchen moin
tach servus i me my we you it is are am was be live living looking look for any anything something
some events event things what whats where when how the a an to do can could would please within
there here near new visiting visit nice hi hello hey this that with at on in and or happening going
activities
""".split()
)
_POSTCODE = re.compile(r"^\d{5}$")
_COORDINATES = re.compile(r"-?\d{1,2}[.,]\d+\s*[,;]?\s+-?\d{1,3}[.,]\d+|geo:\S+")
_QUALIFIERS = keys(["ot", "ortsteil", "ortschaft", "bei"])
BIG_TOWN = 10_000  # a town at home this large is a place even when its name is also a word
BIG_CITY = 100_000  # a city elsewhere this large is a place without a preposition ("Leipzig")
MAX_REST = 4  # a rest of at most this many words is resolved whole


def is_word(word: str) -> bool:
    """A word of German or of frequent English: not a place's name misspelt."""
    return is_english_word(word) or is_german_word(word)


@dataclass(frozen=True)
class Where:
    found: Resolution  # FOUND (maybe corrected), CHOICE, SUGGEST or OUTSIDE
    text: str  # what was read as the place


class _Names(Protocol):
    """What reading a place asks of the gazetteer."""

    home_region: str

    def knows(self, key: str) -> bool: ...

    def resolve(self, text: str, *, correct: bool = False) -> Resolution: ...


class _Lookups:
    """The gazetteer, each name resolved at most once per message (a typo's fuzzy search is
    the costliest step of reading)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self._gazetteer = gazetteer
        self._resolved: dict[tuple[str, bool], Resolution] = {}
        self.knows = gazetteer.knows
        self.home_region = gazetteer.home_region

    def resolve(self, text: str, *, correct: bool = False) -> Resolution:
        found = self._resolved.get((text, correct))
        if found is None:
            found = self._resolved[text, correct] = self._gazetteer.resolve(text, correct=correct)
        return found


def read(
    words: list[Word], used: list[bool], text: str, gazetteer: Gazetteer
) -> tuple[Where | None, str]:
    """(the place, or None; a short rest that looked like a place we do not know, or "")."""
    lookups = _Lookups(gazetteer)
    if parse.parse_rough_coordinates(text) is not None:  # "90, 180": not in Germany, or no place
        found = lookups.resolve(text)
        return (Where(found, text), "") if found.status in (FOUND, OUTSIDE) else (None, "")
    m = _COORDINATES.search(text)
    if m is not None:
        found = lookups.resolve(m.group(), correct=True)
        if found.status in (FOUND, OUTSIDE):
            _use(words, used, m.start(), m.end())
            return Where(found, m.group()), ""
    if parse.parse_postcode(text.strip()) is not None:  # "39 104", "39104 Magdeburg", "D-39104"
        found = lookups.resolve(text)
        if found.status in (FOUND, CHOICE):
            used[:] = [True] * len(used)
            return Where(found, text), ""
    postcode = _postcode(words, used, text, lookups)
    if postcode is not None:
        return postcode, ""
    rest = [i for i, w in enumerate(words) if not used[i] and not w.is_number and not _is_filler(w)]
    candidates = _candidates(words, used, lookups, alone=len(rest) == 1)
    if 1 < len(rest) <= MAX_REST or (len(rest) == 1 and not candidates):
        whole = _resolve_rest(words, rest, text, lookups)
        if whole is not None:
            return whole, ""
    if candidates:
        best = max(candidates, key=lambda c: (c.score, -c.first))
        span = text[words[best.first].start : words[best.first + best.size - 1].end]
        found = lookups.resolve(span, correct=True)
        if found.status in (FOUND, CHOICE):
            used[best.first : best.first + best.size] = [True] * best.size
            return Where(found, span), ""
    typo = _typo(words, used, rest, lookups)
    if typo is not None:
        return typo, ""
    unknown = ""
    if rest and len(rest) <= 3 and _looks_like_a_name(words, rest[0]):
        unknown = text[words[rest[0]].start : words[rest[-1]].end]  # "Xyzzyhausen an der Quatsch"
    return None, unknown


@dataclass(frozen=True)
class _Candidate:
    first: int
    size: int
    score: int


def _candidates(
    words: list[Word], used: list[bool], gazetteer: _Names, *, alone: bool
) -> list[_Candidate]:
    """Runs of words that are a place's name. `alone`: the message has no other content word,
    so a name that is also a word ("Angern", "Burgstall") is the place."""
    out = []
    for i, word in enumerate(words):
        if used[i] or word.is_number:
            continue
        for size in range(min(4, len(words) - i), 0, -1):
            span = words[i : i + size]
            if any(used[i : i + size]) or any(w.is_number for w in span):
                continue
            key = "".join(w.key for w in span)
            if not gazetteer.knows(key) and not (size == 1 and _qualified(word, gazetteer)):
                continue
            lead = i > 0 and words[i - 1].key in LEADS
            # alone: first or capitalised ("Angern", "Wünsch barrierefrei"),
            # not "ich will mal schauen"
            named = alone and (i == 0 or word.capital)
            if size == 1 and not _single_word_place(
                word, lead or named, words[i - 1].key if i else "", gazetteer
            ):
                continue
            if size > 1 and all(_is_filler(w) for w in span):
                continue
            out.append(_Candidate(i, size, 4 * lead + 2 * size + word.capital))
            break
    return out


def _qualified(word: Word, gazetteer: _Names) -> bool:
    """ "Magdeburg-Buckau", "Halle-Neustadt": a hyphenated word whose first part is a place."""
    first, dash, _ = word.raw.partition("-")
    return bool(dash) and gazetteer.knows("".join(w.key for w in split(first)))


def _single_word_place(word: Word, lead: bool, before: str, gazetteer: _Names) -> bool:
    if word.key in COMMON_WORDS or word.key in _NOT_PLACES:
        return (
            lead and word.capital and before not in _ARTICLE_LEADS and word.key not in _NOT_PLACES
        )
    if lead:
        return True
    # Without a preposition, a word is a place in the home region, or a big city: "so much" is
    # no Much in Nordrhein-Westfalen, "lang und leer" no Leer in Ostfriesland.
    found = gazetteer.resolve(word.raw)
    place = found.place
    if found.status == CHOICE:
        return not is_word(word.raw)
    if found.status != FOUND or place is None:
        return False
    if place.population >= BIG_CITY:
        return True
    if place.region != gazetteer.home_region:
        return False
    return not is_word(word.raw) or place.population >= BIG_TOWN or place.kind == "municipality"


def _is_filler(word: Word) -> bool:
    return (
        len(word.key) < 2
        or word.key in _NOT_PLACES
        or word.key in COMMON_WORDS
        or word.key in LEADS
    )


def _resolve_rest(words: list[Word], rest: list[int], text: str, gazetteer: _Names) -> Where | None:
    """The rest of a short message as one name: "Buckau, Magdeburg", "Magdeburg OT Ottersleben"."""
    first, last = rest[0], rest[-1]
    between = [i for i in range(first, last + 1) if i not in rest]
    if any(words[i].key not in _QUALIFIERS and words[i].key not in LEADS for i in between):
        return None
    if not any(gazetteer.knows(words[i].key) or not is_word(words[i].raw) for i in rest):
        return (
            None  # plain words ("in letzter Zeit"): no name, no typo of one; skip the fuzzy search
        )
    span = text[words[first].start : words[last].end]
    found = gazetteer.resolve(span, correct=True)
    if found.status not in (FOUND, CHOICE):
        return None
    if found.corrected and any(is_word(words[i].raw) for i in rest):
        return None  # "Speichern" is a word, not a misspelt Speicher
    if len(rest) == 1 and not found.corrected:
        word = words[first]
        lead = first > 0 and words[first - 1].key in LEADS
        if not _single_word_place(
            word,
            lead or first == 0 or word.capital,
            words[first - 1].key if first else "",
            gazetteer,
        ):
            return None  # "ich will mal schauen": a word, though a village is called Schauen
    return Where(found, span)


def _typo(words: list[Word], used: list[bool], rest: list[int], gazetteer: _Names) -> Where | None:
    """A misspelt place: a word after a preposition, or the only word left, that no
    dictionary knows."""
    tried = 0
    for i in rest:
        word = words[i]
        lead = i > 0 and words[i - 1].key in LEADS
        if (
            not (lead or len(rest) <= 2)
            or len(word.key) < 4
            or (not word.raw.isalpha() and "-" not in word.raw)
        ):
            continue
        if is_word(word.raw):
            continue
        tried += 1
        found = gazetteer.resolve(word.raw, correct=True)
        if found.status in (FOUND, CHOICE, SUGGEST) and (
            found.place or found.choices or found.suggestions
        ):
            used[i] = True
            return Where(found, word.raw)
        if tried >= 2:
            break
    return None


def _looks_like_a_name(words: list[Word], i: int) -> bool:
    word = words[i]
    lead = i > 0 and words[i - 1].key in LEADS
    return (
        word.raw.isalpha()
        and len(word.key) >= 4
        and (lead or word.capital)
        and not is_word(word.raw)
    )


def _postcode(words: list[Word], used: list[bool], text: str, gazetteer: _Names) -> Where | None:
    for i, word in enumerate(words):
        if used[i] or not _POSTCODE.match(word.raw):
            continue
        for size in (3, 2, 1):
            names = words[i + 1 : i + 1 + size]
            if (
                len(names) < size
                or any(used[i + 1 : i + 1 + size])
                or any(w.is_number for w in names)
            ):
                continue
            if not gazetteer.knows("".join(w.key for w in names)):
                continue
            span = text[word.start : names[-1].end]
            found = gazetteer.resolve(span)
            if found.status == FOUND:
                used[i : i + 1 + size] = [True] * (1 + size)
                return Where(found, span)
        found = gazetteer.resolve(word.raw)
        if found.status == FOUND:
            used[i] = True
            return Where(found, word.raw)
    return None


def _use(words: list[Word], used: list[bool], start: int, end: int) -> None:
    for i, word in enumerate(words):
        if word.start >= start and word.end <= end:
            used[i] = True
