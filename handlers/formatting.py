"""Dates, times, distances and money the way people write them: "Di., 2. Dez., 15:00 Uhr", "2,3 km"."""

from __future__ import annotations

import html
from datetime import datetime

from babel.dates import format_datetime
from babel.numbers import format_decimal

from models.schedule import BERLIN

from .i18n import Translator

MAX_FIELD = 300  # a stored field shown in a list or detail is cut here


def esc(value: object, limit: int = MAX_FIELD, *, multiline: bool = False) -> str:
    """Escape a stored or user-supplied string for the reply HTML, shortened to `limit`."""
    if multiline:
        text = "\n".join(" ".join(line.split()) for line in str(value).strip().splitlines())
    else:
        text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return html.escape(text, quote=True)


def day(t: Translator, moment: datetime) -> str:
    # Translators: a Babel/CLDR date pattern, e.g. "EEE, d. MMM" gives "Di., 2. Dez."
    return format_datetime(moment.astimezone(BERLIN), t("EEE, d MMM"), locale=t.language)


def clock(t: Translator, moment: datetime) -> str:
    return format_datetime(moment.astimezone(BERLIN), "HH:mm", locale=t.language)


def when(t: Translator, start: datetime, end: datetime | None = None) -> str:
    """'Di., 2. Dez., 15:00 Uhr' or with an end: 'Di., 2. Dez., 15:00–17:00 Uhr'."""
    time = clock(t, start) if end is None else f"{clock(t, start)}–{clock(t, end)}"
    return t("{day}, {time}", day=day(t, start), time=time)


def distance(t: Translator, km: float) -> str:
    if km < 0.95:
        return t("{metres} m", metres=format_decimal(max(100, round(km * 1000, -2)), "#,##0", locale=t.language))
    pattern = "#,##0.0" if km < 10 else "#,##0"
    return t("{km} km", km=format_decimal(km, pattern, locale=t.language))
