"""What every adapter does for a chat around its turns: say that a turn failed, queue answers
that could not be sent, remember the choices an outbox message shows, pause a chat that cannot
be reached and resume it. Imported by the adapters (bot/telegram, bot/matrix, the terminal),
never the wiring."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.messages import Reply
from handlers.core import Nahbar
from handlers.i18n import Translator
from models import utcnow
from models.outbox import pause_chat, resume_chat
from scheduler.compose import enqueue_replies

log = logging.getLogger(__name__)


def went_wrong(t: Translator) -> Markup:
    """The answer when a turn failed: no details (the log has them), and the person may retry."""
    return t("Sorry, something went wrong on our side. Please try again in a moment.")


async def queue_unsent(
    sessions: async_sessionmaker[AsyncSession],
    chat: str,
    replies: Sequence[Reply],
    key: str,
    wait: float = 0,
) -> int:
    """The turn has committed but these replies did not go out (no connection, a flood wait):
    the outbox sends them after `wait` seconds. `key` names the turn, so queueing twice adds
    nothing. Returns how many were queued."""
    queued = await enqueue_replies(
        sessions, chat, replies, key=key, due_at=utcnow() + timedelta(seconds=wait)
    )
    return len(replies) if queued else 0


async def remember_shown(core: Nahbar, chat: str, replies: Sequence[Reply]) -> list[Reply]:
    """Before an outbox message is shown: its numbered choices become what a typed number means
    (see Nahbar.shown); returns the replies to show. A failure here must not stop the message."""
    try:
        return await core.shown(chat, list(replies))
    except Exception:
        log.warning("could not remember the choices of an outbox message", exc_info=True)
        return list(replies)


async def chat_left(
    core: Nahbar, chat: str, reason: str = "everybody else has left the chat"
) -> None:
    """The chat cannot be reached any more (everybody else has left a Matrix room, a person
    blocked the bot on Telegram): pause it at once, so no planner queues anything for it and
    what is queued is dropped. If that fails, the next delivery there finds it unreachable and
    pauses it then."""
    try:
        async with core.sessions() as session, session.begin():
            await pause_chat(session, chat, reason, core.clock())
    except Exception as exc:  # noqa: BLE001 - the error's text may name the chat: not logged
        log.warning("could not pause a chat that cannot be reached (%s)", type(exc).__name__)


async def chat_back(core: Nahbar, chat: str) -> None:
    """The chat can be reached again (a person unblocked the bot): deliveries may go out again.
    If that fails, their next message resumes it (models.conversations.load_turn)."""
    try:
        async with core.sessions() as session, session.begin():
            await resume_chat(session, chat)
    except Exception as exc:  # noqa: BLE001
        log.warning("could not resume a chat that can be reached again (%s)", type(exc).__name__)
