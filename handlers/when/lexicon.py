"""The words of a "When?" answer: German first, English second, typos in day and month names.

Each word maps to a (kind, value) pair; everything not listed is filler ("wir treffen uns …")
unless it is close enough to a day or month name to be a typo of exactly one of them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz.distance import DamerauLevenshtein

# Kinds of words.
WEEKDAY = "weekday"  # value (weekday 0=Mon, plural) – plural ("dienstags") means "every"
MONTH = "month"  # value 1..12
RELATIVE = "relative"  # value: days from today
NEXT = "next"  # value: extra weeks ("nächsten" 0 … but +7 on the same weekday, "übernächsten" 1)
EVERY = "every"
ORDINAL = "ordinal"  # value 1..5, -1, -2
NUMBER = "numberword"  # value 2..6 ("alle zwei Wochen")
FROM = "from"
UNTIL = "until"
NOT = "not"
IN = "in"  # "im Dezember": the whole month
ONLY = "only"  # "nur im Dezember": every year, in December only
UHR = "uhr"
MERIDIEM = "meridiem"  # value "am" / "pm"
PERIOD = "period"  # value "am" / "pm": "morgens", "abends"
WEEK = "week"
DAY = "day"
MONTH_WORD = "monthword"
DAILY = "daily"
WEEKLY = "weekly"
MONTHLY = "monthly"
BIWEEKLY = "biweekly"
WORKDAYS = "workdays"
WEEKEND = "weekend"
AND = "and"
TIMES = "times"  # "5 mal"
HOURS = "hours"
MINUTES = "minutes"
MIDNIGHT = "midnight"  # "bis Mitternacht": 24:00
UNSUPPORTED = "unsupported"  # words that change the meaning but we cannot follow

# What a word means besides its kind: a number, (weekday, plural), "am"/"pm", or nothing.
Value = int | tuple[int, bool] | str | None
Meaning = tuple[str, Value]

_DAYS_DE = ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")
_DAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_ABBREVIATIONS = (
    ("mo", "mon"),
    ("di", "tue", "tues"),
    ("mi", "wed"),
    ("do", "thu", "thur", "thurs"),
    ("fr", "fri"),
    ("sa", "sat"),
    ("so", "sun"),
)
_MONTHS = (
    ("januar", "jan", "jänner", "jaenner", "january"),
    ("februar", "feb", "february", "febr"),
    ("märz", "maerz", "mär", "mrz", "march", "mar"),
    ("april", "apr"),
    ("mai", "may"),
    ("juni", "jun", "june"),
    ("juli", "jul", "july"),
    ("august", "aug"),
    ("september", "sep", "sept"),
    ("oktober", "okt", "october", "oct"),
    ("november", "nov"),
    ("dezember", "dez", "december", "dec"),
)


def _words() -> dict[str, Meaning]:
    words: dict[str, Meaning] = {}

    def add(kind: str, value: Value, *names: str) -> None:
        for name in names:
            words[name] = (kind, value)

    for day, (de, en) in enumerate(zip(_DAYS_DE, _DAYS_EN, strict=True)):
        add(WEEKDAY, (day, False), de, en, *_DAY_ABBREVIATIONS[day])
        add(WEEKDAY, (day, True), de + "s", de + "en", de + "e", en + "s")
    add(WEEKDAY, (5, False), "sonnabend")
    add(WEEKDAY, (5, True), "sonnabends", "sonnabenden")
    for month, names in enumerate(_MONTHS, start=1):
        add(MONTH, month, *names)
    add(RELATIVE, 0, "heute", "today")
    add(RELATIVE, 1, "morgen", "tomorrow")
    add(RELATIVE, 2, "übermorgen", "uebermorgen")
    add(
        NEXT,
        0,
        "nächsten",
        "nächster",
        "nächste",
        "naechsten",
        "naechster",
        "naechste",
        "kommenden",
        "kommender",
        "kommende",
        "next",
        "coming",
    )
    add(NEXT, 1, "übernächsten", "übernächster", "übernächste", "uebernaechsten")
    add(EVERY, None, "jeden", "jede", "jeder", "jedem", "jedes", "alle", "every", "each", "immer")
    add(ORDINAL, 1, "erste", "ersten", "erster", "erstes", "first")
    add(ORDINAL, 2, "zweite", "zweiten", "zweiter", "zweites", "second", "other")
    add(ORDINAL, 3, "dritte", "dritten", "dritter", "drittes", "third")
    add(ORDINAL, 4, "vierte", "vierten", "vierter", "viertes", "fourth")
    add(ORDINAL, 5, "fünfte", "fünften", "fünfter", "fuenften", "fifth")
    add(ORDINAL, -1, "letzte", "letzten", "letzter", "letztes", "last")
    add(ORDINAL, -2, "vorletzte", "vorletzten", "vorletzter", "penultimate")
    for value, names in (
        (2, ("zwei", "two")),
        (3, ("drei", "three")),
        (4, ("vier", "four")),
        (5, ("fünf", "fuenf", "five")),
        (6, ("sechs", "six")),
    ):
        add(NUMBER, value, *names)
    add(FROM, None, "ab", "vom", "von", "from", "starting", "beginning", "beginnend", "seit")
    add(UNTIL, None, "bis", "until", "till", "to", "through", "ende", "endet", "end")
    add(NOT, None, "nicht", "außer", "ausser", "ausgenommen", "except", "not", "excluding")
    add(IN, None, "im", "in", "during")
    add(ONLY, None, "nur", "only")
    add(UHR, None, "uhr", "h", "oclock")
    add(MERIDIEM, "pm", "pm")
    add(PERIOD, "am", "morgens", "vormittags", "früh", "morning")
    add(PERIOD, "pm", "nachmittags", "abends", "nachts", "afternoon", "evening", "night")
    add(WEEK, None, "woche", "wochen", "week", "weeks")
    add(DAY, None, "tag", "tage", "tagen", "day", "days")
    add(MONTH_WORD, None, "monat", "monats", "monate", "monaten", "month", "months")
    add(DAILY, None, "täglich", "taeglich", "daily")
    add(WEEKLY, None, "wöchentlich", "woechentlich", "weekly")
    add(MONTHLY, None, "monatlich", "monthly")
    add(BIWEEKLY, None, "zweiwöchentlich", "fortnightly", "biweekly")
    add(WORKDAYS, None, "werktags", "werktäglich", "wochentags", "weekdays")
    add(WEEKEND, None, "wochenende", "wochenenden", "wochenends", "weekend", "weekends")
    add(AND, None, "und", "and", "sowie")
    add(MIDNIGHT, None, "mitternacht", "midnight")
    add(TIMES, None, "mal", "times", "termine", "x")
    add(HOURS, None, "stunde", "stunden", "std", "hour", "hours", "hrs")
    add(MINUTES, None, "minute", "minuten", "min", "minutes", "mins")
    # Words that change the meaning in ways a schedule cannot hold (yet): better to ask than
    # to store something else.
    add(
        UNSUPPORTED,
        None,
        "oder",
        "or",
        "bzw",
        "beziehungsweise",
        "jährlich",
        "jaehrlich",
        "jahr",
        "jahre",
        "jahres",
        "year",
        "years",
        "yearly",
        "annually",
        "quartal",
        "ferien",
        "schulferien",
        "feiertag",
        "feiertage",
        "feiertags",
        "feiertagen",
        "holiday",
        "holidays",
        "gerade",
        "ungerade",
        "even",
        "odd",
        "advent",
        "adventszeit",
        "adventssonntage",
        "halb",
        "viertel",
        "dreiviertel",
        "half",
        "quarter",
        "stündlich",
        "hourly",
    )
    return words


WORDS = _words()

# Filler words that still matter next to a number or a date.
MERIDIEM_AM = {"am", "a"}  # "10 am" – but "am Dienstag" is German for "on Tuesday"
AT_WORDS = {"um", "at", "gegen", "ca", "circa", "etwa", "ungefähr"}  # "um 15": a clock time
ONE_WORDS = {"ein", "eine", "einer", "einen", "one", "an", "a"}  # "eine Stunde"
BEFORE_DATE_WORDS = {"den", "dem", "the", "am", "on"}  # "Samstag, den 12.12."
DAYTIME_WORDS = {"abend", "nachmittag", "vormittag", "mittag"}  # "jeden Abend": every day

# Typos are forgiven for day and month names only: those carry the meaning, and a wrong guess
# shows up in the confirmation.
_FUZZY = {
    name: WORDS[name]
    for name in (
        *_DAYS_DE,
        *_DAYS_EN,
        *(d + "s" for d in _DAYS_DE),
        *(d + "s" for d in _DAYS_EN),
        "sonnabend",
        *(names[0] for names in _MONTHS),
        "january",
        "february",
        "march",
        "june",
        "july",
        "october",
        "december",
        "übermorgen",
        "täglich",
        "wöchentlich",
        "monatlich",
        "werktags",
    )
}


@lru_cache(maxsize=2048)
def lookup(word: str) -> Meaning | None:
    """(kind, value) for a known word or an unambiguous typo of a day or month name."""
    known = WORDS.get(word)
    if known is not None or len(word) < 5:
        return known
    allowed = 1 if len(word) < 8 else 2
    by_distance: dict[int, set[Meaning]] = {}
    for name, meaning in _FUZZY.items():
        if abs(len(name) - len(word)) <= allowed:
            distance = DamerauLevenshtein.distance(word, name, score_cutoff=allowed)
            if distance <= allowed:
                by_distance.setdefault(distance, set()).add(meaning)
    if not by_distance:
        return None
    closest = by_distance[min(by_distance)]
    return closest.pop() if len(closest) == 1 else None  # "sontag": Sonntag, not Montag


# "14-tägig", "14tägig", "vierzehntägig", "2-wöchentlich": one word for "every other week".
_BIWEEKLY = re.compile(
    r"\b(?:14|vierzehn)\s*-?\s*t(?:ä|ae|a)gig\w*|\b(?:2|zwei)\s*-?\s*w(?:ö|oe|o)ch(?:entl)?i\w*"
)
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")

# Clock times in words, as people say them: "halb drei" (2:30), "viertel nach drei" (3:15),
# "viertel vor vier" and "dreiviertel vier" (3:45), and in the east "viertel vier" (3:15).
_HOUR_WORDS = {
    "eins": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "fuenf": 5,
    "sechs": 6,
    "sieben": 7,
    "acht": 8,
    "neun": 9,
    "zehn": 10,
    "elf": 11,
    "zwölf": 12,
    "zwoelf": 12,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_HOUR = r"(?P<hour>\d{1,2}|" + "|".join(sorted(_HOUR_WORDS, key=len, reverse=True)) + r")\b"
_WORD_CLOCK = re.compile(
    r"\b(?:(?P<halb>halb)|(?P<half_past>half past)|(?P<past>viertel nach|quarter past)"
    r"|(?P<to>viertel vor|quarter to)|(?P<three>dreiviertel|drei viertel)|(?P<east>viertel))\s+"
    + _HOUR
)
# Minutes from the named hour: "halb drei" is 2:30, "dreiviertel vier" 3:45, "viertel vier" 3:15.
_OFFSET = {"halb": -30, "half_past": 30, "past": 15, "to": -15, "three": -15, "east": -45}
_MORNING = re.compile(r"\b(morgens|vormittags|früh|frueh|morning)\b")


def _word_clock(match: re.Match[str], morning: bool) -> str:
    """The clock time a phrase means. Hours 1 to 7 are the afternoon unless the answer says
    morning: "halb drei" is 14:30 for a café, and the confirmation shows what was read."""
    word = match.group("hour")
    hour = int(word) if word.isdigit() else _HOUR_WORDS[word]
    if not 1 <= hour <= 12:
        return match.group(0)  # "halb 15" is not a way to say a time
    kind = next(k for k in _OFFSET if match.group(k))
    h, m = divmod((hour * 60 + _OFFSET[kind]) % (12 * 60), 60)
    h = h or 12
    if not morning and 1 <= h <= 7:
        h += 12
    return f" {h}:{m:02d} uhr "


def normalise(text: str) -> str:
    text = _DASHES.sub("-", text.lower()).replace("'", "").replace("’", "")
    if _WORD_CLOCK.search(text):
        morning = bool(_MORNING.search(text))
        text = _WORD_CLOCK.sub(lambda m: _word_clock(m, morning), text)
    return _BIWEEKLY.sub(" zweiwöchentlich ", text)
