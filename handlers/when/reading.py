"""First half of understanding a "When?" answer: what the words say, before looking at a calendar.

The text is cut into tokens (numbers, clock times, dates, words) and read left to right. Each
piece lands in a `Reading`: dates with their role (on, from, until, except), weekdays, "every",
intervals, clock times. Nothing here knows today's date; `parse.py` resolves the reading against
the calendar and checks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import Enum

from places.text import fold

from . import lexicon as w
from . import named_days


class Problem(Enum):
    """Why an answer could not be turned into a schedule; each has a friendly explanation."""

    UNKNOWN = "unknown"  # nothing that looks like a day or a time
    NO_TIME = "no_time"  # a day but no clock time
    NO_DATE = "no_date"  # a clock time but no day
    PAST = "past"
    END_BEFORE_START = "end_before_start"
    CROSSES_MIDNIGHT = "crosses_midnight"
    TOO_LONG = "too_long"  # more than 12 hours
    TOO_FAR = "too_far"  # more than 18 months ahead
    INVALID_DATE = "invalid_date"  # 30.2., 32.1., month 13
    INVALID_TIME = "invalid_time"  # 25 Uhr, 15:75
    WEEKDAY_MISMATCH = "weekday_mismatch"  # "Sa 14.12." when the 14th is a Monday
    NOT_AN_OCCURRENCE = "not_an_occurrence"  # "nicht am 14.1." when there is no meeting that day
    NO_DATES = "no_dates"  # the rule leaves no meeting at all
    SEVERAL = "several"  # several dates or clock times where one schedule holds one
    UNSUPPORTED = "unsupported"  # holidays, "oder", "halb drei": cannot be stored exactly
    CLOCK_CHANGE = "clock_change"  # 02:30 on the night the clocks go forward does not exist


class Unreadable(Exception):
    def __init__(self, problem: Problem, day: date | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.day = day  # the date the problem is about, when there is one


@dataclass(frozen=True)
class Clock:
    hour: int  # 0..24; 24 only as an end ("bis 24 Uhr")
    minute: int = 0

    @property
    def minutes(self) -> int:
        return self.hour * 60 + self.minute


@dataclass(frozen=True)
class DateSpec:
    """A day as written, not yet placed in a year: "24.12.", "morgen", "nächsten Freitag",
    "März"."""

    day: int | None = None  # day of the month
    month: int | None = None  # with day None: the whole month ("im Dezember", "bis März")
    year: int | None = None
    offset: int | None = None  # days from today ("morgen")
    weekday: int | None = None  # the next such weekday ("nächsten Freitag")
    weeks: int = 0  # weeks added to that ("übernächsten")
    not_today: bool = False  # "nächsten Mittwoch" said on a Wednesday means in a week
    check: int | None = None  # a weekday written beside the date ("Sa., 12. Dez."): must agree
    named: str | None = None  # a named day (handlers.when.named_days): "Heiligabend", "3. Advent"


@dataclass
class Reading:
    on: list[DateSpec] = field(default_factory=list)
    starting: list[DateSpec] = field(default_factory=list)  # "ab 5.1."
    until: list[DateSpec] = field(default_factory=list)  # "bis 31.3."
    within: list[DateSpec] = field(default_factory=list)  # "im Dezember"
    excepted: list[DateSpec] = field(default_factory=list)  # "nicht am 24.12."
    days: set[int] = field(default_factory=set)  # weekdays of a rule (or one single weekday)
    day_mentions: int = 0
    excepted_days: set[int] = field(default_factory=set)  # "täglich außer sonntags"
    nths: list[tuple[int, int]] = field(default_factory=list)  # (1, 5): first Saturday
    monthdays: list[int] = field(default_factory=list)  # "jeden 15. im Monat"
    every: bool = False  # anything that says "again and again"
    daily: bool = False
    weekly: bool = False
    monthly: bool = False  # "im Monat", "monatlich"
    interval: int | None = None
    interval_unit: str | None = None  # "day", "week", "month"
    only_months: set[int] = field(default_factory=set)  # "nur im Dezember"
    count: int | None = None  # "10 mal"
    starts: list[Clock] = field(default_factory=list)
    ends: list[Clock] = field(default_factory=list)
    bare: list[Clock] = field(default_factory=list)  # "Di 15": a number that can only be a time
    duration: timedelta | None = None  # "2 Stunden"
    period: str | None = None  # "am"/"pm" for the whole answer ("abends")
    understood: bool = False  # anything at all that belongs to a "When?"


# --- tokens -------------------------------------------------------------------------------

NUM, CLOCK, DMY, DM, PAIR, ORD, ISO, DASH, COMMA = (
    "num",
    "clock",
    "dmy",
    "dm",
    "pair",
    "ord",
    "iso",
    "dash",
    "comma",
)
FILLER = "filler"

_TOKEN = re.compile(
    r"""
    (?P<iso>\d{4}-\d{1,2}-\d{1,2})(?!\d)
  | (?P<dmy>\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2}))(?![\d:])
  | (?P<dm>\d{1,2}\.\d{1,2}\.)
  | (?P<clock>\d{1,2}:\d{2})(?!\d)
  | (?P<pair>\d{1,2}[.,]\d{1,2})(?!\d)
  | (?P<ord>\d{1,2}\.)(?!\d)
  | (?P<num>\d+)(?P<suffix>uhr|h|st|nd|rd|th|x|pm|am|mal)?
  | (?P<word>[^\W\d_]+)
  | (?P<dash>-)
  | (?P<comma>[,;&+/])
