"""An organiser's message read as a whole: every part of an offer it names, wherever it stands.

"Warme Stube jeden Dienstag und Donnerstag 14-17 Uhr im Gemeindehaus, Kirchstraße 3, 06484
Quedlinburg, kostenlos, rollstuhlgerecht" names the kind, a title, the schedule, venue, street
and town, the cost and the access. Each part is found by its own reader; the address, contact,
cost and access are cut out first (their numbers are no clock times), the schedule is read from
what is left, and the words before the first part become the proposed title. What no reader
takes is left over, never guessed into a field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from models.categories import CATEGORIES
from places import Gazetteer
from places.text import fold

from .address import Address, find_address
from .keywords import read_request
from .when import lexicon, named_days
from .when.amend import says_when

# German telephone numbers start with 0 or +: "03946 1234", "0391/12345", "+49 3946 1234".
_PHONE = re.compile(
    r"(?:(?:tel(?:efon)?|fon|handy|mobil|phone|☎️?)\.?:?\s*)?"
    r"(?<![\d.:-])(?:\+|0)\d[\d /-]{5,}\d(?![\d.:-])",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?:e-?mail:?\s*)?\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b", re.IGNORECASE)
_CONTACT_LABEL = re.compile(r"\b(?:kontakt|anmeldung|fragen an|contact)\s*:?\s*", re.IGNORECASE)
_ORGANISER = re.compile(
    r"(?:\b(?:veranstalter(?:in)?|träger|traeger|organisiert von|eingeladen von|es lädt ein|"
    r"es laedt ein|organised by|organized by|hosted by)\s*:?\s*(?P<a>[^,;\n]{3,120}))"
    r"|(?:(?:^|[,;]\s*)(?P<b>[^,;\n]{3,120}?)\s+(?:lädt|laedt|laden)\s+(?:herzlich\s+)?ein\b)",
    re.IGNORECASE,
)
_FREE = re.compile(
    r"\b(kostenlos|kostenfrei|gebührenfrei|gratis|umsonst|eintritt frei|ohne kosten|"
    r"free of charge|free)\b",
    re.IGNORECASE,
)
_DONATION = re.compile(
    r"\b(auf spendenbasis|gegen (eine )?spende|spenden? (sind |ist )?willkommen|"
    r"um (eine )?spende wird gebeten|spende|spenden|donations?( welcome)?)\b",
    re.IGNORECASE,
)
_PRICE = re.compile(
    r"(?:(?:unkostenbeitrag|beitrag|preis|kosten|eintritt|kostet)\s*:?\s*)?"
    r"(?:\d+(?:[.,]\d{1,2})?\s*(?:€|euro\b|eur\b)|€\s*\d+(?:[.,]\d{1,2})?)[^,;\n]{0,40}",
    re.IGNORECASE,
)
_LEADS = re.compile(
    r"^\s*(?:(?:wir|ich)\s+(?:möchten|moechten|möchte|moechte|will|wollen)?\s*(?:gerne\s+)?"
    r"(?:laden\s+(?:herzlich\s+)?ein\s+(?:zu[mr]?\s+)?|lade\s+(?:herzlich\s+)?ein\s+(?:zu[mr]?\s+)?"
    r"|anbieten:?\s*|bieten\s+an:?\s*)|neues angebot:?\s*|angebot:?\s*)",
    re.IGNORECASE,
)
# Where a title stops: a word that belongs to a date ("jeden", "Dienstag", "am 3. Advent").
_WHEN_KINDS = {
    lexicon.WEEKDAY,
    lexicon.EVERY,
    lexicon.MONTH,
    lexicon.RELATIVE,
    lexicon.NEXT,
    lexicon.DAILY,
    lexicon.WEEKLY,
    lexicon.MONTHLY,
    lexicon.BIWEEKLY,
    lexicon.WORKDAYS,
    lexicon.WEEKEND,
}
_TRAILING = {
    "am",
    "um",
    "im",
    "in",
    "ab",
    "von",
    "vom",
    "jeden",
    "jede",
    "immer",
    "ist",
    "und",
    "mit",
    "bei",
    "zum",
    "zur",
    "für",
    "fuer",
    "-",
    "–",
    ":",
    ",",
}
MIN_TITLE, MAX_TITLE = 3, 120
# Words left over from a details answer that name nobody ("und", "bitte").
NOT_A_NAME = {
    "und",
    "and",
    "ach",
    "nein",
    "ja",
    "bitte",
    "danke",
    "ich",
    "meinte",
    "der",
    "die",
    "das",
    "mit",
    "auch",
    "noch",
    "sowie",
    "außerdem",
    "ausserdem",
}


def kind_of(text: str) -> str | None:
    """The kind of meeting a text names ("Warme Stube", "Adventscafé", "Spaziergang"), or None.

    The one place offers learn their kind from words: at merge it can ask the residents' reader.
    """
    kinds = read_request(text).categories
    if kinds:
        return kinds[0]
    folded = fold(text)
    for kind in CATEGORIES:
        if folded in (kind.key, fold(kind.name)):
            return kind.key
    return None


@dataclass
class OfferParts:
    """What one message says about an offer; None (or empty) where it says nothing."""

    category: str | None = None
    title: str | None = None  # proposed from the words before the first other part
    when: str | None = None  # the words left for the schedule, when they say anything about a date
    address: Address | None = None
    cost: tuple[str, str] | None = None  # (models.Cost value, price words)
    access: dict[str, str] = field(default_factory=dict)  # column -> OSM value
    contact: str | None = None
    organiser: str | None = None
    rest: str = ""  # what no part took

    @property
    def found(self) -> set[str]:
        """The form fields this message fills."""
        names = {
            name
            for name, value in (
                ("category", self.category),
                ("title", self.title),
                ("when", self.when),
                ("where", self.address),
                ("cost", self.cost),
                ("access", self.access),
                ("contact", self.contact),
                ("organiser", self.organiser),
            )
            if value
        }
        return names


def read_offer(
    text: str,
    places: Gazetteer,
    *,
    where_asked: bool = False,
    access_words: Callable[[str], tuple[dict[str, str], list[tuple[int, int]]]] | None = None,
) -> OfferParts:
    """Every part of an offer `text` names. `where_asked`: the message answers "Where?", so a
    town alone counts as the place. `access_words(text)` finds accessibility facts:
    (changes, spans) — handlers.offer_form keeps those words with the access toggles."""
    parts = OfferParts()
    taken: list[tuple[int, int]] = []

    def take(start: int, end: int) -> None:
        taken.append((start, end))

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in taken)

    for match in _EMAIL.finditer(text):
        take(*match.span())
        parts.contact = _add(parts.contact, match.group(0))
    for match in _PHONE.finditer(text):
        if free(*match.span()):
            take(*match.span())
            parts.contact = _add(parts.contact, match.group(0))
    if parts.contact:
        for match in _CONTACT_LABEL.finditer(text):
            if free(*match.span()):
                take(*match.span())
    organiser = _ORGANISER.search(text)
    if organiser is not None:
        group = "a" if organiser.group("a") else "b"
        if free(*organiser.span(group)):
            parts.organiser = organiser.group(group).strip(" .:")
            take(*organiser.span())
    masked = _mask(text, taken)
    address = find_address(masked, places, town_alone=where_asked)
    if address is not None:
        parts.address = address
        take(address.start, address.end)
    for pattern, value in ((_PRICE, "price"), (_DONATION, "donation"), (_FREE, "free")):
        cost = pattern.search(_mask(text, taken))
        if cost is not None:
            parts.cost = (value, cost.group(0).strip(" ,.;") if value == "price" else "")
            take(*cost.span())
            break
    if access_words is not None:
        changes, spans = access_words(_mask(text, taken))
        parts.access = changes
        for span in spans:
            take(*span)
    rest = _mask(text, taken)
    if says_when(rest):
        parts.when = rest
    parts.category = kind_of(rest)
    parts.title = _title(text, taken)
    parts.rest = rest
    return parts


def _add(before: str | None, more: str) -> str:
    more = more.strip(" ,;")
    return more if not before else f"{before}, {more}"


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the spans blanked out (a comma keeps the words on either side apart)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = list("," + " " * (end - start - 1)) if end > start else []
    return "".join(chars)


_TOKEN = re.compile(r"\S+")


def _title(text: str, taken: list[tuple[int, int]]) -> str | None:
    """The words before the first part that is not a title: "Warme Stube" in "Warme Stube jeden
    Dienstag …"; nothing when the message starts with a date or a place."""
    lead = _LEADS.match(text)
    begin = lead.end() if lead else 0
    words = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text) if m.start() >= begin]
    folded = [fold(w) for _, _, w in words]
    kept: list[str] = []
    for i, (start, end, word) in enumerate(words):
        if any(s < end and start < e for s, e in taken):
            break
        bare = word.strip(",.;:!?()\"'„“”")
        meaning = lexicon.lookup(bare.lower()) if bare else None
        if (
            any(ch.isdigit() for ch in bare)
            or (meaning and meaning[0] in _WHEN_KINDS)
            or named_days.match(folded, i) is not None
        ):
            break
        kept.append(word)
        if word.endswith((",", ";", ".", ":")):
            break
    while kept and kept[-1].strip(",.;:").lower() in _TRAILING:
        kept.pop()
    title = " ".join(kept).strip(" ,.;:-–")
    if not MIN_TITLE <= len(title) <= MAX_TITLE:
        return None
    return title[0].upper() + title[1:]
