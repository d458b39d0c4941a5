"""Recurrence rules in words: "jeden Dienstag", "jeden ersten Samstag im Monat, bis 31. März 2027".

Shared by the offer details and the confirmation of the "When?" answer, so a rule reads the same
everywhere. The words must never claim something the rule does not mean: any rule part that is
not described exactly (BYSETPOS, a BYMONTHDAY counted from the end, a leap month, …) gives None,
and the caller shows the next dates instead. The rule is read through icalendar's public `vRecur`;
dateutil only checks that the rule is one a schedule can expand, and expands COUNT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from babel.dates import format_date, get_day_names, get_month_names
from dateutil.rrule import rrulestr

from models.schedule import to_local

from .i18n import N_, Translator

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_COUNT = 1000  # longer COUNT rules are shown as dates
_NTH_DAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_KNOWN_PARTS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTH", "BYMONTHDAY", "UNTIL", "COUNT", "WKST"}
_ORDINALS = {
    1: N_("first {day}"),
    2: N_("second {day}"),
    3: N_("third {day}"),
    4: N_("fourth {day}"),
    5: N_("fifth {day}"),
    -1: N_("last {day}"),
    -2: N_("penultimate {day}"),
}


@dataclass(frozen=True)
class RuleWords:
    pattern: str  # "jeden Dienstag", "alle zwei Wochen am Montag und Donnerstag"
    months: str | None  # "nur im Dezember"
    last_day: date | None  # the last day a meeting can fall on (UNTIL or COUNT)


def describe(t: Translator, rule: str, start: datetime | None = None) -> str | None:
    """The rule in words, or None when words could claim something the rule does not mean.

    `start` is the schedule's first start (naive Berlin wall clock); weekly rules without BYDAY,
    COUNT, and UNTIL values that are not the end of a day need it.
    """
    words = rule_words(t, rule, start)
    if words is None:
        return None
    parts = [words.pattern]
    if words.months:
        parts.append(words.months)
    if words.last_day is not None:
        parts.append(t("until {date}", date=date_words(t, words.last_day, weekday=False)))
    return ", ".join(parts)


def rule_words(t: Translator, rule: str, start: datetime | None = None) -> RuleWords | None:
    parts = _parts(rule, start)
    if parts is None:
        return None
    freq, interval, days, nths, months, until, count, wkst, monthdays = parts
    names = get_day_names("wide", locale=t.language)
    if freq == "DAILY" and days:
        freq = "WEEKLY" if interval == 1 else ""  # every day of those weekdays = weekly on them
    if freq == "MONTHLY" and days and not nths and interval == 1:
        freq = "WEEKLY"  # every Saturday of every month
    if monthdays and not (freq == "MONTHLY" and interval == 1 and not days and not nths):
        return None
    if monthdays:
        pattern = t(
            "every month on the {days}", days=_join(t, [_day_of_month(t, d) for d in monthdays])
        )
    elif freq == "DAILY":
        pattern = (
            t("every day")
            if interval == 1
            else t("every other day")
            if interval == 2
            else t("every {n} days", n=interval)
        )
    elif freq == "WEEKLY" and not nths:
        if not days:
            if start is None:
                return None
            days = [start.weekday()]
        if interval > 1 and len(days) > 1 and wkst != "MO":
            return None  # which days share a week depends on WKST; ours start on Monday
        listed = weekday_list(t, days)
        pattern = (
            t("every {days}", days=listed)
            if interval == 1
            else t("every other week on {days}", days=listed)
            if interval == 2
            else t("every {n} weeks on {days}", n=interval, days=listed)
        )
    elif freq == "MONTHLY" and nths and not days and interval == 1:
        listed = _join(t, [t(_ORDINALS[n], day=names[d]) for n, d in nths])
        pattern = t("every {days} of the month", days=listed)
    else:
        return None
    month_words = None
    if months:
        month_names = get_month_names("wide", locale=t.language)
        month_words = t("only in {months}", months=_join(t, [month_names[m] for m in months]))
    last_day = _last_day(rule, start, until, count)
    if (until is not None or count is not None) and last_day is None:
        return None
    return RuleWords(pattern, month_words, last_day)


def weekday_list(t: Translator, days: list[int]) -> str:
    """ "Montag", "Montag und Donnerstag", "Montag bis Freitag" (three or more in a row)."""
    names = get_day_names("wide", locale=t.language)
    days = sorted(set(days))
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return t("{first} to {last}", first=names[days[0]], last=names[days[-1]])
    return _join(t, [names[d] for d in days])


def date_words(t: Translator, day: date, *, weekday: bool = True, year: bool = True) -> str:
    """ "Di., 5. Jan. 2027", "5. Jan." …: the way dates are written in messages."""
    if weekday:
        # Translators: Babel/CLDR date patterns, e.g. "EEE, d. MMM y" gives "Di., 5. Jan. 2027"
        pattern = t("EEE, d MMM y") if year else t("EEE, d MMM")
    else:
        pattern = t("d MMM y") if year else t("d MMM")
    return format_date(day, pattern, locale=t.language)


class _Parts(NamedTuple):
    freq: str
    interval: int
    days: list[int]
    nths: list[tuple[int, int]]  # (1, 5): the first Saturday
    months: list[int]
    until: date | None  # a date, or a datetime (naive or aware)
    occurrences: int | None  # COUNT
    wkst: str
    monthdays: list[int]


def _parts(rule: str, start: datetime | None) -> _Parts | None:
    """The parts of a rule words can say, or None for anything unusual."""
    from icalendar import vRecur  # when a rule is first described, not at every start

    try:
        recur = vRecur.from_ical(rule)
        if not recur or set(recur) - _KNOWN_PARTS or ("COUNT" in recur and "UNTIL" in recur):
            return None
        rrulestr(rule, dtstart=start or datetime(2000, 1, 1), cache=False)  # one we can expand
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    if any(len(v) != 1 for k, v in recur.items() if k not in ("BYDAY", "BYMONTH", "BYMONTHDAY")):
        return None
    freq = str(recur["FREQ"][0]) if "FREQ" in recur else ""
    interval = int(recur.get("INTERVAL", [1])[0])
    days, nths = [], []
    for item in recur.get("BYDAY", []):
        match = _NTH_DAY.match(str(item).upper())
        if not match:
            return None
        day = WEEKDAYS.index(match.group(2))
        if match.group(1) is None:
            days.append(day)
        elif int(match.group(1)) in _ORDINALS:
            nths.append((int(match.group(1)), day))
        else:
            return None
    if (days and nths) or (nths and freq != "MONTHLY") or interval < 1:
        return None
    months = []
    for item in recur.get("BYMONTH", []):
        text = str(item)
        if not text.isdigit() or not 1 <= int(text) <= 12:
            return None  # leap months ("5L") and the like
        months.append(int(text))
    monthdays = []
    for item in recur.get("BYMONTHDAY", []):
        text = str(item)
        if not text.isdigit() or not 1 <= int(text) <= 31:
            return None  # counted from the end ("-1") is not said in words here
        monthdays.append(int(text))
    until = recur.get("UNTIL", [None])[0]
    count = recur.get("COUNT", [None])[0]
    wkst = str(recur.get("WKST", ["MO"])[0]).upper()
    nths = sorted(set(nths), key=lambda nd: (nd[0] if nd[0] > 0 else 10 - nd[0], nd[1]))
    return _Parts(
        freq,
        interval,
        sorted(set(days)),
        nths,
        sorted(set(months)),
        until,
        count,
        wkst,
        sorted(set(monthdays)),
    )


def _day_of_month(t: Translator, day: int) -> str:
    """ "15." in German, "15th" in English."""
    if t.language != "en":
        return f"{day}."
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _last_day(
    rule: str, start: datetime | None, until: date | None, count: int | None
) -> date | None:
    """The last day a meeting can fall on, as dateutil expands the rule (UNTIL is inclusive)."""
    if count is not None:
        if start is None or not 1 <= int(count) <= MAX_COUNT:
            return None
        starts = list(rrulestr(rule, dtstart=start, cache=False))
        return starts[-1].date() if starts else None
    if until is None:
        return None
    if not isinstance(until, datetime):
        end = datetime.combine(until, time(0))  # dateutil reads a date as its midnight
    elif until.tzinfo is not None:
        end = to_local(until)
    else:
        end = until
    if start is not None:
        return end.date() if end.time() >= start.time() else end.date() - timedelta(days=1)
    return end.date() if end.time() >= time(23, 59, 59) else None


def _join(t: Translator, words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return t("{first} and {last}", first=", ".join(words[:-1]), last=words[-1])