""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    """A piece of the answer; which of the fields after `text` it fills depends on its kind."""

    kind: str
    text: str = ""
    # NUM, ORD, MONTH, RELATIVE, NEXT, ORDINAL, NUMBER: the number; PAIR: the one before the
    # separator ("15.30": 15); WEEKDAY: the day, 0 = Monday
    number: int = 0
    parts: tuple[int, ...] = ()  # ISO (y, m, d), DMY (d, m, y), DM (d, m), CLOCK (h, m)
    digits: str = ""  # PAIR: the digits after the separator as written ("15.30": "30")
    suffix: str | None = None  # NUM: "uhr", "st", "mal" … written right after it
    meridiem: str | None = None  # MERIDIEM, PERIOD: "am" / "pm"
    plural: bool = False  # WEEKDAY: "dienstags" means every Tuesday


def _word(kind: str, value: w.Value, raw: str) -> Token:
    """The token of a word the lexicon knows."""
    if isinstance(value, tuple):
        day, plural = value
        return Token(kind, raw, number=day, plural=plural)
    if isinstance(value, str):
        return Token(kind, raw, meridiem=value)
    if isinstance(value, int):
        return Token(kind, raw, number=value)
    return Token(kind, raw)


def tokens(text: str) -> list[Token]:
    found: list[Token] = []
    for match in _TOKEN.finditer(w.normalise(text)):
        kind = match.lastgroup
        if kind is None or kind == "suffix":
            kind = "num"
        raw = match.group(kind)
        if kind == "iso":
            found.append(Token(ISO, raw, parts=tuple(int(p) for p in raw.split("-"))))
        elif kind == "dmy":
            d, m, y = (int(p) for p in raw.split("."))
            found.append(Token(DMY, raw, parts=(d, m, y + 2000 if y < 100 else y)))
        elif kind == "dm":
            d, m = (int(p) for p in raw.rstrip(".").split("."))
            found.append(Token(DM, raw, parts=(d, m)))
        elif kind == "clock":
            hour, minute = raw.split(":")
            found.append(Token(CLOCK, raw, parts=(int(hour), int(minute))))
        elif kind == "pair":
            a, b = re.split(r"[.,]", raw)
            found.append(Token(PAIR, raw, number=int(a), digits=b))
        elif kind == "ord":
            found.append(Token(ORD, raw, number=int(raw[:-1])))
        elif kind == "num":
            found.append(Token(NUM, match.group(0), number=int(raw), suffix=match.group("suffix")))
        elif kind == "word":
            meaning = w.lookup(raw)
            found.append(_word(*meaning, raw) if meaning else Token(FILLER, raw))
        else:
            found.append(Token(DASH if kind == "dash" else COMMA, raw))
    return found


