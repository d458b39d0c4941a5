"""Time spans a resident can ask for, and what each one means on the calendar.

"heute" is until midnight, "diese Woche" until Sunday night, "7 Tage" a week from now,
"Samstag" the coming Saturday (today if it is Saturday). Spans are stored by name and
computed from the current time when shown, so a list opened again tomorrow is still right.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from models.schedule import BERLIN, to_local

from .formatting import day as day_name
from .i18n import Translator

DEFAULT = "7"
BUTTONS = ("today", "7", "14")  # the time-span buttons under a list
_FIXED = ("today", "tomorrow", "after_tomorrow", "weekend", "this_week", "next_week", "7", "14")
ALL = _FIXED + tuple(f"wd{n}" for n in range(7))
LONGEST = "14"  # an empty list offers this


def is_window(name: object) -> bool:
    return isinstance(name, str) and name in ALL


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BERLIN)


def _days(start: date, count: int) -> tuple[date, date]:
    return start, start + timedelta(days=count)


def _calendar_days(window: str, today: date) -> tuple[date, date]:
    """[first day, day after the last) for a span, seen from `today`."""
    weekday = today.weekday()
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
    if window in ("7", "14"):
        return _days(today, int(window))
    target = int(window[2:])
    return _days(today + timedelta(days=(target - weekday) % 7), 1)


def bounds(window: str, now: datetime) -> tuple[datetime, datetime]:
    """(start, end) of the span; never before `now`."""
    first, after = _calendar_days(window if is_window(window) else DEFAULT, to_local(now).date())
    return max(now, _midnight(first)), _midnight(after)


def label(t: Translator, window: str, now: datetime) -> str:
    """How a list heading names the span: "heute", "diese Woche (bis Sonntag)", "Sa., 28. Nov."."""
    names = {
        "today": t("today"), "tomorrow": t("tomorrow"), "weekend": t("at the weekend"),
        "this_week": t("this week (until Sunday)"), "next_week": t("next week"),
        "7": t("in the next 7 days"), "14": t("in the next 14 days"),
    }
    if window in names:
        return names[window]
    first, _ = _calendar_days(window, to_local(now).date())
    return day_name(t, _midnight(first))


def button_label(t: Translator, window: str) -> str:
    return {"today": t("Today"), "7": t("7 days"), "14": t("14 days")}[window]
