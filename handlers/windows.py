"""Time spans a resident can ask for, and what each one means on the calendar.

"heute" is until midnight, "diese Woche" until Sunday night, "7 Tage" a week from now,
"Samstag" the coming Saturday (today if it is Saturday), "30" the next 30 days ("das nächste
Adventscafé"). A named day is stored by its name ("n:christmas_eve": the next Heiligabend, per
handlers/when/named_days.py), a date by its date ("d:2026-12-24"). Spans are stored this way
and computed from the current time when shown, so a list opened again tomorrow is still right.
Parts of the day (`PARTS`) narrow a span to mornings, afternoons or evenings.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from models.schedule import BERLIN, to_local

from .formatting import day as day_name
from .i18n import N_, Translator
from .when import named_days

DEFAULT = "7"
AHEAD = "30"  # "das nächste Adventscafé": whenever it is, within a month
BUTTONS = ("today", "7", "14")  # the time-span buttons under a list
_FIXED = (
    "today",
    "tomorrow",
    "after_tomorrow",
    "weekend",
    "this_week",
    "next_week",
    "7",
    "14",
    AHEAD,
)
ALL = _FIXED + tuple(f"wd{n}" for n in range(7))
LONGEST = "14"  # an empty list offers this
_DATE = re.compile(r"^d:(\d{4})-(\d{2})-(\d{2})$")
_MONTH_DAY = re.compile(r"^d:(?:(\d{4})-)?(\d{2})-(\d{2})$")
# Local hours [from, to) of each part of the day.
PARTS = {"morning": (6, 12), "afternoon": (12, 18), "evening": (18, 24)}


def is_window(name: object) -> bool:
    if not isinstance(name, str):
        return False
    if name in ALL:
        return True
    if name.startswith("n:"):
        return name[2:] in named_days.BY_KEY
    return _stored_date(name) is not None


def _stored_date(name: str) -> date | None:
    m = _DATE.match(name)
    if m is None:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def from_reading(when: str | None, now: datetime) -> str | None:
    """The span to store for what the reader found: "d:12-24" becomes the next 24 December
    ("d:2026-12-24"), "ahead" the next 30 days; None for anything that is no span."""
    if when is None:
        return None
    if when == "ahead":
        return AHEAD
    m = _MONTH_DAY.match(when)
    if m is not None:
        today = to_local(now).date()
        try:
            day = date(int(m[1]) if m[1] else today.year, int(m[2]), int(m[3]))
            if not m[1] and day < today:
                day = date(today.year + 1, day.month, day.day)
        except ValueError:
            return None
        return f"d:{day.isoformat()}"
    return when if is_window(when) else None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BERLIN)


def _days(start: date, count: int) -> tuple[date, date]:
    return start, start + timedelta(days=count)


def _calendar_days(window: str, today: date) -> tuple[date, date]:
    """[first day, day after the last) for a span, seen from `today`."""
    weekday = today.weekday()
    if window.startswith("n:"):
        return _days(named_days.next_day(window[2:], today), 1)
    stored = _stored_date(window)
    if stored is not None:
        return _days(stored, 1)
    if window == "today":
        return _days(today, 1)
    if window == "tomorrow":
        return _days(today + timedelta(days=1), 1)
    if window == "after_tomorrow":
        return _days(today + timedelta(days=2), 1)
    if window == "weekend":
        if weekday >= 5:
            return today, today + timedelta(days=7 - weekday)
        return _days(today + timedelta(days=5 - weekday), 2)
    if window == "this_week":
        return today, today + timedelta(days=7 - weekday)
    if window == "next_week":
        return _days(today + timedelta(days=7 - weekday), 7)
    if window in ("7", "14", AHEAD):
        return _days(today, int(window))
    target = int(window[2:])
    return _days(today + timedelta(days=(target - weekday) % 7), 1)


def bounds(window: str, now: datetime) -> tuple[datetime, datetime]:
    """(start, end) of the span; never before `now`."""
    first, after = _calendar_days(window if is_window(window) else DEFAULT, to_local(now).date())
    return max(now, _midnight(first)), _midnight(after)


def part_spans(window: str, part: str, now: datetime) -> list[tuple[datetime, datetime]]:
    """The span cut to one part of each day: [(start, end)] per day, none before `now`."""
    start, end = bounds(window, now)
    hours = PARTS.get(part)
    if hours is None:
        return [(start, end)] if start < end else []
    out = []
    day = to_local(start).date()
    while _midnight(day) < end:
        first = max(start, _midnight(day) + timedelta(hours=hours[0]))
        last = min(end, _midnight(day) + timedelta(hours=hours[1]))
        if first < last:
            out.append((first, last))
        day += timedelta(days=1)
    return out


_LABELS = {
    "today": N_("today"),
    "tomorrow": N_("tomorrow"),
    "weekend": N_("at the weekend"),
    "this_week": N_("this week (until Sunday)"),
    "next_week": N_("next week"),
    "7": N_("in the next 7 days"),
    "14": N_("in the next 14 days"),
    AHEAD: N_("in the next 30 days"),
}


def label(t: Translator, window: str, now: datetime) -> str:
    """How a list heading names the span: "heute", "diese Woche (bis Sonntag)", "Sa., 28. Nov."."""
    if window in _LABELS:
        return t(_LABELS[window])  # only the one shown is translated
    first, _ = _calendar_days(window if is_window(window) else DEFAULT, to_local(now).date())
    return day_name(t, _midnight(first))


_PART_LABELS = {"morning": N_("mornings"), "afternoon": N_("afternoons"), "evening": N_("evenings")}


def part_label(t: Translator, part: str) -> str:
    return t(_PART_LABELS[part]) if part in _PART_LABELS else ""


_BUTTON_LABELS = {"today": N_("Today"), "7": N_("7 days"), "14": N_("14 days")}


def button_label(t: Translator, window: str) -> str:
    return t(_BUTTON_LABELS[window])  # only the one shown is translated
