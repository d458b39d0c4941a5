"""When someone writes that they feel lonely, grieve, are sad or bored: a warm answer, meetings
nearby when we know where they are (the place in the same message first: "ich lebe allein in
Genthin"), and people they can talk to right now (handlers/data/helplines.toml)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

from . import current_search, search
from .common import main_keyboard
from .context import Turn
from .dialogue import Feature
from .formatting import bold, lines
from .messages import Reply
from .understanding import Intent
from .understanding.feelings import BORED, GRIEF, SAD

HELPLINES = Path(__file__).with_name("data") / "helplines.toml"


@dataclass(frozen=True)
class Helpline:
    name: str
    number: str
    about: dict[str, str]
    hours: dict[str, str]


@lru_cache(maxsize=1)
def helplines() -> tuple[Helpline, ...]:
    with HELPLINES.open("rb") as f:
        data = tomllib.load(f)
    return tuple(Helpline(**line) for line in data["line"])


def helpline_text(turn: Turn) -> Markup:
    t = turn.t
    out: list[str] = [
        t("If you would like to talk to someone right now – free of charge and anonymous:")
    ]
    for line in helplines():
        about = line.about.get(t.language) or line.about["de"]
        hours = line.hours.get(t.language) or line.hours["de"]
        out.append(
            Markup("☎️ ")
            + bold(line.number)
            + Markup(" – {} ({}, {})").format(line.name, about, hours)
        )
    return lines(out)


# When a person says how they feel and nothing is on within the usual span and distance, the list
# grows to these (radius km, time span) before it says there is nothing: an empty list is the
# wrong answer to "ich bin einsam". Filters the person named themselves are never widened.
WIDER = ((25, "14"), (50, "14"))


def _intro(turn: Turn) -> Markup:
    t = turn.t
    feeling = turn.reading.feeling if turn.reading is not None else None
    if feeling == GRIEF:
        return t(
            "I am very sorry for your loss. 💛 Grief is heavy to carry alone. Many people find it "
            "good to be among others now and then – nobody has to talk about it there."
        )
    if feeling == BORED:
        return t(
            "Then let us find something to do together! 😊 Meeting others is a good cure for long "
            "days."
        )
    if feeling == SAD:
        return t(
            "I am glad you wrote. 💛 On sad days it can help a little to be among friendly people."
        )
    return t(
        "I am glad you wrote. 💛 Many people feel this way, especially in the dark season – "
        "and it helps to be among others."
    )


async def lonely(turn: Turn, argument: str = "") -> list[Reply]:
    t = turn.t
    intro = _intro(turn)
    reading = turn.reading
    named = search.filters(turn, reading) if reading is not None else {}
    if reading is not None and reading.place is not None:
        found = reading.place
        if found.status == "found" and found.place is not None:
            place = (
                current_search.position_place(turn, found.place.lat, found.place.lon)
                if found.place.kind == "coordinates"
                else found.place
            )
            if place is not None:
                return await _with_meetings(
                    turn, intro, search.search_for(turn, place, **named), named
                )
        else:  # several places of that name, or a typo: the choice, then the list
            choice = await search.at_resolution(turn, found, reading.place_text, named)
            return [Reply(lines([intro, "", helpline_text(turn)])), *choice]
    current = current_search.current(turn) or current_search.home_search(turn)
    if current is None:
        ask = t(
            "Tell me your town or postcode, and I will show you meetings nearby where you are "
            "welcome."
        )
        return [
            Reply(lines([intro, "", ask, "", helpline_text(turn)]), keyboard=main_keyboard(turn))
        ]
    fresh = {"window": "7", "part": None, "categories": (), "step_free": False}
    return await _with_meetings(turn, intro, current.model_copy(update={**fresh, **named}), named)


async def _with_meetings(
    turn: Turn, intro: str, where: current_search.Search, named: Mapping[str, object]
) -> list[Reply]:
    t = turn.t
    found = await search.has_meetings(turn, where)
    if not found and not ({"window", "radius"} & named.keys()):
        for radius, window in WIDER:
            wider = where.model_copy(update={"radius": max(radius, where.radius), "window": window})
            if await search.has_meetings(turn, wider):
                where, found = wider, True
                break
    nearby = await search.show_search(turn, where)
    here = (
        t("Here is what is on near you – you are welcome at every one of them:")
        if found
        else t(
            "I do not know of any meeting near you yet. Tap “Ideas” to see how neighbours start "
            "one – or try again in a few days, new ones are added all the time."
        )
    )
    return [Reply(lines([intro, here])), *nearby, Reply(helpline_text(turn))]


FEATURE = Feature(name="loneliness", intents={Intent.LONELY: lonely})
