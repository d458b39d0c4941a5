"""Pages from Jinja2 templates with autoescaping, in the language asked for (German first,
English with ?lang=en), through the same message catalogues and formatting as the chat."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from urllib.parse import quote, urlencode

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from handlers.formatting import distance, when
from handlers.i18n import Translator
from handlers.offer_facts import access_facts, access_lines, cost_words
from handlers.recurrence_text import describe
from handlers.text import shorten
from models import Offer, OfferStatus
from models.categories import category

ENV = Environment(
    loader=PackageLoader("web", "templates"),
    autoescape=select_autoescape(("html", "xml")),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)


@lru_cache(maxsize=2)
def translator(language: str) -> Translator:
    return Translator(language)


def link(path: str, params: dict[str, str] | None = None) -> str:
    """A path with its query; values are encoded, so nothing typed can leave the parameter."""
    return f"{path}?{urlencode(params)}" if params else path


def place_path(place_id: str, suffix: str = "") -> str:
    return f"/ort/{quote(place_id, safe='')}{suffix}"


def page(
    name: str, language: str, *, status: int = 200, headers: dict | None = None, **context
) -> web.Response:
    t = translator(language)
    body = ENV.get_template(name).render(
        t=t, lang=language, link=link, place_path=place_path, **context
    )
    return web.Response(
        text=body, status=status, content_type="text/html", charset="utf-8", headers=headers
    )


def offer_view(
    t: Translator,
    offer: Offer,
    dates: list[tuple[datetime, datetime]],
    distance_km: float | None = None,
    *,
    rule: bool = False,
) -> dict:
    """What pages show of an offer: the chat's words for kind, dates, access and cost; lists
    show the dates, the offer's own page also the repeat rule in words."""
    kind = category(offer.category)
    return {
        "id": offer.id,
        "title": shorten(offer.title, 120),
        "emoji": kind.emoji,
        "kind": t(kind.name),
        "description": shorten(offer.description, 1500, multiline=True),
        "example": offer.is_example,
        "cancelled": offer.status is OfferStatus.CANCELLED,
        "dates": [when(t, start, end) for start, end in dates],
        "rule": describe(t, offer.rrule, offer.starts_local) if rule and offer.rrule else None,
        "where": shorten(", ".join(offer.where_parts()), 300),
        "town": shorten(offer.place_name, 80),
        "distance": distance(t, distance_km) if distance_km is not None else "",
        "access": access_lines(t, offer),
        "step_free": dict(access_facts(offer)).get("wheelchair") == "yes",
        "cost": cost_words(t, offer),
        # Only what the organiser entered to be published with the offer.
        "contact": shorten(offer.contact, 200),
        "organiser": shorten(offer.organiser, 120),
    }


def event_ld(offer: Offer, dates: list[tuple[datetime, datetime]], url: str) -> list[dict]:
    """schema.org Event data (JSON-LD), one per coming date, with the venue's accessibility
    as Place.amenityFeature (OpenStreetMap keys and values)."""
    location = {
        "@type": "Place",
        "name": offer.venue_name or offer.place_name,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": offer.address,
            "addressLocality": offer.place_name,
            "addressCountry": "DE",
        },
        "geo": {
            "@type": "GeoCoordinates",
            "latitude": offer.latitude,
            "longitude": offer.longitude,
        },
    }
    features = [
        {"@type": "LocationFeatureSpecification", "name": tag, "value": value}
        for tag, value in access_facts(offer)
    ]
    if features:
        location["amenityFeature"] = features
    out = []
    for start, end in dates:
        event = {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": offer.title,
            "startDate": start.isoformat(),
            "endDate": end.isoformat(),
            "eventStatus": "https://schema.org/EventCancelled"
            if offer.status is OfferStatus.CANCELLED
            else "https://schema.org/EventScheduled",
            "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
            "location": location,
            "isAccessibleForFree": offer.cost.value == "free",
        }
        if offer.description:
            event["description"] = shorten(offer.description, 500)
        if url:
            event["url"] = url
        if offer.organiser:
            event["organizer"] = {"@type": "Organization", "name": offer.organiser}
        out.append(event)
    return out


def markup(value: object) -> Markup:
    return value if isinstance(value, Markup) else Markup.escape(value)
