"""Where every message enters the conversation core and where the answer is decided.

The core only routes; the features (one module each) decide. Order: a step waiting for an
answer, then buttons, shared locations, commands, and typed words: the reader
(handlers.understanding) reads the whole message once, and its intent picks the feature.
"""

from __future__ import annotations

import logging
import re
import time as clocks
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Conversation, utcnow
from models.conversations import load_turn
from models.subscriptions import follow_to
from ops.metrics import TURN_SECONDS, UPDATES

from . import (
    alerts,
    choices,
    companions,
    coordination,
    digest,
    group_digest,
    ideas,
    loneliness,
    managing,
    moderation,
    notice,
    offer_detail,
    posting,
    privacy,
    reminders,
    search,
    settings,
    small_talk,
    start,
)
from .buttons import prefix_of
from .common import refused, stale_button
from .context import Turn
from .dialogue import Feature, Router, Step
from .i18n import Translator, normalise_language
from .messages import Incoming, Reply
from .services import Services
from .text import clean
from .understanding import Intent, read

log = logging.getLogger(__name__)
MAX_TEXT = 500  # longer messages are not place names or commands
MAX_ANSWER = 4000  # a waiting step may take longer answers (an offer's description: 1,500)
MAX_ARGUMENT = 200
_NUMBER = re.compile(r"\d{1,3}\.?")  # a typed choice (handlers.choices); postcodes have five digits

# Every feature of the bot, in the order their words are tried.
FEATURES: tuple[Feature, ...] = (
    start.FEATURE,
    search.FEATURE,
    offer_detail.FEATURE,
    reminders.FEATURE,
    settings.FEATURE,
    digest.FEATURE,
    group_digest.FEATURE,
    alerts.FEATURE,
    privacy.FEATURE,
    ideas.FEATURE,
    posting.FEATURE,
    managing.FEATURE,
    moderation.FEATURE,
    notice.FEATURE,
    loneliness.FEATURE,
    small_talk.FEATURE,
    coordination.FEATURE,
    companions.FEATURE,
)
ROUTES = Router(FEATURES)