# --- reading ------------------------------------------------------------------------------

_MAX_INTERVAL = {"day": 28, "week": 8, "month": 12}  # "alle 14 Tage", "alle 4 Wochen"
_BARE_EXCLUDED_AFTER = {w.TIMES, w.HOURS, w.MINUTES, w.WEEK, w.DAY, w.MONTH_WORD, w.MONTH}


def read(text: str) -> Reading:
    """What the words say; raises Unreadable for invalid dates and times and unsupported words."""
    return _Reader(tokens(text)).read()


def read_partly(text: str) -> tuple[Reading, Unreadable | None]:
    """What the words say, and why they cannot be stored if they cannot: also the part read
    before a problem (it tells a one-off date from a rule, for the example in the answer)."""
    reader = _Reader(tokens(text))
    try:
        return reader.read(), None
    except Unreadable as problem:
        return reader.r, problem


class _Reader:
    def __init__(self, toks: list[Token]) -> None:
        self.toks = toks
        self.folded = [fold(t.text) for t in toks]
        self.r = Reading()
        self.role: str | None = None  # "from" / "until" for the next date or time
        self.excepting = False
        self.ordinals: list[int] = []
        self.last: str | None = None  # "date", "time", "weekday" just read

    # helpers
    def kind(self, i: int) -> str | None:
        return self.toks[i].kind if 0 <= i < len(self.toks) else None

    def is_word(self, i: int, words: set[str]) -> bool:
        return (
            0 <= i < len(self.toks) and self.toks[i].kind == FILLER and self.toks[i].text in words
        )

    def read(self) -> Reading:
        i = 0
        while i < len(self.toks):
            i = self.step(i)
        return self.r

    def step(self, i: int) -> int:
        tok = self.toks[i]
        named = self.named_at(i)
        if named is not None:
            key, size = named
            self.add_date(DateSpec(named=key))
            return i + size
        if tok.kind == w.UNSUPPORTED:
            raise Unreadable(Problem.UNSUPPORTED)
        date = self.date_at(i)
        if date is not None:
            spec, j = date
            self.add_date(spec)
            return j
        span = self.time_at(i)
        if span is not None:
            return self.add_time(*span)
        if tok.kind == w.WEEKDAY:
            return self.weekday(i)
        if tok.kind in (ORD, w.ORDINAL):
            return self.ordinal(i)
        if tok.kind == NUM:
            return self.number(i)
        if tok.kind == PAIR and self.kind(i + 1) in (w.HOURS, w.MINUTES):
            self.set_duration(float(f"{tok.number}.{tok.digits}"), self.toks[i + 1].kind)
            return i + 2
        if tok.kind == w.NUMBER and self.kind(i + 1) in (w.HOURS, w.MINUTES):
            self.set_duration(tok.number, self.toks[i + 1].kind)
            return i + 2
        if tok.kind == w.HOURS and self.is_word(i - 1, w.ONE_WORDS):
            self.set_duration(1, w.HOURS)
            return i + 1
        if tok.kind == w.EVERY:
            return self.every(i)
        handler = {
            w.FROM: self.keyword_role,
            w.UNTIL: self.keyword_role,
            w.NOT: self.keyword_not,
            w.ONLY: self.only,
            w.IN: self.in_,
            DASH: self.dash,
        }.get(tok.kind)
        if handler is not None:
            return handler(i)
        marker = {
            w.DAILY: "daily",
            w.WEEKLY: "weekly",
            w.MONTHLY: "monthly",
            w.BIWEEKLY: "biweekly",
            w.WORKDAYS: "workdays",
            w.WEEKEND: "weekend",
            w.MONTH_WORD: "monthword",
            w.PERIOD: "period",
            w.MERIDIEM: "period",
        }.get(tok.kind)
        if marker is not None:
            self.mark(marker, tok)
        return i + 1

    # dates
    def named_at(self, i: int) -> tuple[str, int] | None:
        """ "Heiligabend", "am 3. Advent": a named day; "1. Mai" stays a date (it may have a
        year)."""
        tok = self.toks[i]
        if tok.kind in (DM, DMY, ISO, PAIR, CLOCK) or (
            tok.kind == NUM and tok.suffix not in ("st", "nd", "rd", "th")
        ):
            return None
        found = named_days.match(self.folded, i)
        if found is None or (
            self.toks[i].kind == ORD and any(t.kind == w.MONTH for t in self.toks[i : i + found[1]])
        ):
            return None
        return found

    def date_at(self, i: int) -> tuple[DateSpec, int] | None:
        tok = self.toks[i] if i < len(self.toks) else None
        if tok is None:
            return None
        if tok.kind == w.WEEKDAY and not tok.plural:
            k = i + 1
            while self.kind(k) == COMMA or self.is_word(k, w.BEFORE_DATE_WORDS):
                k += 1
            found = self.plain_date_at(k, weekday_allowed=False)
            if found is not None and (found[0].day is not None or found[0].offset is not None):
                spec, j = found
                return replace(spec, check=tok.number), j
            return None
        return self.plain_date_at(i, weekday_allowed=True)

    def plain_date_at(self, i: int, weekday_allowed: bool) -> tuple[DateSpec, int] | None:
        if i >= len(self.toks):
            return None
        tok, nxt = self.toks[i], self.kind(i + 1)
        if tok.kind in (ISO, DMY):
            y, m, d = tok.parts if tok.kind == ISO else tok.parts[::-1]
            return _valid(DateSpec(day=d, month=m, year=y)), i + 1
        if tok.kind == DM:
            d, m = tok.parts
            if m > 12 and d <= 24 and m < 60:
                return None  # "um 15.30." at the end of a sentence is a time
            return self.year_after(_valid(DateSpec(day=d, month=m)), i + 1)
        if tok.kind == PAIR:
            a, b = tok.number, tok.digits
            if (len(b) == 2 and int(b) > 12) or nxt in (w.UHR, w.HOURS, w.MINUTES, w.MERIDIEM):
                return None
            return self.year_after(_valid(DateSpec(day=a, month=int(b))), i + 1)
        if tok.kind == ORD:
            if nxt == w.MONTH:
                return self.year_after(
                    _valid(DateSpec(day=tok.number, month=self.toks[i + 1].number)), i + 2
                )
            if nxt in (w.WEEKDAY, w.WEEK, w.DAY, w.MONTH_WORD, w.UHR) or self.ordinals_follow(
                i + 1
            ):
                return None
            if not 1 <= tok.number <= 31 or not self.introduces_day(i - 1):
                return None  # "2. OG", "3. Stock": not a day
            return DateSpec(day=tok.number), i + 1
        if (
            tok.kind == NUM
            and tok.suffix in ("st", "nd", "rd", "th")
            and 1 <= tok.number <= 31
            and nxt != w.MONTH
            and (
                self.is_word(i - 1, {"the"})
                or (self.kind(i - 1) in (w.AND, COMMA) and self.last == "date")
            )
        ):
            return DateSpec(day=tok.number), i + 1  # "every month on the 15th"
        if tok.kind == NUM and nxt == w.MONTH and tok.suffix in (None, "st", "nd", "rd", "th"):
            return self.year_after(
                _valid(DateSpec(day=tok.number, month=self.toks[i + 1].number)), i + 2
            )
        if tok.kind == w.MONTH:
            month = tok.number
            if nxt == NUM:
                number, suffix = self.toks[i + 1].number, self.toks[i + 1].suffix
                if suffix is None and 1900 <= number <= 2199:
                    return DateSpec(month=month, year=number), i + 2
                if (
                    suffix in (None, "st", "nd", "rd", "th")
                    and 1 <= number <= 31
                    and self.kind(i + 2)
                    not in (w.UHR, w.MERIDIEM, w.PERIOD, DASH, w.UNTIL, w.HOURS, w.MINUTES, w.TIMES)
                ):
                    return self.year_after(
                        _valid(DateSpec(day=number, month=month)), i + 2, comma=True
                    )
            return DateSpec(month=month), i + 1
        if tok.kind == w.RELATIVE:
            return DateSpec(offset=tok.number), i + 1
        if tok.kind == w.NEXT and weekday_allowed:
            weeks, k = tok.number, i + 1
            if self.kind(k) == w.NEXT:
                weeks, k = weeks + 1 + self.toks[k].number, k + 1
            if self.kind(k) == w.WEEKDAY and not self.toks[k].plural:
                return DateSpec(weekday=self.toks[k].number, weeks=weeks, not_today=True), k + 1
        return None

    def introduces_day(self, i: int) -> bool:
        """ "am 24.", "ab 3.", "nicht am 5. und 12.": words before a day of the month alone."""
        return (
            self.is_word(i, w.BEFORE_DATE_WORDS)
            or self.kind(i) in (w.FROM, w.UNTIL, w.NOT)
            or ((self.excepting or self.last == "date") and self.kind(i) in (w.AND, COMMA))
        )

    def ordinals_follow(self, i: int) -> bool:
        """ "1. und 3. Mittwoch": an ordinal followed by more ordinals and then a weekday."""
        while self.kind(i) in (w.AND, COMMA, ORD, w.ORDINAL):
            i += 1
        return self.kind(i) == w.WEEKDAY

    def year_after(self, spec: DateSpec, j: int, comma: bool = False) -> tuple[DateSpec, int]:
        k = j + 1 if comma and self.kind(j) == COMMA else j
        if self.kind(k) == NUM:
            number, suffix = self.toks[k].number, self.toks[k].suffix
            if suffix is None and 1900 <= number <= 2199 and spec.year is None:
                return _valid(replace(spec, year=number)), k + 1
        return spec, j

    def add_date(self, spec: DateSpec) -> None:
        r = self.r
        r.understood = True
        if self.role == "from":
            r.starting.append(spec)
        elif self.role == "until":
            r.until.append(spec)
        elif self.role == "in":
            r.within.append(spec)
        elif self.excepting:
            r.excepted.append(spec)
            self.last = "except"
            return
        else:
            r.on.append(spec)
        self.role = None
        self.last = "date"

    # clock times
    def clock_at(self, i: int) -> tuple[Clock, bool, str | None, int] | None:
        """(clock, explicit, meridiem, next index) for a clock time starting at token i."""
        if i >= len(self.toks):
            return None
        tok, nxt = self.toks[i], self.kind(i + 1)
        explicit: bool = True
        meridiem: str | None = None
        if tok.kind == CLOCK:
            h, m = tok.parts
        elif tok.kind == w.MIDNIGHT:
            h, m = 24, 0
        elif tok.kind == PAIR:
            a, b = tok.number, tok.digits
            if not ((len(b) == 2 and int(b) > 12) or nxt == w.UHR):
                return None
            h, m = a, int(b) if len(b) == 2 else int(b) * 10
        elif tok.kind == DM and tok.parts[1] > 12 and tok.parts[0] <= 24:
            h, m = tok.parts
        elif tok.kind == NUM:
            h, suffix = tok.number, tok.suffix
            m = 0
            if suffix in ("am", "pm"):
                meridiem = suffix
            elif suffix not in ("uhr", "h"):
                if h > 24 and nxt == w.UHR:
                    raise Unreadable(Problem.INVALID_TIME)
                if suffix is not None or nxt in _BARE_EXCLUDED_AFTER or h > 24:
                    return None
                if self.kind(i + 1) == DASH and self.kind(i + 2) == w.TIMES:
                    return None
                explicit = nxt in (w.UHR, w.MERIDIEM) or (
                    self.is_word(i + 1, w.MERIDIEM_AM) and self.ends_phrase(i + 2)
                )
        else:
            return None
        j, uhr = i + 1, False
        while j < len(self.toks):
            if self.kind(j) == w.UHR:
                explicit = uhr = True
            elif self.kind(j) == w.MERIDIEM:
                meridiem = self.toks[j].meridiem
            elif self.is_word(j, w.MERIDIEM_AM) and h <= 12 and not uhr and self.ends_phrase(j + 1):
                meridiem = "am"
            else:
                break
            j += 1
        if (
            not (0 <= h <= 24 and 0 <= m <= 59)
            or (h == 24 and m)
            or (meridiem and not 1 <= h <= 12)
        ):
            raise Unreadable(Problem.INVALID_TIME)
        return Clock(h, m), explicit, meridiem, j

    def ends_phrase(self, i: int) -> bool:
        """After "10 am": nothing that "am" could introduce ("10 am 12.12." is German)."""
        return self.kind(i) not in (
            ISO,
            DMY,
            DM,
            PAIR,
            ORD,
            NUM,
            w.WEEKDAY,
            w.ORDINAL,
            w.NEXT,
            w.RELATIVE,
            w.MONTH,
        )

    def time_at(self, i: int) -> tuple[Clock, Clock | None, bool, int] | None:
        first = self.clock_at(i)
        if first is None:
            return None
        start, explicit, meridiem, j = first
        if self.kind(j) in (DASH, w.UNTIL) and self.date_at(j + 1) is None:
            second = self.clock_at(j + 1)
            if second is not None:
                end, _, end_meridiem, k = second
                start, end = _meridiem(start, end, meridiem, end_meridiem)
                return start, end, True, k
        start = _shift(start, meridiem)
        explicit = explicit or self.is_word(i - 1, w.AT_WORDS) or self.role is not None
        return start, None, explicit, j

    def add_time(self, start: Clock, end: Clock | None, explicit: bool, j: int) -> int:
        r = self.r
        r.understood = True
        self.excepting = False
        if end is not None:
            r.starts.append(start)
            r.ends.append(end)
        elif self.role == "until":
            r.ends.append(start)
        elif explicit:
            r.starts.append(start)
        else:
            r.bare.append(start)
        self.role = None
        self.last = "time"
        return j

    # weekdays, ordinals, numbers
    def weekday(self, i: int) -> int:
        r, tok = self.r, self.toks[i]
        day, plural = tok.number, tok.plural
        if self.not_a_day(i):
            return i + 1
        days, j = [day], i + 1
        if (
            self.kind(j) in (DASH, w.UNTIL)
            and self.kind(j + 1) == w.WEEKDAY
            and self.date_at(j + 1) is None
        ):  # "Montag bis So., 1.2." ends on a date
            last, plural2 = self.toks[j + 1].number, self.toks[j + 1].plural
            days = [(day + k) % 7 for k in range((last - day) % 7 + 1)]
            plural, j = plural or plural2, j + 2
            self.r.every = self.r.every or len(days) > 1
        r.understood = True
        if self.role in ("from", "until") and len(days) == 1 and not plural:
            self.add_date(DateSpec(weekday=day))  # "ab Mittwoch", "bis Freitag": the next one
            return j
        self.last = "weekday"
        if self.excepting:
            r.excepted_days.update(days)
            return j
        self.role = None
        if self.ordinals:
            r.nths += [(n, d) for n in self.ordinals for d in days]
            self.ordinals = []
            r.every = True
            return j
        r.days.update(days)
        r.day_mentions += 1
        r.every = r.every or plural
        return j

    def not_a_day(self, i: int) -> bool:
        """ "so gegen 15 Uhr", "so um 15 Uhr am Dienstag": the German word, not Sunday."""
        text = self.toks[i].text
        if text not in ("so", "do") or self.kind(i + 1) != FILLER:
            return False
        if not self.is_word(i + 1, w.AT_WORDS | w.BEFORE_DATE_WORDS):
            return True  # "so gegen", "so ungefähr"
        if text == "do" or self.kind(i - 1) in (
            w.EVERY,
            w.AND,
            COMMA,
            DASH,
            w.UNTIL,
            w.NOT,
            w.WEEKDAY,
        ):
            return False  # "Do um 15 Uhr", "Sa und So um 14 Uhr"
        day_words = (w.WEEKDAY, w.RELATIVE, w.MONTH, DM, DMY, ISO, w.WORKDAYS, w.WEEKEND)
        return any(t.kind in day_words for k, t in enumerate(self.toks) if k != i)

    def ordinal(self, i: int) -> int:
        tok = self.toks[i]
        value = tok.number
        nxt = self.kind(i + 1)
        if nxt in (w.WEEK, w.DAY, w.MONTH_WORD) and value >= 1:
            self.set_interval(value, self.toks[i + 1].kind)
            return i + 2
        if tok.kind == ORD and self.a_day_of_the_month(i):
            self.r.monthdays.append(value)  # "jeden 15. im Monat", "jeden 1. und 15."
            self.r.every = self.r.understood = True
            return i + 1
        if tok.kind == ORD and not 1 <= value <= 5:
            return i + 1
        self.ordinals.append(value)
        self.r.understood = True
        return i + 1

    def a_day_of_the_month(self, i: int) -> bool:
        """ "jeden 15.": an ordinal after "jeden" (or after another such day) and no weekday
        after it."""
        if not 1 <= self.toks[i].number <= 31 or self.ordinals_follow(i + 1) or self.ordinals:
            return False
        before = self.kind(i - 1)
        return before == w.EVERY or (before in (w.AND, COMMA) and bool(self.r.monthdays))

    def number(self, i: int) -> int:
        tok, nxt = self.toks[i], self.kind(i + 1)
        value, suffix = tok.number, tok.suffix
        if (
            suffix in ("x", "mal")
            or nxt == w.TIMES
            or (nxt == DASH and self.kind(i + 2) == w.TIMES)
        ):
            self.r.count = value
            self.r.understood = True
            return i + (1 if suffix else 2 if nxt == w.TIMES else 3)
        if nxt in (w.HOURS, w.MINUTES):
            self.set_duration(value, self.toks[i + 1].kind)
            return i + 2
        if nxt in (w.WEEK, w.DAY, w.MONTH_WORD) and self.kind(i - 1) == w.EVERY:
            self.set_interval(value, self.toks[i + 1].kind)
            return i + 2
        return i + 1  # a house number, a postcode: not ours

    def set_duration(self, amount: float, unit: str) -> None:
        if amount <= 0 or self.r.duration is not None:
            raise Unreadable(Problem.SEVERAL if self.r.duration else Problem.INVALID_TIME)
        if amount > (24 if unit == w.HOURS else 24 * 60):
            raise Unreadable(Problem.TOO_LONG)
        self.r.duration = timedelta(hours=amount) if unit == w.HOURS else timedelta(minutes=amount)
        self.r.understood = True

    def set_interval(self, value: int, unit_kind: str) -> None:
        r = self.r
        unit = {w.WEEK: "week", w.DAY: "day", w.MONTH_WORD: "month"}[unit_kind]
        if value < 1 or (r.interval is not None and (r.interval, r.interval_unit) != (value, unit)):
            raise Unreadable(Problem.UNSUPPORTED if value >= 1 else Problem.INVALID_DATE)
        if value > _MAX_INTERVAL[unit]:
            raise Unreadable(Problem.UNSUPPORTED)
        r.interval, r.interval_unit, r.every, r.understood = value, unit, True, True

    # keywords
    def every(self, i: int) -> int:
        self.excepting = False
        j = i + 1
        nxt = self.kind(j)
        if nxt in (NUM, w.NUMBER) and self.kind(j + 1) in (w.WEEK, w.DAY, w.MONTH_WORD):
            self.set_interval(self.toks[j].number, self.toks[j + 1].kind)
            return j + 2
        if nxt in (w.WEEK, w.DAY, w.MONTH_WORD):
            self.set_interval(1, self.toks[j].kind)
            return j + 1
        if (nxt == w.RELATIVE and self.toks[j].text == "morgen") or self.is_word(
            j, w.DAYTIME_WORDS
        ):
            self.set_interval(1, w.DAY)  # "jeden Morgen", "jeden Abend": every day
            return j + 1
        if nxt == w.PERIOD:  # "every evening": every day, and the time is in the evening
            self.set_interval(1, w.DAY)
            return j
        if nxt in (w.WEEKDAY, w.ORDINAL, ORD, w.WORKDAYS, w.WEEKEND):
            self.r.every = True
            self.r.understood = True
        return j

    def keyword_role(self, i: int) -> int:
        self.excepting = False
        self.role = "from" if self.toks[i].kind == w.FROM else "until"
        return i + 1

    def keyword_not(self, i: int) -> int:
        self.excepting = True
        self.role = None
        return i + 1

    def only(self, i: int) -> int:
        k = i + 1
        if self.kind(k) == w.IN:
            k += 1
        if self.kind(k) == w.MONTH:
            while self.kind(k) in (w.MONTH, w.AND, COMMA):
                if self.kind(k) == w.MONTH:
                    self.r.only_months.add(self.toks[k].number)
                k += 1
            self.r.every = self.r.understood = True
            return k
        return i + 1

    def in_(self, i: int) -> int:
        if self.kind(i + 1) == w.MONTH and self.role is None and not self.excepting:
            self.role = "in"
        return i + 1

    def dash(self, i: int) -> int:
        if self.last == "date" and self.date_at(i + 1) is not None:
            if self.r.on:
                self.r.starting.append(self.r.on.pop())
            self.role = "until"
        return i + 1

    def mark(self, marker: str, tok: Token) -> None:
        r = self.r
        r.understood = True
        if marker == "period":
            if r.period not in (None, tok.meridiem):
                raise Unreadable(Problem.SEVERAL)
            r.period = tok.meridiem
            return
        self.excepting = False
        if marker == "daily":
            r.daily = r.every = True
        elif marker == "weekly":
            r.weekly = r.every = True
        elif marker == "monthly":
            r.monthly = r.every = True
        elif marker == "monthword":
            r.monthly = True
        elif marker == "biweekly":
            self.set_interval(2, w.WEEK)
        elif marker == "workdays":
            r.days.update(range(5))
            r.day_mentions += 1
            r.every = True
        elif marker == "weekend":
            r.days.update((5, 6))
            r.day_mentions += 1
            r.every = True


