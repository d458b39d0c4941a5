"""Small facts both readers need: costs in words, local times, repeat rules the store can keep."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.rrule import rrulestr
from icalendar import vRecur

from ..offers import Cost
from ..schedule import MAX_DURATION, Schedule, ScheduleError, to_local
from . import records
from .text import line

_FREE_RE = re.compile(
    r"\b(kostenlos|kostenfrei|eintritt frei|gratis|umsonst|free of charge|free)\b", re.IGNORECASE
)
_DONATION_RE = re.compile(r"\b(spende|spenden|spendenbasis|donation|donations)\b", re.IGNORECASE)
_PRICE_RE = re.compile(
    r"\d+(?:[.,]\d{1,2})?\s*(?:€|(?:euro|eur)\b)|€\s*\d+(?:[.,]\d{1,2})?", re.IGNORECASE
)
_TOO_OFTEN = {"SECONDLY", "MINUTELY", "HOURLY"}
MAX_DAYS = 366  # an all-day event over more days than this is not a meeting
EARLIEST_YEAR = 1900  # repeats are expanded from their first date: bound the work
MAX_AHEAD = timedelta(days=5 * 366)


def cost_in(text: str) -> tuple[Cost, str]:
    """What a text says about the cost: a price mentioned, donations, free, or nothing."""
    price = _PRICE_RE.search(text or "")
    if price:
        return Cost.PRICE, line(price.group(0), records.PRICE)
    if _DONATION_RE.search(text or ""):
        return Cost.DONATION, ""
    if _FREE_RE.search(text or ""):
        return Cost.FREE, ""
    return Cost.NOT_STATED, ""


def cost_column(value: str) -> tuple[Cost, str]:
    """A cost column: "kostenlos", "Spende", "3 € mit Kuchen", "0", or empty (not stated)."""
    value = " ".join((value or "").split())
    if not value:
        return Cost.NOT_STATED, ""
    if (
        value in ("0", "0,00", "0.00", "0 €")
        or _FREE_RE.fullmatch(value.lower())
        or (_FREE_RE.search(value) and not _PRICE_RE.search(value))
    ):
        return Cost.FREE, ""
    if _DONATION_RE.search(value) and not _PRICE_RE.search(value):
        return Cost.DONATION, ""
    return Cost.PRICE, line(value, records.PRICE)


def local(value: date | datetime) -> datetime:
    """Berlin wall clock (naive) for a date, an aware time, or a floating time (taken as
    Berlin's)."""
    if isinstance(value, datetime):
        return (
            to_local(value).replace(microsecond=0) if value.tzinfo else value.replace(microsecond=0)
        )
    return datetime.combine(value, time(0))


def stored_rule(
    parts: dict[str, Any], start: datetime, duration: timedelta
) -> tuple[str | None, str | None]:
    """(RRULE text the store can expand, None) or (None, why not) for an iCalendar rule.

    The store expands rules on naive Berlin wall-clock times, so UNTIL is rewritten from UTC (or
    a date, meaning the whole day) to Berlin wall clock.
    """
    parts = {k.upper(): v for k, v in parts.items()}
    freq = str((parts.get("FREQ") or [""])[0]).upper()
    if freq in _TOO_OFTEN:
        return None, "repeats more often than daily"
    refused = _never_matches(parts)
    if refused:
        return None, refused
    until = parts.get("UNTIL")
    if until:
        value = until[0]
        parts["UNTIL"] = [
            local(value)
            if isinstance(value, datetime)
            else datetime.combine(value, time(23, 59, 59))
        ]
    try:
        text = vRecur(parts).to_ical().decode()
    except (ValueError, TypeError):
        return None, "repeat rule not understood"
    if len(text) > records.RRULE:
        return None, "repeat rule too long"
    try:
        Schedule(start=start, duration=min(duration, MAX_DURATION), rrule=text)
    except ScheduleError:
        return None, f"repeat rule not understood: {line(text, 80)}"
    return text, None


_KNOWN_PARTS = {
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
}
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _never_matches(parts: dict[str, Any]) -> str | None:
    """Why a rule is refused before dateutil sees it: a rule that never matches ("every
    30 February", "the 6th Monday") makes dateutil search up to the year 9999, seconds per call,
    and the scheduler would pay that on every run."""
    unknown = sorted(set(parts) - _KNOWN_PARTS)
    if unknown:
        return f"repeat rule too unusual ({', '.join(unknown)})"
    freq = str((parts.get("FREQ") or [""])[0]).upper()
    try:
        months = [int(m) for m in parts.get("BYMONTH", [])] or list(range(1, 13))
        days = [int(d) for d in parts.get("BYMONTHDAY", [])]
        positions = [int(p) for p in parts.get("BYSETPOS", [])]
    except (TypeError, ValueError):
        return "repeat rule not understood"
    if days and not any(abs(d) <= _MONTH_DAYS[m - 1] for m in months if 1 <= m <= 12 for d in days):
        return "repeat rule gives no date (no such day in those months)"
    limit = {"MONTHLY": 5, "YEARLY": 53}.get(freq, 0)
    for day in parts.get("BYDAY", []):
        nth = str(day)[:-2]
        if nth not in ("", "+") and not (limit and 0 < abs(int(nth)) <= limit):
            return f"repeat rule gives no date ({day})"
    if positions and (
        freq not in ("MONTHLY", "YEARLY") or any(not 0 < abs(p) <= 7 for p in positions)
    ):
        return "repeat rule too unusual (BYSETPOS)"
    return None


def out_of_range(record: records.Record, now_local: datetime) -> str | None:
    """Why a record's first date is not one to plan with, if it is not."""
    if record.start is None:
        return "no start"
    if record.start.year < EARLIEST_YEAR:
        return f"starts before {EARLIEST_YEAR}"
    if record.start > now_local + MAX_AHEAD:
        return "starts more than five years from now"
    return None


def is_over(record: records.Record, now_local: datetime) -> bool:
    """True when no gathering of the record starts or is still running after now."""
    moment = now_local - record.duration
    if record.start is None:
        return False  # out_of_range() turned it away
    if not record.rrule:
        return record.start <= moment
    rule = rrulestr(record.rrule, dtstart=record.start)
    for _ in range(1000):  # skipped dates: look a little further
        following = rule.after(moment)
        if following is None:
            return True
        if following.date() not in record.exdates:
            return False
        moment = following
    return False
