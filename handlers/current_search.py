"""The current search, a typed note in the dialogue state, and what several features read of it.

Search (handlers.search) makes and changes it; settings, start, notice, loneliness, privacy,
ideas and the offer details read it here, so that none of them imports the search feature.
The place helpers that settings shares with search (a position as a place, the choice
between a postcode's places, "outside the service area") are here for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from models.categories import BY_KEY
from models.geo import in_service_area
from models.location import is_position_id, position_id, stored_point
from places import Place

from . import windows
from .context import Turn
from .dialogue import Note
from .messages import Button, Reply

RADII = (5, 10, 25, 50)
MAX_POSTCODE_PARTS = 8  # the most any postcode of Sachsen-Anhalt has
KEEP_SEARCH = timedelta(days=30)  # the privacy promise: the last search is kept 30 days at most


def _part(value: object) -> str | None:
    return value if value in windows.PARTS else None


def _kinds(value: object) -> tuple[str, ...]:
    return tuple(k for k in value if k in BY_KEY) if isinstance(value, (list, tuple)) else ()


# Stored filters are checked on loading: an unknown part of the day or kind is dropped.
Part = Annotated[str | None, BeforeValidator(_part)]
Kinds = Annotated[tuple[str, ...], BeforeValidator(_kinds)]


class Search(Note):
    key = "search"
    version = 3

    place: str  # town or postcode name; for a shared position the nearest town ("" if none)
    place_id: str = ""
    position: bool = False  # a shared or typed position rather than a named place
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    window: str = windows.DEFAULT
    part: Part = None  # "morning", "afternoon", "evening" (windows.PARTS)
    radius: int = 10
    categories: Kinds = ()
    step_free: bool = False
    page: int = Field(0, ge=0, le=1000)
    at: datetime

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, value: object) -> str:
        return value if isinstance(value, str) and windows.is_window(value) else windows.DEFAULT

    @field_validator("radius", mode="before")
    @classmethod
    def _radius(cls, value: object) -> int:
        return next((r for r in RADII if r == value), 10)

    @classmethod
    def upgrade(cls, raw: dict[str, Any], version: int | None) -> dict[str, Any] | None:
        # version 1 mixed the search with the home place: ask for the place again;
        # version 2 had no part of the day and no step-free filter.
        return raw if version == 2 else None


def current(turn: Turn) -> Search | None:
    """The search in progress, if there is one younger than 30 days."""
    search = turn.get(Search)
    if search is not None and not timedelta(0) <= turn.now - search.at <= KEEP_SEARCH:
        turn.drop(Search)
        return None
    return search


def place_heading(turn: Turn, search: Search) -> str:
    t = turn.t
    if search.position:
        return (
            t("your location near {town}", town=search.place)
            if search.place
            else t("your location")
        )
    return search.place


def home_search(turn: Turn, window: str | None = None) -> Search | None:
    """A new search at the user's home place, if they chose one."""
    user = turn.user
    if user.home_lat is None or user.home_lon is None:
        return None
    return Search(
        place=user.home_place_name or "",
        place_id=user.home_place_id or "",
        position=is_position_id(user.home_place_id),
        lat=user.home_lat,
        lon=user.home_lon,
        window=window or windows.DEFAULT,
        radius=user.radius_km,
        page=0,
        at=turn.now,
    )


def position_place(turn: Turn, lat: float, lon: float) -> Place | None:
    """A shared or typed position as a Place, kept only as precisely as the user allowed
    (models.location); named after the nearest town. None outside the service area."""
    if not in_service_area(lat, lon):
        return None
    lat, lon = stored_point(lat, lon, turn.user.consent_precise_location)
    town = turn.services.places.nearest(lat, lon)
    return Place(
        id=position_id(lat, lon),
        name=town.name if town else "",
        lat=lat,
        lon=lon,
        region=town.region if town else "",
        kind="coordinates",
    )


def postcode_choice(turn: Turn, parts: tuple[Place, ...], choose: Callable[[str], str]) -> Reply:
    """ "06712" is Zeitz and five more municipalities: a labelled choice, as for namesakes.
    `choose` gives the data of the button for a place id."""
    code = parts[0].name.partition(" ")[0]
    buttons = tuple((Button(p.name, choose(p.id)),) for p in parts[:MAX_POSTCODE_PARTS])
    return Reply(
        turn.t("The postcode {code} covers several places. Which one do you mean?", code=code),
        buttons=buttons,
    )


def outside(turn: Turn) -> Reply:
    return Reply(
        turn.t(
            "Nahbar knows meetings in Germany. Please write a town or postcode in "
            "Germany, or send your location from there."
        )
    )
