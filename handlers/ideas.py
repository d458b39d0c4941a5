"""The idea pool: small, low-threshold meeting formats anyone can start in their village."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from . import search
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


IDEAS: tuple[Idea, ...] = (
    Idea("☕", N_("Advent café"),
         N_("Coffee, biscuits and a candle in the parish hall or the fire station. "
            "Once a week in Advent is enough.")),
    Idea("🔥", N_("Warm room"),
         N_("A heated room that is open to everyone on cold afternoons. "
            "A pot of tea and a few newspapers, that is all it takes.")),
    Idea("🚶", N_("Walk together"),
         N_("Meet at the same place at the same time every week and walk a short round. "
            "Nobody has to go alone.")),
    Idea("🥧", N_("Baking for neighbours"),
         N_("Bake biscuits or a cake together and bring some to neighbours who rarely get out.")),
    Idea("👵", N_("Generations afternoon"),
         N_("Young and old play games, sing or tell stories together, "
            "for example with the nursery or the school.")),
    Idea("🎁", N_("Gift action"),
         N_("Collect or make small presents and hand them out personally, "
            "for example at Christmas to people living alone.")),
    Idea("💬", N_("Story café"),
         N_("Over coffee, people tell what the village used to be like. "
            "Old photos help to get talking.")),
)


async def show(turn: Turn, argument: str = "") -> list[Reply]:
    t = turn.t
    text: list = [t("<b>💡 Ideas for your own meetings</b>"),
                  t("Small things help against loneliness. Maybe one of these suits your village:"), ""]
    for idea in IDEAS:
        text.append(Markup("{} ").format(idea.emoji) + bold(t(idea.title)) + Markup(" – {}").format(t(idea.text)))
    text += ["", t("Soon organisers will be able to post their own offers here, too.")]
    buttons: tuple[tuple[Button, ...], ...] = ()
    from_list = turn.msg.button is not None and search.current(turn) is not None
    if from_list:
        buttons = ((Button(t("🔙 Back"), "b"),),)
    return [Reply(lines(text), buttons=buttons, edit=from_list)]


FEATURE = Feature(name="ideas", commands={"ideen": show, "ideas": show}, buttons={"id": show},
                  intents={Intent.IDEAS: show})
