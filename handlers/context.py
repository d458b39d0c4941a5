"""One turn of a conversation: who is talking, in which language, and the dialogue state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Conversation, PausedChat, User
from models.outbox import resume_chat

from .i18n import Translator, normalise_language
from .messages import Incoming

if TYPE_CHECKING:
    from .core import Nahbar


@dataclass
class Turn:
    app: Nahbar
    msg: Incoming
    session: AsyncSession
    user: User
    convo: Conversation
    t: Translator
    now: datetime

    @property
    def state(self) -> dict:
        return self.convo.data

    def save(self, **changes) -> None:
        """Update the dialogue state; a new dict so the JSON column sees the change."""
        self.convo.data = {**self.convo.data, **changes}

    def forget(self, *keys: str) -> None:
        """Drop entries from the dialogue state."""
        if any(k in self.convo.data for k in keys):
            self.convo.data = {k: v for k, v in self.convo.data.items() if k not in keys}


SEEN_RESOLUTION = timedelta(hours=1)  # "last seen" is kept coarse and written rarely


async def load_turn_state(session: AsyncSession, msg: Incoming, *, default_language: str,
                          default_radius: int, now: datetime) -> tuple[User, Conversation]:
    """The sender and this chat's dialogue state, in one query; created on first contact."""
    found = (await session.execute(
        select(User, Conversation, PausedChat.chat)
        .select_from(User)
        .outerjoin(Conversation, Conversation.chat == msg.chat)
        .outerjoin(PausedChat, PausedChat.chat == msg.chat)
        .where(User.platform == msg.platform, User.platform_id == msg.user_id)
    )).first()
    user, convo, paused = found if found else (None, None, None)
    if paused is not None:  # they blocked the bot and are back: deliveries resume
        await resume_chat(session, msg.chat)
    if user is None:
        user = User(
            platform=msg.platform, platform_id=msg.user_id,
            language=normalise_language(msg.language, default_language),
            radius_km=default_radius, created_at=now, last_seen_at=now,
        )
        session.add(user)
        await session.flush()
    elif now - user.last_seen_at >= SEEN_RESOLUTION:
        user.last_seen_at = now
    if convo is None:
        convo = Conversation(chat=msg.chat, user_id=user.id, state="idle", data={})
        session.add(convo)
    return user, convo