def _valid(spec: DateSpec) -> DateSpec:
    """Rejects 30.2., 32.1. and month 13 at once; 29.2. waits for its year."""
    limit = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    month, day = spec.month or 0, spec.day or 0
    if not (1 <= month <= 12 and 1 <= day <= limit[month - 1]):
        raise Unreadable(Problem.INVALID_DATE)
    if spec.year is not None and not 1900 <= spec.year <= 2199:
        raise Unreadable(Problem.INVALID_DATE)
    if spec.year is not None and spec.month == 2 and spec.day == 29 and not _leap(spec.year):
        raise Unreadable(Problem.INVALID_DATE)
    return spec


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _shift(clock: Clock, meridiem: str | None) -> Clock:
    """ "3 pm": 15:00, "12 am": 0:00."""
    if meridiem == "pm" and clock.hour < 12:
        return Clock(clock.hour + 12, clock.minute)
    if meridiem == "am" and clock.hour == 12:
        return Clock(0, clock.minute)
    return clock


def _meridiem(
    start: Clock, end: Clock, first: str | None, second: str | None
) -> tuple[Clock, Clock]:
    """ "3-5 pm" (both afternoon), "10-2 pm" (only the end)."""
    if first is None and second == "pm" and start.minutes <= end.minutes:
        first = "pm"
    return _shift(start, first), _shift(end, second)