class Nahbar:
    """The platform-neutral bot: `await handle(incoming)` returns the replies to send."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        services: Services,
        *,
        default_language: str = "de",
        clock: Callable[[], datetime] = utcnow,
        router: Router = ROUTES,
    ) -> None:
        self.sessions = sessions
        # What features may use (turn.services), with the router's steps and hand-overs.
        self.services = replace(services, steps=router.steps, hand_over=router.hand_over)
        self.default_language = default_language
        self.clock = clock
        self.router = router

    async def handle(self, msg: Incoming) -> list[Reply]:
        started = clocks.perf_counter()
        try:
            try:
                replies = await self._turn(msg, self._dispatch)
            except IntegrityError:
                # Two first messages of a new user raced to create the account: the other won.
                replies = await self._turn(msg, self._dispatch)
        except BaseException:
            UPDATES.labels(msg.platform, "failed").inc()
            raise
        TURN_SECONDS.labels(msg.platform).observe(clocks.perf_counter() - started)
        UPDATES.labels(msg.platform, "answered").inc()
        return replies

    async def resume(self, msg: Incoming) -> list[Reply]:
        """What to say when a person comes back to an open chat (the terminal chat starts):
        the question of a waiting step again, or the welcome. Changes no dialogue state."""
        return await self._turn(msg, self._resume)

    async def language(self, msg: Incoming) -> str:
        """The language this person is answered in now: their setting, or the other language
        they wrote in within the last hour (a goodbye outside a turn, e.g. the terminal's)."""
        spoken: list[str] = []

        async def note(turn: Turn) -> list[Reply]:
            spoken.append(turn.t.language)
            return []

        await self._turn(msg, note)
        return spoken[0]

    async def shown(self, chat: str, replies: list[Reply]) -> list[Reply]:
        """Replies are about to be sent to `chat` outside a turn, by the outbox of an adapter
        without buttons (Incoming.buttons is False there): their numbers become what a typed
        number means. The newest message on the screen wins, as after a turn, except while a
        question waits for an answer: then the
        new choices are numbered after the question's, and both stay valid (a reminder arriving
        while someone writes an offer must not turn their "1" into "Ich komme"). Returns the
        replies to send, renumbered where needed."""
        if choices.remember(replies) is None:
            return replies
        async with self.sessions() as session, session.begin():
            for convo in await session.scalars(
                select(Conversation).where(
                    Conversation.chat == chat, Conversation.is_group.is_(False)
                )
            ):
                stored = convo.data.get("choices")
                earlier: dict[str, Any] = stored if isinstance(stored, dict) else {}
                waiting = convo.state not in ("idle", "", None) and bool(earlier)
                if waiting:
                    after = max((int(k) for k in earlier if str(k).isdigit()), default=0)
                    replies = choices.renumber(replies, start=after + 1)
                offered = choices.remember(replies)
                convo.data = {
                    **convo.data,
                    "choices": {**earlier, **(offered or {})} if waiting else offered,
                }
        return replies

    async def _turn(
        self, msg: Incoming, decide: Callable[[Turn], Awaitable[list[Reply]]]
    ) -> list[Reply]:
        now = self.clock()
        async with self.sessions() as session, session.begin():
            user, convo, new_private_chat = await load_turn(
                session,
                platform=msg.platform,
                platform_id=msg.user_id,
                chat=msg.chat,
                group=msg.group,
                language=normalise_language(msg.language, self.default_language),
                radius_km=self.services.limits.default_radius_km,
                now=now,
            )
            if new_private_chat:  # e.g. a new Matrix DM: subscriptions of a paused one follow
                await session.flush()
                await follow_to(session, user.id, msg.chat)
            numbered = not msg.buttons
            if numbered:
                msg = _typed_choice(msg, convo.data.get("choices"))
            turn = Turn(self.services, msg, session, user, convo, Translator(user.language), now)
            spoken = settings.spoken_language(turn)  # the language of their last words, this hour
            if spoken is not None:
                turn.t = Translator(spoken)
            replies = await decide(turn)
            if numbered and convo in session:
                offered = choices.remember(replies)
                if offered is not None:
                    turn.put_raw("choices", offered)
            await turn.save()
            return replies

    async def _resume(self, turn: Turn) -> list[Reply]:
        step = self.router.steps.get(turn.step)
        if step is not None and step.ask is not None:
            return await step.ask(turn)
        return await start.welcome(turn)

    async def _dispatch(self, turn: Turn) -> list[Reply]:
        step = self.router.steps.get(turn.step)
        if step is not None:
            answer = await self._continue_step(turn, step)
            if answer is not None:
                return answer
        elif turn.step != "idle":
            turn.leave()  # a step of a feature that no longer exists
        msg = turn.msg
        if msg.button is not None:
            return await self._press(turn, msg.button)
        if msg.location is not None:
            return await search.at_location(turn, *msg.location)
        text = clean(msg.text or "")
        if not text:
            return await start.show_help(turn)
        if text[0] in "/!" and len(text) > 1:
            return await self._command(turn, text)
        return await self._words(turn, text)

    async def _press(self, turn: Turn, data: str) -> list[Reply]:
        """A pressed button: its class reads the data; whatever does not fit (stale, forged,
        out of range) gets the stale-button answer here, and a moderators-only button pressed
        by anyone else is refused and logged, before any handler runs."""
        press = self.router.buttons.get(prefix_of(data))
        pressed = press.kind.unpack(data) if press is not None else None
        if press is None or pressed is None:
            return [stale_button(turn)]
        if press.kind.moderators_only and not self.services.rights.is_moderator(turn.user):
            return refused(turn, type(pressed).__name__)
        return await press.handler(turn, pressed)

    async def _command(self, turn: Turn, text: str) -> list[Reply]:
        name, _, argument = text[1:].partition(" ")
        name = name.split("@")[0].lower()
        handler = self.router.commands.get(name)
        if handler is None:
            return [start.unknown_command(turn)]
        if name in self.router.moderator_commands and not self.services.rights.is_moderator(
            turn.user
        ):
            return refused(turn, name)
        return await handler(turn, argument.strip()[:MAX_ARGUMENT])

    async def _words(self, turn: Turn, text: str) -> list[Reply]:
        if not turn.msg.buttons and _NUMBER.fullmatch(text) and turn.raw("choices"):
            return [start.no_such_choice(turn, text.rstrip("."))]  # not a place called "9"
        reading = turn.reading = read(text, self.services.places)
        if len(text) > MAX_TEXT and reading.intent is not Intent.LONELY:
            return [start.too_long(turn)]  # a long letter is read for feelings only
        switch = settings.answer_in(turn, reading.language)
        handler = self.router.intents.get(reading.intent) if reading.intent else None
        if handler is None:
            replies = [
                search.unknown_place(turn, reading.unknown_place)
                if reading.unknown_place
                else search.not_understood(turn)
            ]
        else:
            replies = await handler(turn, "")
        return replies + switch

    async def _continue_step(self, turn: Turn, step: Step) -> list[Reply] | None:
        """The step's answer, or None after leaving it (the message is then routed as usual)."""
        msg = turn.msg
        text = clean(msg.text or "")
        if msg.location is not None and step.on_location is not None:
            answer = await step.on_location(turn, *msg.location)
            if answer is not None:
                return answer
        elif text and text[0] not in "/!" and len(text) <= MAX_ANSWER and step.on_text is not None:
            answer = await step.on_text(turn, text)
            if answer is not None:
                return answer
        elif msg.button is not None and prefix_of(msg.button) in step.keeps:
            return None  # the button's handler checks the step itself
        turn.leave()
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
