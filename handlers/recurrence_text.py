"""Recurrence rules in words: "every Tuesday", "every first Saturday of the month"."""

from __future__ import annotations

from babel.dates import get_day_names
from dateutil.rrule import rrulestr

from .i18n import N_, Translator

_MONTHLY = {
    1: N_("every first {day} of the month"),
    2: N_("every second {day} of the month"),
    3: N_("every third {day} of the month"),
    4: N_("every fourth {day} of the month"),
    -1: N_("every last {day} of the month"),
}


def describe(t: Translator, rule: str) -> str | None:
    """A short description for the common rules; None for rules better shown as dates only."""
    try:
        parsed = rrulestr(rule, ignoretz=True, cache=False)
    except (ValueError, TypeError):
        return None
    freq = parsed._freq  # dateutil exposes no public accessor; 1 = MONTHLY, 2 = WEEKLY, 3 = DAILY
    interval = parsed._interval
    names = get_day_names("wide", locale=t.language)
    weekdays = [names[d] for d in sorted(parsed._byweekday or ())]
    if freq == 3 and interval == 1:
        return t("every day")
    if freq == 2 and weekdays:
        days = _join(t, weekdays)
        return t("every {days}", days=days) if interval == 1 else (
            t("every other {days}", days=days) if interval == 2 else None)
    if freq == 1 and interval == 1 and parsed._bynweekday:
        day, nth = parsed._bynweekday[0]
        if nth in _MONTHLY and len(parsed._bynweekday) == 1:
            return t(_MONTHLY[nth], day=names[day])
    return None


def _join(t: Translator, words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return t("{first} and {last}", first=", ".join(words[:-1]), last=words[-1])
