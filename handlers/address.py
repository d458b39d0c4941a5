"""Where an offer takes place, as organisers write it: venue, street and town in any order, with
or without commas — "im Pfarrhaus Blasiistr. 11 in Quedlinburg", "Pfarrhaus Blasiistr. 11
Quedlinburg", "Kirchstraße 3, 06484 Quedlinburg, Gemeindehaus".

Written here rather than taken from a library: the one parser that knows German addresses,
libpostal, needs a model download of about 2 GB, and the rest on PyPI read US, Australian or
Chinese addresses. German addresses are regular enough for a few rules: a street is a street
word ("…straße", "…str.", "Weg", "Am Markt") with a house number, a town is a postcode or a
name the offline gazetteer knows (places/) standing where a town stands (after a postcode, after
"in", after the street, or as a part of its own), and a venue is a building word ("…haus",
"Kirche", "Saal") or what stands before the street. The rest of the message is left alone, so
the same reader finds the address inside a whole offer ("Warme Stube jeden Dienstag … im
Gemeindehaus, Kirchstraße 3, 06484 Quedlinburg, kostenlos").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from places import CHOICE, FOUND, Gazetteer, Place
from places.model import COORDINATES
from places.text import fold

_WORD = re.compile(r"[^\s,;]+|[,;]")
_EDGES = "\"'„“”‚‘’()«».:!?"
_HOUSE_NUMBER = re.compile(r"^\d{1,4}\s?[a-zA-Z]?(?:[-/–]\d{1,4}[a-zA-Z]?)?[.,]?$")
_POSTCODE = re.compile(r"^\d{5}$")
_STREET_END = re.compile(
    r"(straße|strasse|str\.?|weg|platz|gasse|allee|ring|damm|ufer|chaussee|steig|pfad|markt|anger|"
    r"promenade|winkel|zeile|graben|wall|tor|brücke|bruecke|siedlung|hof|berg|plan|aue|breite|"
    r"kamp|höhe|hoehe|stieg|twete|reihe|park)$",
    re.IGNORECASE,
)
_STREET_WORDS = {
    "straße",
    "strasse",
    "str",
    "str.",
    "weg",
    "platz",
    "gasse",
    "allee",
    "ring",
    "markt",
    "damm",
    "ufer",
    "chaussee",
    "anger",
    "promenade",
    "plan",
}
# "Am Markt 1", "An der Kirche 3", "Straße der Einheit 2", "Lange Straße 5"
_LOWER_LEADS = {
    "am",
    "an",
    "auf",
    "zum",
    "zur",
    "hinter",
    "vor",
    "unter",
}  # "Gemeindehaus am Markt 1"
_STREET_LEADS = {
    "am",
    "an",
    "auf",
    "zum",
    "zur",
    "hinter",
    "vor",
    "unter",
    "über",
    "ueber",
    "im",
    "in",
    "beim",
    "bei",
    "alte",
    "alter",
    "altes",
    "neue",
    "neuer",
    "lange",
    "langen",
    "große",
    "grosse",
    "kleine",
    "obere",
    "untere",
    "hohe",
    "breite",
    "kurze",
    "mittlere",
}
_ARTICLES = {"der", "die", "das", "dem", "den", "des"}
_AT = {"im", "in", "bei", "beim", "auf", "zum", "zur", "am", "an"}  # before a venue or a town
_VENUE_END = re.compile(
    r"(haus|häuschen|heim|saal|säle|kirche|kapelle|zentrum|center|halle|treff|treffpunkt|schule|"
    r"bibliothek|bücherei|café|cafe|kita|rathaus|gaststätte|gasthof|gasthaus|klub|club|stube|"
    r"scheune|laden|hütte|huette|pfarrei|gemeinde|büro|buero|raum|räume|garten|museum|station|"
    r"stift|kloster|mühle|muehle|schloss|burg|bad|werkstatt|quartier|wohnzimmer|keller)$",
    re.IGNORECASE,
)
MAX_VENUE_WORDS = 5


@dataclass(frozen=True)
class Address:
    venue: str
    street: str
    place: Place  # the town, village or postcode found in the gazetteer
    start: int  # the characters of the message it was read from
    end: int

    @property
    def town(self) -> str:
        """A postcode place is named "06484 Quedlinburg"; the offer's town is "Quedlinburg"."""
        name = self.place.name
        return name.split(" ", 1)[1] if self.place.kind == "postcode" and " " in name else name


@dataclass(frozen=True)
class _Word:
    text: str  # as written
    bare: str  # without punctuation at its edges
    start: int
    end: int

    @property
    def comma(self) -> bool:
        return self.text in (",", ";")


