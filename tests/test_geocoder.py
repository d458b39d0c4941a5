"""The online geocoder is off unless the operator switches it on; when on, it is polite
(one request a second), sends only the venue address, and never blocks posting."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from sqlalchemy import select

from models import Offer
from places.geocoder import NominatimGeocoder

from .support import ChatDriver
from .test_posting import RIGHTS


@dataclass
class Found:
    latitude: float
    longitude: float


class FakeNominatim:
    """geopy's Nominatim as far as we use it: geocode(query, country_codes=...)."""

    def __init__(self, answers):
        self.answers, self.queries, self.times = list(answers), [], []

    def geocode(self, query, country_codes=None):
        self.queries.append((query, country_codes))
        self.times.append(time.monotonic())
        answer = self.answers.pop(0) if self.answers else None
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_a_street_address_is_placed_precisely_when_switched_on(sessions, places, now):
    client = FakeNominatim([Found(51.78913, 11.14251)])
    chat = ChatDriver(
        sessions,
        places,
        now,
        user="org",
        rights=RIGHTS,
        geocoder=NominatimGeocoder("Nahbar test (test@example.org)", client=client),
    )
    from .test_posting import write_adventscafe

    await write_adventscafe(chat)
    await chat.press("Absenden")
    assert client.queries == [("Kirchstraße 3, Quedlinburg, Deutschland", "de")]
    async with sessions() as session:
        offer = await session.scalar(select(Offer))
    assert (offer.latitude, offer.longitude) == (51.7891, 11.1425)


async def test_far_away_hits_and_failures_keep_the_town_centre():
    client = FakeNominatim([Found(48.1, 11.5), OSError("unreachable"), None])
    geocoder = NominatimGeocoder("Nahbar test (test@example.org)", client=client, min_interval=0.2)
    near = (51.79, 11.14)
    assert (
        await geocoder.locate("Kirchstraße 3", "Quedlinburg", near) is None
    )  # Munich: not this one
    assert await geocoder.locate("Kirchstraße 3", "Quedlinburg", near) is None  # unreachable
    assert await geocoder.locate("Kirchstraße 3", "Quedlinburg", near) is None  # not found
    assert await geocoder.locate("", "Quedlinburg", near) is None  # nothing to ask
    assert len(client.queries) == 3
    gaps = [b - a for a, b in itertools.pairwise(client.times)]
    assert all(gap >= 0.19 for gap in gaps)  # never faster than the interval


async def test_without_a_geocoder_nothing_leaves_the_machine(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user="org", rights=RIGHTS)
    assert chat.core.services.geocoder is None
    from .test_posting import write_adventscafe

    await write_adventscafe(chat)
    await chat.press("Absenden")
    async with sessions() as session:
        offer = await session.scalar(select(Offer))
    quedlinburg = places.resolve("06484 Quedlinburg").place
    assert (offer.latitude, offer.longitude) == (quedlinburg.lat, quedlinburg.lon)


def test_the_geocoder_setting_needs_a_user_agent(tmp_path):
    from .test_terminal_chat import run_chat

    done = run_chat(tmp_path, [], "db", "upgrade", NAHBAR_GEOCODER="nominatim")
    assert done.returncode == 2 and "NAHBAR_GEOCODER_USER_AGENT" in done.stderr
    bad = run_chat(tmp_path, [], "db", "upgrade", NAHBAR_MODERATORS="someone")
    assert bad.returncode == 2 and "NAHBAR_MODERATORS" in bad.stderr
