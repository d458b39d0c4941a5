"""The printable notice ("Aushang") for a village notice board: an A4 PDF in large, clear print
(RNIB Clear Print and BAGSO guidance: title 40 pt, text at least 16 pt, left-aligned, black on
white, a sans-serif font, no italics or capital blocks) with the coming offers near a place, a
QR code that opens the bot at that place, the web address, the coordinating office's phone
number and tear-off strips. A second form sets the same offers as column text for the
municipal newsletter (Mitteilungsblatt).

Typst typesets it (`notice.typ`); everything shown is passed as JSON input and read there as
text, never spliced into markup, so an offer titled `#eval(...)` prints as those characters.
The font is Atkinson Hyperlegible (Braille Institute, SIL OFL), made for readers with low vision.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.formatting import day, when
from handlers.i18n import Translator
from handlers.offer_facts import access_lines, cost_words
from handlers.recurrence_text import describe
from handlers.text import shorten
from models.public import Area, coming
from places import Place

from .links import Links

NOTICE_DAYS = 14
POSTER_OFFERS = 4  # what fits in 16 pt on one A4 page with the QR code and the strips
NEWSLETTER_OFFERS = 40
TEMPLATE = Path(__file__).with_name("notice.typ")


@dataclass(frozen=True)
class Notice:
    pdf: bytes
    filename: str
    offers: int  # how many offers are near the place in the span
    link: str  # what the QR code opens


@lru_cache(maxsize=1)
def _fonts() -> list[str]:
    import fontpkg_atkinson_hyperlegible as font

    return [str(Path(font.__file__).with_name("files"))]


async def make_notice(
    session: AsyncSession,
    place: Place,
    *,
    links: Links,
    now: datetime,
    days: int = NOTICE_DAYS,
    radius_km: float = 10,
    language: str = "de",
    newsletter: bool = False,
) -> Notice:
    t = Translator(language)
    end = now + timedelta(days=days)
    limit = NEWSLETTER_OFFERS if newsletter else POSTER_OFFERS
    listed = await coming(
        session, Area(place.lat, place.lon, radius_km, now, end), limit=limit + 1, dates_per_offer=3
    )
    link = links.opens_bot_at(place.id)
    data = {
        "lang": language,
        "title": str(t("Meetings near {place}", place=place.name)),
        "span": str(
            t(
                "From {first} to {last} – everyone is welcome.",
                first=day(t, now),
                last=day(t, end - timedelta(seconds=1)),
            )
        ),
        "offers": [_offer(t, item) for item in listed[:limit]],
        "more": str(t("More meetings: {address}", address=links.place_page(place.id) or link))
        if len(listed) > limit
        else "",
        "none": str(
            t(
                "No meetings are planned here in this time yet. Would you like to start one? "
                "Nahbar helps."
            )
        ),
        "scan": str(
            t(
                "Scan with your phone: Nahbar shows you every meeting near {place}.",
                place=place.name,
            )
        ),
        "web": links.place_page(place.id),
        "web_label": str(t("On the internet:")),
        "phone": links.phone,
        "phone_label": str(t("Questions? Call us:")),
        "strip": str(t("Meetings near {place}", place=place.name)),
        "strip_contact": links.phone or _short(links.place_page(place.id) or link),
        "newsletter": newsletter,
        "has_qr": bool(link),
    }
    import segno  # when a notice is made, not at every start of the bot (40 ms)
    import typst

    svg = io.BytesIO()
    segno.make(link or "https://", error="m").save(
        svg, kind="svg", scale=10, border=4, xmldecl=False
    )
    pdf = typst.compile(
        str(TEMPLATE),
        format="pdf",
        font_paths=_fonts(),
        ignore_system_fonts=True,
        sys_inputs={
            "data": json.dumps(data, ensure_ascii=False),
            "qr": svg.getvalue().decode("ascii"),
        },
    )
    slug = re.sub(r"[^a-z0-9]+", "-", place.name.casefold()).strip("-")[:40] or "ort"
    kind = "mitteilungsblatt" if newsletter else "aushang"
    return Notice(pdf=pdf, filename=f"nahbar-{kind}-{slug}.pdf", offers=len(listed), link=link)


def _offer(t: Translator, item) -> dict:
    offer = item.offer
    rule = describe(t, offer.rrule, offer.starts_local) if offer.rrule else None
    return {
        "title": shorten(offer.title, 70),
        "dates": [when(t, start, end) for start, end in item.dates[:2]],
        "rule": str(rule) if rule else "",
        "where": shorten(", ".join(offer.where_parts()), 80),
        "cost": str(cost_words(t, offer)),
        "access": [_no_emoji(str(line)) for line in access_lines(t, offer)][:2],
        "contact": shorten(offer.contact, 60),
    }


# Characters (not a prefix) that the print font lacks: emoji, their variation selector, spaces.
_EMOJI = "♿⚠️🚻🦻\ufe0f "


def _no_emoji(text: str) -> str:
    # The print font has no emoji; the words carry the meaning.
    return text.lstrip(_EMOJI).strip()


def _short(url: str) -> str:
    return url.removeprefix("https://").removeprefix("http://")
