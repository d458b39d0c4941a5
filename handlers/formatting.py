"""Dates, times, distances and money the way people write them: "Di., 2. Dez., 15:00 Uhr",
"2,3 km"; and the reply HTML put together safely (everything here returns plain text or
`Markup`, never hand-escaped strings)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from functools import lru_cache

from babel.dates import format_datetime
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from models.schedule import BERLIN, to_local

from .i18n import Translator
from .markup_format import format_markup
from .text import shorten

MAX_FIELD = 300  # a stored field shown in a list or detail is cut here
_BOLD = Markup("<b>{}</b>")
_ITALIC = Markup("<i>{}</i>")


def lines(parts: Iterable[object]) -> Markup:
    """Lines joined into reply HTML; plain strings among them are escaped."""
    return Markup("\n").join(escape(part) for part in parts)


def bold(value: object, limit: int = MAX_FIELD) -> Markup:
    return format_markup(_BOLD, value if isinstance(value, Markup) else shorten(value, limit))


def italic(value: object, limit: int = MAX_FIELD) -> Markup:
    return format_markup(_ITALIC, value if isinstance(value, Markup) else shorten(value, limit))


@lru_cache(maxsize=4096)
def _formatted(moment: datetime, pattern: str, language: str) -> str:
    # Lists repeat the same few start times; Babel's formatting is the slow part of a list.
    return format_datetime(moment.astimezone(BERLIN), pattern, locale=language)


def day(t: Translator, moment: datetime) -> str:
    # Translators: a Babel/CLDR date pattern, e.g. "EEE, d. MMM" gives "Di., 2. Dez."
    return _formatted(moment, t("EEE, d MMM"), t.language)


def clock(t: Translator, moment: datetime) -> str:
    return _formatted(moment, "HH:mm", t.language)


def when(t: Translator, start: datetime, end: datetime | None = None) -> str:
    """'Di., 2. Dez., 15:00 Uhr', with an end 'Di., 2. Dez., 15:00–17:00 Uhr', or for a
    gathering from midnight to midnight 'Di., 2. Dez., ganztägig'."""
    if end is not None and is_all_day(start, end):
        return t("{day}, all day", day=day(t, start))
    span = clock(t, start) if end is None else f"{clock(t, start)}–{clock(t, end)}"
    return t("{day}, {time}", day=day(t, start), time=span)


@lru_cache(maxsize=4096)  # a list asks it for every meeting; lists repeat the same times
def is_all_day(start: datetime, end: datetime) -> bool:
    """Local midnight to the next local midnight (23 or 25 hours on daylight-saving days)."""
    first, last = to_local(start), to_local(end)
    return (
        first.time() == time(0)
        and last.time() == time(0)
        and last.date() == first.date() + timedelta(days=1)
    )


def distance(t: Translator, km: float) -> str:
    if km < 0.95:
        return t("{metres} m", metres=_number(max(100, round(km * 1000, -2)), "#,##0", t.language))
    shown = round(km, 1) if km < 10 else round(km)
    return t("{km} km", km=_number(shown, "#,##0.0" if km < 10 else "#,##0", t.language))


@lru_cache(maxsize=4096)
def _number(value: float, pattern: str, language: str) -> str:
    return format_decimal(value, pattern, locale=language)
