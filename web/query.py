"""Reading a request's parameters: untrusted, so every value is checked, bounded, and either
taken, replaced by its default, or refused with a clear page (never a stack trace)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from handlers import windows
from handlers.i18n import N_
from handlers.text import clean
from models.categories import BY_KEY
from models.public import Area
from models.schedule import BERLIN
from places import Gazetteer, Place

MAX_PLACE = 100  # characters of a place name or id
MAX_QUERY = 2000  # characters of the whole query string
RADII = (5, 10, 25, 50)  # as in the chat
DAYS = {"1": "today", "7": "7", "14": "14"}  # the chat's time spans
FEED_DAYS = 62  # feeds look as far ahead as dates exist (models.occurrences.HORIZON)
_YES = {"1", "ja", "yes", "true", "on"}


class BadRequest(web.HTTPBadRequest):
    """A parameter that cannot be right: the error page says which, in plain words."""

    def __init__(self, why: str) -> None:
        super().__init__(reason="Bad Request")
        self.why = why  # a catalogue msgid


@dataclass(frozen=True)
class Filters:
    place: str = ""  # what was asked for: a place id or a name, cleaned
    days: str = "7"  # "1", "7", "14"
    radius: int = 10
    kind: str = ""  # a category key or ""
    step_free: bool = False
    language: str = "de"

    def area(self, place: Place, now: datetime, *, feed: bool = False) -> Area:
        if feed:
            start, end = now, now + timedelta(days=FEED_DAYS)
        else:
            start, end = windows.bounds(DAYS[self.days], now)
        return Area(
            lat=place.lat,
            lon=place.lon,
            radius_km=self.radius,
            start=start,
            end=end,
            categories=frozenset({self.kind}) if self.kind else frozenset(),
            step_free=self.step_free,
        )

    def params(self, **overrides) -> dict[str, str]:
        """The filters as query parameters, defaults left out (for links that keep them)."""
        values = {
            "tage": self.days,
            "umkreis": str(self.radius),
            "art": self.kind,
            "barrierefrei": "1" if self.step_free else "",
            "lang": self.language,
        }
        values.update({k: str(v) for k, v in overrides.items()})
        defaults = {
            "tage": "7",
            "umkreis": str(_DEFAULT_RADIUS[0]),
            "art": "",
            "barrierefrei": "",
            "lang": "de",
        }
        return {k: v for k, v in values.items() if v and v != defaults.get(k)}


_DEFAULT_RADIUS = [10]


def set_default_radius(km: int) -> None:
    _DEFAULT_RADIUS[0] = km if km in RADII else 10


def filters(request: web.Request) -> Filters:
    if len(request.query_string) > MAX_QUERY:
        raise BadRequest(N_("This address is too long."))
    q = request.query
    place = clean(q.get("ort", ""))
    if len(place) > MAX_PLACE:
        raise BadRequest(
            N_("The place name is too long. Please write a town, village or postcode.")
        )
    days = q.get("tage", "7").strip()
    radius = q.get("umkreis", "").strip()
    kind = q.get("art", "").strip()
    return Filters(
        place=place,
        days=days if days in DAYS else "7",
        radius=int(radius) if radius.isdigit() and int(radius) in RADII else _DEFAULT_RADIUS[0],
        kind=kind if kind in BY_KEY else "",
        step_free=q.get("barrierefrei", "").strip().lower() in _YES,
        language=language(request),
    )


def language(request: web.Request) -> str:
    return "en" if request.query.get("lang", "").strip().lower() == "en" else "de"


@dataclass(frozen=True)
class Found:
    place: Place | None = None
    choices: tuple[Place, ...] = ()  # namesakes, or close matches for a typo
    typo: bool = False  # choices are suggestions, not namesakes
    outside: bool = False


def find_place(places: Gazetteer, text: str) -> Found:
    """A place id from one of our links, else a name or postcode read as the chat reads it
    (the same choice between namesakes)."""
    text = clean(text)[:MAX_PLACE]
    if not text:
        return Found()
    place = places.get(text)
    if place is not None and place.kind != "coordinates":
        return Found(place=place)
    found = places.resolve(text)
    if found.status == "found" and found.place is not None and found.place.kind != "coordinates":
        return Found(place=found.place)
    if found.status == "choice":
        return Found(choices=found.choices[:8])
    if found.status == "suggest":
        return Found(choices=found.suggestions[:5], typo=True)
    return Found(outside=found.status == "outside")


def local_day(now: datetime) -> str:
    return now.astimezone(BERLIN).date().isoformat()
