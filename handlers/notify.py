"""Messages to other people than the one writing (a moderator about a new offer, an organiser
about a decision): queued in the outbox within the turn's transaction, sent by the dispatcher
in the recipient's language."""

from __future__ import annotations

from collections.abc import Callable

from models import User
from models.conversations import reach
from models.outbox import Outgoing, enqueue
from scheduler.compose import REPLY

from .context import Turn
from .i18n import Translator
from .messages import Reply


async def tell(
    turn: Turn, user: User, key: str, write: Callable[[Translator], list[Reply]]
) -> bool:
    """Queue replies written for `user` in their language; `key` makes it once only."""
    replies = write(Translator(user.language))
    chat = await reach(turn.session, user)
    added = await enqueue(
        turn.session,
        Outgoing(
            key=key[:200],
            chat=chat,
            kind=REPLY,
            payload=[r.to_dict() for r in replies],
            due_at=turn.now,
        ),
        now=turn.now,
    )
    return added == 1
