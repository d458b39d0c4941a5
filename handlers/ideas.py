"""The idea pool: small, low-threshold meeting formats anyone can start in their village."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from . import search
from .buttons import button_data
from .common import stale_button
from .context import Turn
from .dialogue import Feature
from .formatting import bold, lines
from .i18n import N_
from .keywords import Intent
from .messages import Button, Reply


@dataclass(frozen=True, slots=True)
class Idea:
    emoji: str
    title: str  # English msgids; translated where shown
    text: str
    category: str = "other"


IDEAS: tuple[Idea, ...] = (
    Idea("☕", N_("Advent café"),
         N_("Coffee, biscuits and a candle in the parish hall or the fire station. "
            "Once a week in Advent is enough."), "cafe"),
    Idea("🔥", N_("Warm room"),
         N_("A heated room that is open to everyone on cold afternoons. "
            "A pot of tea and a few newspapers, that is all it takes."), "warm_room"),
    Idea("🚶", N_("Walk together"),
         N_("Meet at the same place at the same time every week and walk a short round. "
            "Nobody has to go alone."), "walk"),
    Idea("🥧", N_("Baking for neighbours"),
         N_("Bake biscuits or a cake together and bring some to neighbours who rarely get out."), "baking"),
    Idea("👵", N_("Generations afternoon"),
         N_("Young and old play games, sing or tell stories together, "
            "for example with the nursery or the school."), "generations"),
    Idea("🎁", N_("Gift action"),
         N_("Collect or make small presents and hand them out personally, "
            "for example at Christmas to people living alone."), "creative"),
    Idea("💬", N_("Story café"),
         N_("Over coffee, people tell what the village used to be like. "
            "Old photos help to get talking."), "talk"),
)


async def show(turn: Turn, argument: str = "") -> list[Reply]:
    t = turn.t
    text: list = [t("<b>💡 Ideas for your own meetings</b>"),
                  t("Small things help against loneliness. Maybe one of these suits your village:"), ""]
    for idea in IDEAS:
        text.append(Markup("{} ").format(idea.emoji) + bold(t(idea.title)) + Markup(" – {}").format(t(idea.text)))
    text += ["", t("Would you like to start one? Tap an idea – I will help you post it.")]
    buttons = []
    for number, idea in enumerate(IDEAS):
        label = t("Start at my place: {title}", title=t(idea.title))
        buttons.append((Button(Markup("{} ").format(idea.emoji) + label, button_data("is", number)),))
    buttons.append((Button(t("➕ Offer a meeting"), "nn"),))
    from_list = turn.msg.button is not None and search.current(turn) is not None
    if from_list:
        buttons.append((Button(t("🔙 Back"), "b"),))
    return [Reply(lines(text), buttons=tuple(buttons), edit=from_list)]


async def start_here(turn: Turn, argument: str) -> list[Reply]:
    """"Bei mir starten": /neu with the idea's kind, title and description filled in."""
    if not argument.isdigit() or int(argument) >= len(IDEAS):
        return [stale_button(turn)]
    from . import posting
    from .offer_form import Draft

    t = turn.t
    idea = IDEAS[int(argument)]
    draft = Draft(category=idea.category, title=str(t(idea.title)), description=str(t(idea.text)))
    return await posting.start_with(turn, draft)


FEATURE = Feature(name="ideas", commands={"ideen": show, "ideas": show},
                  buttons={"id": show, "is": start_here},
                  intents={Intent.IDEAS: show})
