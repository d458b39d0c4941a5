"""Where every message enters the conversation core and where the answer is decided."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from models import utcnow
from places import Gazetteer

from . import choices, ideas, offer_detail, privacy, search, settings, start
from .buttons import parse_button
from .common import stale_button
from .context import Turn, load_turn_state
from .i18n import Translator
from .keywords import Intent, is_cancel, read_intent, split_request
from .messages import Incoming, Reply

log = logging.getLogger(__name__)
MAX_TEXT = 500  # longer messages are not place names or commands
# Platforms without buttons: choices are numbered and answered by typing the number.
NUMBERED_PLATFORMS = frozenset({"terminal", "matrix"})

Handler = Callable[[Turn, str], Awaitable[list[Reply]]]

# Commands work with "/" (Telegram, terminal) and "!" (Matrix), in German and English.
COMMANDS: dict[str, Handler] = {
    "start": start.welcome,
    "hilfe": start.show_help,
    "help": start.show_help,
    "angebote": search.again,
    "offers": search.again,
    "heute": search.today,
    "today": search.today,
    "woche": search.week,
    "week": search.week,
    "mehr": search.more,
    "more": search.more,
    "einstellungen": settings.show,
    "settings": settings.show,
    "sprache": settings.ask_language,
    "language": settings.ask_language,
    "datenschutz": privacy.explain,
    "privacy": privacy.explain,
    "meinedaten": privacy.show_mine,
    "mydata": privacy.show_mine,
    "loeschen": privacy.ask_delete,
    "delete": privacy.ask_delete,
    "ideen": ideas.show,
    "ideas": ideas.show,
}

# Button data is "<verb>" or "<verb>:<argument>"; see handlers.buttons.
BUTTONS: dict[str, Handler] = {
    "w": search.set_window,
    "c": search.set_category,
    "c?": search.pick_category,
    "r": search.set_radius,
    "r?": search.pick_radius,
    "pg": search.page,
    "pl": search.choose_place,
    "o": offer_detail.show,
    "b": search.back,
    "h": start.show_help,
    "oc": offer_detail.calendar,
    "ov": offer_detail.venue,
    "os": offer_detail.share,
    "id": ideas.show,
    "st": settings.show,
    "sr": settings.set_radius,
    "sh?": settings.ask_home,
    "hp": settings.choose_home,
    "sm": settings.search_home,
    "lg": settings.set_language,
    "pc": settings.set_precise,
    "dl": privacy.confirm_delete,
}

# A dialogue step waiting for an answer ("home": the next place typed becomes the home place;
# "delete": the answer to "really delete?") keeps its state only for these buttons. A command,
# another button or, for "delete", any text leaves the step.
STATE_BUTTONS: dict[str, frozenset[str]] = {
    settings.HOME_STATE: frozenset({"hp"}),
    privacy.DELETE_STATE: frozenset({"dl"}),
}

INTENTS: dict[Intent, Handler] = {
    Intent.HELP: start.show_help,
    Intent.GREETING: start.welcome,
    Intent.TODAY: search.today,
    Intent.WEEK: search.week,
    Intent.FORTNIGHT: search.fortnight,
    Intent.MORE: search.more,
    Intent.ASK_PLACE: start.ask_place,
    Intent.CATEGORY: search.category_words,
}


class Nahbar:
    """The platform-neutral bot: `await handle(incoming)` returns the replies to send."""

    def __init__(self, sessions: async_sessionmaker, places: Gazetteer, *,
                 default_language: str = "de", default_radius_km: int = 10,
                 clock: Callable[[], datetime] = utcnow,
                 share_links: dict[str, Callable[[int], str]] | None = None) -> None:
        self.sessions = sessions
        self.places = places
        self.default_language = default_language
        self.default_radius_km = default_radius_km
        self.clock = clock
        # Platform name -> offer id -> a link that opens the offer, e.g. for Telegram
        # "https://t.me/<bot>?start=offer_<id>". Adapters fill it; without one, "↗️ Share"
        # shows the command "/start offer_<id>".
        self.share_links: dict[str, Callable[[int], str]] = dict(share_links or {})

    async def handle(self, msg: Incoming) -> list[Reply]:
        try:
            return await self._handle_once(msg)
        except IntegrityError:
            # Two first messages of a new user raced to create the account: the other won.
            return await self._handle_once(msg)

    async def _handle_once(self, msg: Incoming) -> list[Reply]:
        now = self.clock()
        async with self.sessions() as session, session.begin():
            user, convo = await load_turn_state(session, msg, default_language=self.default_language,
                                                default_radius=self.default_radius_km, now=now)
            numbered = msg.platform in NUMBERED_PLATFORMS
            if numbered:
                msg = _typed_choice(msg, convo.data.get("choices"))
            turn = Turn(self, msg, session, user, convo, Translator(user.language), now)
            replies = await self._dispatch(turn)
            if numbered and convo in session:
                offered = choices.remember(replies)
                if offered is not None:
                    turn.save(choices=offered)
            return replies

    async def _dispatch(self, turn: Turn) -> list[Reply]:
        if turn.convo.state not in ("idle", None, ""):
            answer = await self._continue_step(turn)
            if answer is not None:
                return answer
        msg = turn.msg
        if msg.button is not None:
            verb, argument = parse_button(msg.button)
            handler = BUTTONS.get(verb)
            if handler is None:
                return [stale_button(turn)]
            return await handler(turn, argument)
        if msg.location is not None:
            return await search.at_location(turn, *msg.location)
        text = (msg.text or "").strip()
        if not text:
            return await start.show_help(turn, "")
        if len(text) > MAX_TEXT:
            return [start.too_long(turn)]
        if text[0] in "/!":
            name, _, argument = text[1:].partition(" ")
            handler = COMMANDS.get(name.split("@")[0].lower())
            if handler is None:
                return [start.unknown_command(turn)]
            return await handler(turn, argument.strip())
        intent, argument = read_intent(text)
        if intent is not None:
            return await INTENTS[intent](turn, argument)
        window, place = split_request(text)
        if place and place != text:  # "Wernigerode heute", "Was ist los in Quedlinburg?"
            return await search.by_place_name(turn, place, window=window, typed=text)
        return await search.by_place_name(turn, text)

    async def _continue_step(self, turn: Turn) -> list[Reply] | None:
        """The answer of a waiting dialogue step, or None after leaving it (dispatch as usual)."""
        msg, state = turn.msg, turn.convo.state
        text = (msg.text or "").strip()
        if state == settings.HOME_STATE:
            if msg.location is not None:
                return await settings.home_location(turn, *msg.location)
            if text and text[0] not in "/!" and len(text) <= MAX_TEXT:
                answer = await settings.home_typed(turn, text)
                if answer is not None:
                    return answer
        if state == privacy.DELETE_STATE and text and is_cancel(text):
            return await privacy.confirm_delete(turn, "n")  # a typed "nein" is a no; a yes needs the button
        if msg.button is not None and parse_button(msg.button)[0] in STATE_BUTTONS.get(state, ()):
            return None  # the button's handler checks the state itself
        turn.convo.state = "idle"
        turn.forget(*privacy.STEP_KEYS)
        return None


def _typed_choice(msg: Incoming, offered: object) -> Incoming:
    """A typed number on a platform without buttons presses the button with that number."""
    if msg.button is not None or msg.location is not None:
        return msg
    meaning = choices.typed_choice(msg.text, offered)
    if meaning is None:
        return msg
    kind, value = meaning
    return replace(msg, text=None, button=value) if kind == "button" else replace(msg, text=value)
