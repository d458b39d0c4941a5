"""What every adapter does for a chat around its turns: remember the choices an outbox message
shows, pause a chat that cannot be reached and resume it, queue answers that could not be sent.
Imported by the adapters (bot/telegram, bot/matrix, the terminal), never the wiring."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from contracts.messages import Reply
from handlers.core import Nahbar
from models.outbox import pause_chat, resume_chat

log = logging.getLogger(__name__)


async def remember_shown(core: Nahbar, chat: str, replies: Sequence[Reply]) -> list[Reply]:
    """Before an outbox message is shown: its numbered choices become what a typed number means
    (see Nahbar.shown); returns the replies to show. A failure here must not stop the message."""
    try:
        return await core.shown(chat, list(replies))
    except Exception:  # noqa: BLE001
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
