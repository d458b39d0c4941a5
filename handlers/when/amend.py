"""Changing part of a schedule: "ach nein, donnerstags" keeps the time, "ab sofort erst ab 15 Uhr"
keeps the days (and the end, when it still comes after the new start).

The part that stays is written out in the words the confirmation uses (which the parser reads
back to the very same schedule, tests prove it) and read again together with the new words, so
a change is checked exactly like a whole answer.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from models.schedule import Schedule, to_local

from ..i18n import Translator
from ..recurrence_text import date_words, rule_words
from .parse import NotUnderstood, Understood, parse_when
from .reading import Problem, read_partly

_WORDS = Translator("de")  # the parser reads German and English; one of them is enough


def says_when(text: str) -> bool:
    """Whether the words say anything about days or times at all."""
    reading, problem = read_partly(text)
    return reading.understood or (problem is not None and problem.problem is not Problem.UNKNOWN)


def amend(old: Schedule | None, text: str, now: datetime) -> Understood | NotUnderstood:
    """The schedule `text` means, taking from `old` what the text leaves out."""
    whole = parse_when(text, now)
    if old is None or isinstance(whole, Understood):
        return whole
    if whole.reason is Problem.NO_TIME:  # days without a time: the old time
        changed = parse_when(f"{text} {_hours(old)}", now)
    elif whole.reason is Problem.NO_DATE:  # a time without days: the old days
        reading, _ = read_partly(text)
        if not reading.starts and not reading.ends:
            return whole  # "Kirchstraße 3": a number that could be a time is not a change of time
        days = _days(old, now)
        if days is None:
            return whole
        changed = parse_when(f"{days} {text}{_old_end(old, text, now)}", now)
    else:
        return whole
    if isinstance(changed, NotUnderstood):
        return whole if changed.reason in (Problem.NO_TIME, Problem.NO_DATE) else changed
    return _keep_cancelled(changed, old)


def _hours(schedule: Schedule) -> str:
    end = schedule.start + schedule.duration
    until = "24:00" if end.date() > schedule.start.date() else f"{end:%H:%M}"
    return f"{schedule.start:%H:%M}-{until} Uhr"


def _days(schedule: Schedule, now: datetime) -> str | None:
    """The days of a schedule in words, without its time."""
    start = schedule.start
    if not schedule.rrule:
        return date_words(_WORDS, start.date())
    words = rule_words(_WORDS, schedule.rrule, start)
    if words is None:
        return None
    parts = [words.pattern]
    if start > to_local(now):
        parts.append(f"ab {date_words(_WORDS, start.date())}")
    if words.months:
        parts.append(words.months)
    if words.last_day is not None:
        parts.append(f"bis {date_words(_WORDS, words.last_day, weekday=False)}")
    return ", ".join(parts) + ","


def _old_end(old: Schedule, text: str, now: datetime) -> str:
    """ "erst ab 15 Uhr" keeps the old end when it still comes after the new start."""
    probe = parse_when(
        f"{date_words(_WORDS, to_local(now).date() + timedelta(days=2))} {text}", now
    )
    if not isinstance(probe, Understood) or not probe.assumed_duration:
        return ""
    end = old.start + old.duration
    new_start = probe.schedule.start.time()
    if end.date() > old.start.date():
        return " bis 24:00 Uhr"
    return f" bis {end:%H:%M} Uhr" if end.time() > new_start else ""


def _keep_cancelled(changed: Understood, old: Schedule) -> Understood:
    """Dates that were cancelled stay cancelled when they are still meeting days."""
    schedule = changed.schedule
    kept = {
        d
        for d in old.exdates
        if schedule.local_starts(
            datetime.combine(d, datetime.min.time()), datetime.combine(d, datetime.max.time())
        )
        or _is_meeting_day(schedule, d)
    }
    if not kept:
        return changed
    return Understood(
        Schedule(
            start=schedule.start,
            duration=schedule.duration,
            rrule=schedule.rrule,
            exdates=frozenset(schedule.exdates | kept),
        ),
        changed.assumed_duration,
    )


def _is_meeting_day(schedule: Schedule, day: date) -> bool:
    plain = Schedule(start=schedule.start, duration=schedule.duration, rrule=schedule.rrule)
    return bool(
        plain.local_starts(
            datetime.combine(day, datetime.min.time()), datetime.combine(day, datetime.max.time())
        )
    )
