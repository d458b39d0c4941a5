"""When someone writes that they feel lonely: a warm answer, meetings nearby when we know
where they are, and people they can talk to right now (handlers/data/helplines.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

from . import search
from .common import main_keyboard
from .context import Turn
from .dialogue import Feature
from .formatting import bold, lines
from .keywords import Intent
from .messages import Reply

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
    out: list = [t("If you would like to talk to someone right now – free of charge and anonymous:")]
    for line in helplines():
        about = line.about.get(t.language) or line.about["de"]
        hours = line.hours.get(t.language) or line.hours["de"]
        out.append(Markup("☎️ ") + bold(line.number) + Markup(" – {} ({}, {})").format(line.name, about, hours))
    return lines(out)


async def lonely(turn: Turn, argument: str = "") -> list[Reply]:
    t = turn.t
    intro = t("I am glad you wrote. 💛 Many people feel this way, especially in the dark season – "
              "and it helps to be among others.")
    current = search.current(turn) or search.home_search(turn)
    if current is None:
        ask = t("Tell me your town or postcode, and I will show you meetings nearby where you are welcome.")
        return [Reply(lines([intro, "", ask, "", helpline_text(turn)]), keyboard=main_keyboard(turn))]
    nearby = await search.show_search(turn, current.model_copy(update={"window": "7", "categories": ()}))
    here = t("Here is what is on near you in the next days – you are welcome at every one of them:")
    return [Reply(lines([intro, here])), *nearby, Reply(helpline_text(turn))]


FEATURE = Feature(name="loneliness", intents={Intent.LONELY: lonely})
