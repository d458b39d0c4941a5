"""What features may use beyond their turn's session and sender: the few services of the
process, built once by the wiring (bot/app.py) and handed to every turn as `turn.services`.

A feature sees these and nothing else of the core, so what a handler can reach is written here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import TYPE_CHECKING, Protocol

from models.coordination import CoordinatorList
from models.moderation import Rights
from places import Gazetteer
from publish.links import Links

if TYPE_CHECKING:
    from .context import Turn
    from .dialogue import Request, Step
    from .messages import Reply

# Offer id -> a link that opens the offer on one platform (e.g. "https://t.me/<bot>?start=…").
ShareLink = Callable[[int], str]


class Geocoder(Protocol):
    """An online street-address lookup (places.geocoder.NominatimGeocoder)."""

    async def locate(
        self, address: str, town: str, near: tuple[float, float]
    ) -> tuple[float, float] | None: ...


@dataclass(frozen=True, slots=True)
class Limits:
    """The operator's numbers the conversation goes by."""

    default_radius_km: int = 10  # a new person's search radius
    max_offers_per_day: int = 5  # new offers per organiser and day (moderators: no limit)
    reminder_evening: time = time(18)  # "am Vortag" reminders go out at this Berlin time


async def _nobody(turn: Turn, request: Request) -> list[Reply]:
    raise LookupError(f"no router to take {type(request).__name__}")


@dataclass(slots=True)
class Services:
    places: Gazetteer
    rights: Rights = field(default_factory=Rights)  # who moderates, who is blocked or trusted
    # The online geocoder, only when the operator allows it (NAHBAR_GEOCODER); else None.
    geocoder: Geocoder | None = None
    limits: Limits = field(default_factory=Limits)
    # The web address, deep links and phone number for notices and web links.
    links: Links = field(default_factory=Links)
    coordinators: CoordinatorList = field(default_factory=CoordinatorList)  # NAHBAR_COORDINATORS
    # Platform name -> its link to an offer; without one, "↗️ Share" shows "/start offer_<id>".
    share_links: dict[str, ShareLink] = field(default_factory=dict)
    # Every waiting step by name (the router's), so a person can be told what is still open.
    steps: Mapping[str, Step] = field(default_factory=dict)
    # The router's: what another feature answers to a request (handlers.handover), so features
    # hand over to each other without importing each other.
    hand_over: Callable[[Turn, Request], Awaitable[list[Reply]]] = field(default=_nobody)