def _words(text: str) -> list[_Word]:
    return [
        _Word(
            m.group(),
            m.group().strip(_EDGES) if m.group() not in (",", ";") else m.group(),
            m.start(),
            m.end(),
        )
        for m in _WORD.finditer(text)
    ]


def find_address(text: str, places: Gazetteer, *, town_alone: bool = False) -> Address | None:
    """The address in `text`, or None when no town can be found.

    `town_alone`: the message answers "Where?", so a town name anywhere counts even without a
    street or a postcode beside it ("Quedlinburg", "Gemeindehaus Thale").
    """
    words = _words(text)
    town = _town(words, places, town_alone)
    if town is None:
        return None
    first, last, place = town
    street = _street(words, first, last)
    lo, hi = first, last
    street_text = ""
    if street is not None:
        s_first, s_last = street
        street_text = _join(words[s_first : s_last + 1])
        lo, hi = min(lo, s_first), max(hi, s_last)
    while lo > 0 and words[lo - 1].bare.casefold() in _AT and not words[lo - 1].comma:
        lo -= 1  # "in Quedlinburg", "im Pfarrhaus": the little word belongs to what follows
    venue = _venue(words, lo, hi, town_alone)
    venue_text = ""
    if venue is not None:
        v_first, v_last, venue_text = venue
        lo, hi = min(lo, v_first), max(hi, v_last)
    while lo > 0 and words[lo - 1].bare.casefold() in _AT and not words[lo - 1].comma:
        lo -= 1  # "im Gemeindehaus": the little word belongs to the address
    return Address(
        venue=venue_text, street=street_text, place=place, start=words[lo].start, end=words[hi].end
    )


def _join(words: list[_Word]) -> str:
    text = " ".join(w.text for w in words if not w.comma).strip(" ,;")
    return text.rstrip(",;")


def _resolve(text: str, places: Gazetteer) -> Place | None:
    found = places.resolve(text)
    if found.status == FOUND and found.place is not None and found.place.kind != COORDINATES:
        return found.place
    if found.status == CHOICE and found.choices and found.choices[0].region == places.home_region:
        return found.choices[0]  # namesakes: the one in the home region
    return None


def _town(words: list[_Word], places: Gazetteer, anywhere: bool) -> tuple[int, int, Place] | None:
    """(first word, last word, place) of the town: a postcode (with its town), or a name where a
    town stands. The last one in the message wins (addresses end with the town)."""
    for i in range(len(words) - 1, -1, -1):
        if _POSTCODE.match(words[i].bare):
            for size in (3, 2, 1, 0):  # "06484 Quedlinburg", "06502 Thale OT Neinstedt"
                names = [w for w in words[i + 1 : i + 1 + size] if not w.comma]
                if len(names) != size or not all(n.bare for n in names):
                    continue
                place = _resolve(" ".join([words[i].bare, *(n.bare for n in names)]), places)
                if place is not None:
                    return i, i + size, place
    best = None
    for i in range(len(words)):
        for size in (4, 3, 2, 1):
            chunk = words[i : i + size]
            if len(chunk) < size or any(w.comma or not w.bare for w in chunk):
                continue
            if not chunk[0].bare[:1].isupper() and not anywhere:
                continue
            if not (anywhere or _stands_as_town(words, i, i + size - 1)):
                continue
            if words[i].bare.casefold() in _AT | _ARTICLES or _HOUSE_NUMBER.match(chunk[0].bare):
                continue
            place = _resolve(" ".join(w.bare for w in chunk), places)
            named = fold(f"{place.name} {place.municipality}") if place is not None else ""
            if place is not None and (size == 1 or all(fold(w.bare) in named for w in chunk)):
                best = (i, i + size - 1, place)  # the last wins; longer names first at each start
                break
    return best


def _stands_as_town(words: list[_Word], first: int, last: int) -> bool:
    """After "in" (not "in der"), after a house number, or alone between commas."""
    before = words[first - 1] if first > 0 else None
    after = words[last + 1] if last + 1 < len(words) else None
    if before is not None and before.bare.casefold() in ("in", "bei", "aus") and not before.comma:
        return True
    if (
        before is not None
        and _HOUSE_NUMBER.match(before.bare)
        and first >= 2
        and _is_street_word(words[first - 2])
    ):
        return True
    alone_before = before is None or before.comma
    alone_after = after is None or after.comma
    return alone_before and alone_after and before is not None  # a part of its own, not the first


def _is_street_word(word: _Word) -> bool:
    bare = word.text.strip(_EDGES.replace(".", "")).rstrip(",;")
    return (
        bool(_STREET_END.search(bare)) and bare[:1].isupper()
    ) or bare.casefold() in _STREET_WORDS


