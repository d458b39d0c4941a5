"""Saying back what was understood, and why an answer was not.

The confirmation is written from the stored `Schedule` alone, never from the organiser's text,
and in words the parser reads back to the very same schedule (tests prove it): what the
organiser confirms is what is stored.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import get_day_names

from models.schedule import Schedule, to_local

from ..i18n import N_, Translator
from ..recurrence_text import date_words, rule_words
from .parse import NotUnderstood, Understood
from .reading import Problem


def confirm(t: Translator, understood: Understood, now: datetime) -> str:
    """Plain text (no HTML): "jeden Dienstag, 15:00–17:00 Uhr, ab Di., 1. Dez." and, when the end
    was assumed, a second line saying so."""
    text = schedule_words(t, understood.schedule, now)
    if understood.assumed_duration:
        text += "\n" + t(
            "(I guessed when it ends. If it ends at another time, "
            "please write the end time as well.)"
        )
    return text


def schedule_words(t: Translator, schedule: Schedule, now: datetime) -> str:
    """A schedule in words; the year is named only when it is not the current one."""
    this_year = to_local(now).year
    start = schedule.start

    def day(d: date, weekday: bool = True) -> str:
        return date_words(t, d, weekday=weekday, year=d.year != this_year)

    hours = _hours(t, schedule)
    if not schedule.rrule:
        return t("once on {date}, {time}", date=day(start.date()), time=hours)
    words = rule_words(t, schedule.rrule, start)
    if words is None:  # not a rule the parser makes; name the next dates instead
        upcoming = schedule.local_starts(start, start + timedelta(days=400))[:3]
        return t(
            "repeating, next on {dates}, {time}",
            dates=", ".join(day(s.date()) for s in upcoming),
            time=hours,
        )
    parts = [words.pattern, hours, t("from {date}", date=day(start.date()))]
    if words.months:
        parts.append(words.months)
    if words.last_day is not None:
        parts.append(t("until {date}", date=day(words.last_day, weekday=False)))
    if schedule.exdates:
        skipped = [day(d) for d in sorted(schedule.exdates)]
        listed = (
            skipped[0]
            if len(skipped) == 1
            else t("{first} and {last}", first=", ".join(skipped[:-1]), last=skipped[-1])
        )
        parts.append(t("not on {dates}", dates=listed))
    return ", ".join(parts)


def _hours(t: Translator, schedule: Schedule) -> str:
    end = schedule.start + schedule.duration
    until = (
        "24:00"
        if end.date() > schedule.start.date() and end.time() == datetime.min.time()
        else f"{end:%H:%M}"
    )
    return t("{start}–{end}", start=f"{schedule.start:%H:%M}", end=until)


# Each explanation says what went wrong in plain words and shows how to write it.
_EXPLANATIONS = {
    Problem.UNKNOWN: N_(
        "Sorry, I did not understand when it takes place. Please write it like "
        "this: “Tue 3 pm”, “12.12. 14:30–16:00” or “every Tuesday 3–5 pm”."
    ),
    Problem.NO_TIME: N_(
        "At what time? Please add the time, for example “every Tuesday 3–5 pm” or “12.12. 14:30”."
    ),
    Problem.NO_DATE: N_(
        "On which day? Please add the day, for example “Saturday 3 pm”, "
        "“12.12. 3 pm” or “every Tuesday 3 pm”."
    ),
    Problem.PAST: N_(
        "That time has already passed. Please give a date in the future, for "
        "example “tomorrow 3 pm”."
    ),
    Problem.END_BEFORE_START: N_(
        "The end comes before the start. Please write the start first, "
        "for example “2–4 pm” or “from 5.1. until 31.3.”."
    ),
    Problem.CROSSES_MIDNIGHT: N_(
        "Meetings that go on past midnight cannot be entered yet. Please "
        "let it end by midnight, for example “8 pm until midnight”."
    ),
    Problem.TOO_LONG: N_(
        "A meeting can last at most 12 hours. For several days please write a "
        "rule, for example “daily 10 am–4 pm until 31.3.”."
    ),
    Problem.TOO_FAR: N_(
        "That is more than 18 months ahead; offers can only be entered for the "
        "next 18 months. Please give an earlier date."
    ),
    Problem.INVALID_DATE: N_(
        "That date does not exist. Please check day and month, for example “24.12.”."
    ),
    Problem.INVALID_TIME: N_(
        "That time does not exist. Please write it like this: “3 pm” or “15:30”."
    ),
    Problem.NO_DATES: N_(
        "That would leave not a single meeting. Please check “from”, “until” and “not on”."
    ),
    Problem.SEVERAL: N_(
        "Please give one date or one rule with one time, for example “every "
        "Tuesday and Thursday 3–5 pm”. Different times on different days are "
        "separate offers."
    ),
    Problem.UNSUPPORTED: N_(
        "I cannot follow school holidays, “or” and yearly dates yet. Please "
        "name the days and the time, for example “every Tuesday 2:30 pm, "
        "not on 22.12. and 29.12.”."
    ),
}
# The same problems for an answer that was clearly one date: the example is one date too.
_ONE_DATE = {
    Problem.NO_TIME: N_(
        "At what time? Please add the time, for example “12.12. 2:30 pm” or “on 3rd Advent 3 pm”."
    ),
    Problem.SEVERAL: N_(
        "Please give one date with one time, for example “12.12. 3–5 pm”. Different "
        "times on different days are separate offers."
    ),
    Problem.UNSUPPORTED: N_(
        "I cannot follow school holidays, “or” and yearly dates yet. Please name the "
        "day and the time, for example “24.12. 3 pm” or “Christmas Eve 3 pm”."
    ),
}
# … and for a rule: the example is a rule.
_RULE = {
    Problem.NO_TIME: N_("At what time? Please add the time, for example “every Tuesday 3–5 pm”."),
    Problem.NO_DATE: N_(
        "On which days? Please add them, for example “every Tuesday 3 pm” or "
        "“every first Saturday of the month 10 am”."
    ),
}
_ABOUT_A_DAY = {
    Problem.PAST: N_(
        "{date} has already passed. Please give a date in the future, for example “tomorrow 3 pm”."
    ),
    Problem.TOO_FAR: N_(
        "{date} is more than 18 months ahead; offers can only be entered for the "
        "next 18 months. Please give an earlier date."
    ),
    Problem.END_BEFORE_START: N_(
        "The last date, {date}, comes before the first one. Please check “from” and “until”."
    ),
    Problem.WEEKDAY_MISMATCH: N_("{date} is a {weekday}. Please check the weekday and the date."),
    Problem.NOT_AN_OCCURRENCE: N_(
        "There is no meeting on {date} anyway. Please check the dates after “not on”."
    ),
    Problem.CLOCK_CHANGE: N_(
        "On {date} the clocks go forward: there is no 2 o’clock that night. "
        "Please choose another time."
    ),
}


def explain(t: Translator, problem: NotUnderstood) -> str:
    """A friendly sentence (plain text) saying what to write instead."""
    if problem.day is not None and problem.reason in _ABOUT_A_DAY:
        weekday = get_day_names("wide", locale=t.language)[problem.day.weekday()]
        # "Der 13. Dez. 2026 ist ein Sonntag": the weekday beside the date would give it away
        shown = date_words(t, problem.day, weekday=problem.reason is not Problem.WEEKDAY_MISMATCH)
        return t(_ABOUT_A_DAY[problem.reason], date=shown, weekday=weekday)
    fitting = {} if problem.rule is None else _RULE if problem.rule else _ONE_DATE
    return t(
        fitting.get(problem.reason)
        or _EXPLANATIONS.get(problem.reason, _EXPLANATIONS[Problem.UNKNOWN])
    )
