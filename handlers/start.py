"""Welcome, help, and the friendly answers for things we did not understand."""

from __future__ import annotations

from models.listing import valid_id
from models.moderation import waiting_offers

from . import current_search
from .buttons import ButtonData
from .common import main_keyboard, with_location_hint
from .context import Turn
from .dialogue import Feature, on
from .handover import IdeaList, NewOffer, OpenOffer, SearchPlace
from .keywords import Intent
from .messages import Button, Reply


class Help(ButtonData, prefix="h"):
    pass


async def welcome(turn: Turn, argument: str = "") -> list[Reply]:
    if argument.startswith("offer_"):  # deep link t.me/<bot>?start=offer_<id>
        offer_id = valid_id(argument.removeprefix("offer_"))
        return await turn.services.hand_over(turn, OpenOffer(offer_id))
    if argument.startswith("place_") and turn.services.places.get(argument.removeprefix("place_")):
        # deep link t.me/<bot>?start=place_<id>, e.g. from the QR code of a printed notice
        return await turn.services.hand_over(turn, SearchPlace(argument.removeprefix("place_")))
    t = turn.t
    text = with_location_hint(
        turn,
        t(
            "Hello and welcome to Nahbar! 👋\n"
            "I show you meetings near you: cafés, warm rooms, walks and more.\n"
            "Just write your town or postcode."
        ),
        "\n",
    )
    text += "\n\n" + t(
        "🙋 Organising something yourself? With /new you offer your meeting to the "
        "neighbourhood in a few minutes."
    )
    current = current_search.current(turn)
    if current is not None:
        text += "\n\n" + t(
            "Last time you looked near {place}. Write /angebote to see what is on there.",
            place=current_search.place_heading(turn, current),
        )
    elif turn.user.home_place_id is not None:
        text += "\n\n" + t("Write /angebote to see what is on near your home place.")
    if turn.services.rights.is_moderator(
        turn.user
    ):  # a moderator hears of offers sent before they wrote
        waiting = len(await waiting_offers(turn.session))
        if waiting:
            text += "\n\n" + t(
                "🛡 Waiting for review: {count} – /pruefen shows them.", count=waiting
            )
    return [Reply(text, keyboard=main_keyboard(turn))]


async def show_help(turn: Turn, argument: Help | str = "") -> list[Reply]:
    t = turn.t
    text = (
        with_location_hint(
            turn,
            t("<b>How it works</b>\n• Write your town or postcode, e.g. “Wernigerode” or “39104”."),
            "\n• ",
        )
        + "\n"
        + t(
            "• Add a day or a kind if you like: “Quedlinburg tomorrow”, “walk in Thale”.\n"
            "• Write “today”, “weekend” or “14 days” to change the time span.\n"
            "• Write “more” to see further meetings.\n"
            "Commands: /offers /today /week /help\n"
            "Also: /settings (radius, home place) · /language · /ideas · /privacy\n"
            "<b>Organising something yourself?</b> /new posts a meeting in a few minutes, /mine "
            "shows yours."
        )
    )
    buttons = (
        (
            Button(t("➕ Offer a meeting"), NewOffer().pack()),
            Button(t("💡 Ideas"), IdeaList().pack()),
        ),
    )
    # The big keyboard was set by the welcome and stays; one message carries one kind of buttons.
    return [Reply(text, buttons=buttons, edit=turn.msg.button is not None)]


async def ask_place(turn: Turn, argument: str = "") -> list[Reply]:
    return [Reply(turn.t("Which town or postcode? For example “Quedlinburg” or “06484”."))]


def unknown_command(turn: Turn) -> Reply:
    return Reply(turn.t("I don't know that command. Write /hilfe to see what I can do."))


def no_such_choice(turn: Turn, number: str) -> Reply:
    """A typed number that none of the choices shown has (terminal, Matrix)."""
    return Reply(
        turn.t(
            "There is no number {number} here. Please type one of the numbers shown – "
            "or write your town or postcode.",
            number=number,
        )
    )


def too_long(turn: Turn) -> Reply:
    return Reply(turn.t("That is a long message! Please write just your town or postcode."))


FEATURE = Feature(
    name="start",
    commands={"start": welcome, "hilfe": show_help, "help": show_help},
    buttons=(on(Help, show_help),),
    intents={
        Intent.HELP: show_help,
        Intent.GREETING: welcome,
        Intent.MENU: welcome,
        Intent.ASK_PLACE: ask_place,
    },
)
