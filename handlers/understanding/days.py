"""When: a day or span ("morgen", "am Wochenende", "Samstag", "am 24.12.", "Heiligabend",
"am 3. Advent", "die nächsten 14 Tage", "next week") and a time of day ("nachmittags",
"heute abend", "um 15 Uhr").

Spans are the names handlers/windows.py knows; a date is "d:MM-DD" (or "d:YYYY-MM-DD" when the
year is typed), a named day "n:<key>" of handlers/when/named_days.py (computed per year there),
"ahead" the next weeks ("das nächste Adventscafé"). Words are read in German and English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..when import named_days
from .words import Phrases, Word, keys

MORNING, AFTERNOON, EVENING = "morning", "afternoon", "evening"

_WEEKDAYS = (
    ("montag", "monday"),
    ("dienstag", "tuesday"),
    ("mittwoch", "wednesday"),
    ("donnerstag", "thursday"),
    ("freitag", "friday"),
    ("samstag", "saturday", "sonnabend"),
    ("sonntag", "sunday"),
)
_SPANS: dict[str, str] = {
    "heute": "today",
    "today": "today",
    "heute noch": "today",
    "tonight": "today",
    "morgen": "tomorrow",
    "tomorrow": "tomorrow",
    "übermorgen": "after_tomorrow",
    "day after tomorrow": "after_tomorrow",
    "wochenende": "weekend",
    "weekend": "weekend",
    "diese woche": "this_week",
    "dieser woche": "this_week",
    "this week": "this_week",
    "die woche": "this_week",
    "woche": "this_week",
    "unter der woche": "this_week",
    "nächste woche": "next_week",
    "nächsten woche": "next_week",
    "kommende woche": "next_week",
    "kommenden woche": "next_week",
    "next week": "next_week",
    "nächster woche": "next_week",
    "7 tage": "7",
    "sieben tage": "7",
    "eine woche": "7",
    "7 days": "7",
    "seven days": "7",
    "14 tage": "14",
    "vierzehn tage": "14",
    "zwei wochen": "14",
    "2 wochen": "14",
    "14 days": "14",
    "two weeks": "14",
    "2 weeks": "14",
    "fourteen days": "14",
}
for _n, _names in enumerate(_WEEKDAYS):
    for _name in _names:
        _SPANS[_name] = _SPANS[_name + "s"] = f"wd{_n}"
_PARTS: dict[str, str] = {
    "morgens": MORNING,
    "vormittag": MORNING,
    "vormittags": MORNING,
    "früh": MORNING,
    "am morgen": MORNING,
    "in the morning": MORNING,
    "morning": MORNING,
    "mornings": MORNING,
    "frühstück": MORNING,
    "breakfast": MORNING,
    "mittag": AFTERNOON,
    "mittags": AFTERNOON,
    "nachmittag": AFTERNOON,
    "nachmittags": AFTERNOON,
    "am nachmittag": AFTERNOON,
    "afternoon": AFTERNOON,
    "afternoons": AFTERNOON,
    "abend": EVENING,
    "abends": EVENING,
    "am abend": EVENING,
    "evening": EVENING,
    "evenings": EVENING,
    "tonight": EVENING,
    "nachts": EVENING,
}
# Words a day may carry that add nothing: "am Samstag", "diesen Sonntag", "on Friday".
_LEADS = keys(
    [
        "am",
        "an",
        "diesen",
        "dieses",
        "diese",
        "kommenden",
        "kommender",
        "kommendes",
        "nächsten",
        "nächster",
        "nächstes",
        "naechsten",
        "on",
        "this",
        "next",
        "coming",
        "zum",
        "in",
        "the",
        "den",
        "die",
        "im",
        "jeden",
        "jede",
        "für",
        "for",
        "over",
        "übers",
        "ueber",
        "bis",
        "ab",
        "at",
    ]
)
# "für Weihnachten", "vor Ostern", "bis Silvester": about the day, not on it.
_BEFORE_A_DAY = keys(["für", "vor", "bis", "nach", "before", "until", "for", "after", "seit"])
_NEXT = keys(["nächste", "nächster", "nächstes", "nächsten", "next", "kommende", "kommenden"])
_MONTHS = {
    m: n
    for n, names in enumerate(
        (
            ("januar", "jänner", "january", "jan"),
            ("februar", "february", "feb"),
            ("märz", "march", "mär"),
            ("april", "apr"),
            ("mai", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nov"),
            ("dezember", "december", "dez", "dec"),
        ),
        start=1,
    )
    for m in keys(names)
}
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.?(\d{2}|\d{4})?$")
_ORDINAL = re.compile(r"^(\d{1,2})(?:\.|st|nd|rd|th)?$")
_HOUR_WORDS = keys(["uhr", "h", "o'clock", "oclock", "pm", "am"])
_SPAN_TABLE = Phrases(_SPANS)
_PART_TABLE = Phrases(_PARTS)
_PART_ENDINGS = (
    ("nachmittag", AFTERNOON),
    ("nachmittage", AFTERNOON),
    ("nachmittags", AFTERNOON),
    ("vormittag", MORNING),
    ("vormittags", MORNING),
    ("abend", EVENING),
    ("abende", EVENING),
    ("abends", EVENING),
    ("morgen", MORNING),
)
_DAY_STEMS = {w: f"wd{n}" for n, names in enumerate(_WEEKDAYS) for w in names}


@dataclass(frozen=True)
class When:
    span: str | None = None
    part: str | None = None


def _date(month: int, day: int, year: int | None) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    if year is not None and year < 100:
        year += 2000
    return f"d:{year:04d}-{month:02d}-{day:02d}" if year else f"d:{month:02d}-{day:02d}"


def _typed_date(words: list[Word], i: int) -> tuple[str, int] | None:
    """ "24.12.", "24.12.2026", "5. Dezember", "24 December", "December 24th"."""
    raw = words[i].raw
    m = _DOTTED.match(raw)
    if m and "." in raw:
        found = _date(int(m[2]), int(m[1]), int(m[3]) if m[3] else None)
        return (found, 1) if found else None
    nxt = words[i + 1] if i + 1 < len(words) else None
    m = _ORDINAL.match(raw)
    if m and nxt is not None and nxt.key in _MONTHS:
        found = _date(_MONTHS[nxt.key], int(m[1]), None)
        return (found, 2) if found else None
    if words[i].key in _MONTHS and len(words[i].key) > 3 and nxt is not None:
        m = _ORDINAL.match(nxt.raw)
        if m:
            found = _date(_MONTHS[words[i].key], int(m[1]), None)
            return (found, 2) if found else None
    return None


def _hour(words: list[Word], i: int) -> str | None:
    """ "um 15 Uhr", "15:30", "at 3 pm": the part of the day that hour falls in."""
    raw = words[i].raw
    nxt = words[i + 1].key if i + 1 < len(words) else ""
    prev = words[i - 1].key if i > 0 else ""
    if ":" in raw:
        hour = int(raw.split(":")[0])
    elif raw.isdigit() and len(raw) <= 2 and (nxt in _HOUR_WORDS or prev in ("um", "ab", "at")):
        hour = int(raw)
        if nxt == "pm" and hour < 12:
            hour += 12
    else:
        return None
    if not 0 <= hour <= 23:
        return None
    return MORNING if hour < 12 else AFTERNOON if hour < 18 else EVENING


def read(words: list[Word], used: list[bool]) -> When:
    span: str | None = None
    part: str | None = None

    def take(i: int, size: int) -> None:
        used[i : i + size] = [True] * size
        if i > 0 and words[i - 1].key in _LEADS and not used[i - 1]:
            used[i - 1] = True  # "am" of "am Samstag"
            if i > 1 and words[i - 2].key in _LEADS and not used[i - 2]:
                used[i - 2] = True  # "in den" of "in den nächsten 14 Tagen"

    i = 0
    while i < len(words):
        if used[i]:
            i += 1
            continue
        key = [w.key for w in words]
        named = named_days.match(key, i)
        # "3 advent" needs its number; "erster mai" is a day, "morgen" a span
        if named is not None and i > 0 and words[i - 1].key in _BEFORE_A_DAY:
            used[i : i + named[1]] = [True] * named[
                1
            ]  # "Basteln für Weihnachten": no day to search
            i += named[1]
            continue
        if named is not None:
            span = span or f"n:{named[0]}"
            take(i, named[1])
            i += named[1]
            continue
        typed = _typed_date(words, i)
        if typed is not None:
            span = span or typed[0]
            take(i, typed[1])
            i += typed[1]
            continue
        counted = _count_span(words, i)
        if counted is not None and not any(used[i : i + 2]):
            span = span or counted[0]
            take(i, 2)
            i += 2
            continue
        hit_part = _PART_TABLE.at(words, i, used)
        hit_span = _SPAN_TABLE.at(words, i, used)
        if hit_part and (hit_span is None or hit_part[1] > hit_span[1]):
            part = part or hit_part[0]
            if words[i].key == "tonight":
                span = span or "today"
            take(i, hit_part[1])
            i += hit_part[1]
            continue
        if hit_span:
            span = span or hit_span[0]
            if hit_span[1] == 1 and words[i].key == "tonight":
                part = part or EVENING
            take(i, hit_span[1])
            i += hit_span[1]
            continue
        compound = _compound(words[i].key)
        if compound is not None:
            day, day_part = compound
            span = span or day
            part = part or day_part
            if day is not None:
                take(i, 1)  # "Spielenachmittag" is left for the kinds
            i += 1
            continue
        hour = _hour(words, i)
        if hour is not None:
            part = part or hour
            size = 2 if i + 1 < len(words) and words[i + 1].key in _HOUR_WORDS else 1
            take(i, size)
            i += size
            continue
        i += 1
    return When(span, part)


_COUNTS = {
    "ein": 1,
    "eine": 1,
    "einen": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "sechs": 6,
    "sieben": 7,
    "acht": 8,
    "zehn": 10,
    "vierzehn": 14,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "a": 1,
}
_COUNT_KEYS = {k: n for w, n in _COUNTS.items() for k in keys([w])}
_UNITS = {
    k: days
    for w, days in (
        ("tag", 1),
        ("tage", 1),
        ("tagen", 1),
        ("woche", 7),
        ("wochen", 7),
        ("day", 1),
        ("days", 1),
        ("week", 7),
        ("weeks", 7),
        ("monat", 30),
        ("month", 30),
    )
    for k in keys([w])
}


def _count_span(words: list[Word], i: int) -> tuple[str, int] | None:
    """ "in den nächsten 10 Tagen", "drei Wochen", "next 2 weeks": the span that covers it."""
    if i + 1 >= len(words) or words[i + 1].key not in _UNITS:
        return None
    raw = words[i].raw
    count = int(raw) if raw.isdigit() and len(raw) <= 3 else _COUNT_KEYS.get(words[i].key)
    if not count:
        return None
    total = count * _UNITS[words[i + 1].key]
    return ("7" if total <= 7 else "14" if total <= 14 else "ahead"), 2


def _compound(key: str) -> tuple[str | None, str] | None:
    """ "sonntagnachmittag", "freitagabend", "spielenachmittag" (the kind is read elsewhere)."""
    for ending, part in _PART_ENDINGS:
        if key.endswith(ending) and len(key) > len(ending) + 2:
            stem = (
                key[: -len(ending)].rstrip("s") if not key[: -len(ending)].endswith("ss") else key
            )
            day = _DAY_STEMS.get(stem) or _DAY_STEMS.get(key[: -len(ending)])
            if ending == "morgen" and day is None:
                return None  # "Guten-Morgen", "Sonntagmorgen" is the only such compound
            return day, part
    return None


def looks_ahead(words: list[Word], used: list[bool], kind_at: set[int]) -> bool:
    """ "das nächste Adventscafé", "the next walk": the next one, whenever it is."""
    for i, word in enumerate(words):
        if word.key in _NEXT and not used[i] and any(j in kind_at for j in (i + 1, i + 2)):
            used[i] = True
            return True
    return False