def _street(words: list[_Word], town_first: int, town_last: int) -> tuple[int, int] | None:
    """A street word and its house number, nearest to the town."""
    found = []
    for i, word in enumerate(words):
        if (
            i == 0
            or town_first <= i <= town_last
            or not _HOUSE_NUMBER.match(word.text.rstrip(",;"))
            or _POSTCODE.match(word.bare)
        ):
            continue
        j = i - 1
        if words[j].comma or (
            not _is_street_word(words[j])
            and not (
                j >= 1
                and words[j - 1].bare.casefold() in _ARTICLES | _STREET_LEADS
                and words[j].bare[:1].isupper()
            )
        ):
            continue
        first = j
        # "Am Markt", "An der Kirche", "Lange Straße", "Straße der Einheit"
        while (
            first > 0
            and not words[first - 1].comma
            and i - first < 4
            and (
                words[first - 1].bare.casefold() in _ARTICLES
                or (
                    words[first - 1].bare.casefold() in _STREET_LEADS
                    and words[first - 1].bare[:1].isupper()
                )
                or (words[first - 1].bare in _LOWER_LEADS and words[first].bare[:1].isupper())
                or (words[first].bare.casefold() in _ARTICLES and _is_street_word(words[first - 1]))
            )
        ):
            first -= 1
        found.append((abs(i - town_first), first, i))
    if not found:
        return None
    _, first, last = min(found)
    return first, last


def _venue(words: list[_Word], lo: int, hi: int, anywhere: bool) -> tuple[int, int, str] | None:
    """The building: the words just before the street (or town) in the same part, or a part of
    its own next to the address that names a building ("…, Gemeindehaus")."""
    # Before, in the same part: after "im/in der/bei", or a building word, or (answering
    # "Where?") whatever stands at the start.
    k = lo - 1
    if k >= 0 and words[k].comma:
        k -= 1
        part_end = k
        part_start = part_end
        while part_start > 0 and not words[part_start - 1].comma:
            part_start -= 1
        chunk = words[part_start : part_end + 1] if part_end >= 0 else []
        named = _building(chunk, anywhere and part_start == 0)
        if named is not None:
            first, text = named
            return part_start + first, part_end, text
    else:
        start = k
        while start >= 0 and not words[start].comma and lo - start <= MAX_VENUE_WORDS:
            start -= 1
        chunk = words[start + 1 : lo]
        named = _building(chunk, anywhere and start < 0)
        if named is not None:
            first, text = named
            return start + 1 + first, lo - 1, text
    # After: "Kirchstraße 3, 06484 Quedlinburg, Gemeindehaus"
    k = hi + 1
    if k < len(words) and words[k].comma:
        end = k + 1
        while end < len(words) and not words[end].comma:
            end += 1
        chunk = words[k + 1 : end]
        if 1 <= len(chunk) <= MAX_VENUE_WORDS and any(_VENUE_END.search(w.bare) for w in chunk):
            named = _building(chunk, False)
            if named is not None:
                first, text = named
                return k + 1 + first, end - 1, text
    return None


def _building(chunk: list[_Word], whole: bool) -> tuple[int, str] | None:
    """Where in `chunk` the venue starts, and its name: after the last "im"/"in der"/"bei", or
    from a building word on; `whole`: the chunk is the start of an answer to "Where?"."""
    if not chunk:
        return None
    lowered = [w.bare.casefold() for w in chunk]
    for i in range(len(chunk) - 1, -1, -1):
        if lowered[i] in _AT and i + 1 < len(chunk):
            first = i + 1 + (lowered[i + 1] in _ARTICLES and i + 2 < len(chunk))
            if chunk[first].bare[:1].isupper() and len(chunk) - first <= MAX_VENUE_WORDS:
                return first, _join(chunk[first:])
            return None
    tail = chunk[-MAX_VENUE_WORDS:]
    building = [i for i, w in enumerate(tail) if _VENUE_END.search(w.bare) and w.bare[:1].isupper()]
    if building:
        first = building[0]
        # "Evangelisches Gemeindehaus", "Alte Schule": capitalised words before it belong to it
        while (
            first > 0
            and tail[first - 1].bare[:1].isupper()
            and tail[first - 1].bare.casefold() not in _AT
        ):
            first -= 1
        if whole:
            first = 0
        return len(chunk) - len(tail) + first, _join(tail[first:])
    if whole and len(chunk) <= MAX_VENUE_WORDS and fold(chunk[0].bare):
        return 0, _join(chunk)
    return None
