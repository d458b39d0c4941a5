"""Subscriptions follow a person to their new private chat.

Reminders, the weekly post and alerts are stored with the chat they go to. On Matrix a person
who left their DM and opens a new one writes from a new room; the old room was paused when
they left. Their subscriptions in paused private chats move to the new chat, so nothing they
asked for is silently lost. Found from the schema: every table with a `user_id` and a `chat`
column (new kinds of subscription are covered as soon as they exist).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .base import Base, rowcount
from .conversations import private_chats
from .outbox import paused_among

NOT_SUBSCRIPTIONS = {"conversations", "outbox", "inbox", "paused_chats"}


async def follow_to(session: AsyncSession, user_id: int, chat: str) -> int:
    """Move the user's subscriptions from their paused private chats to `chat`; returns how
    many rows moved."""
    mine = await private_chats(session, user_id)
    paused = await paused_among(session, mine)
    paused.discard(chat)
    if not paused:
        return 0
    moved = 0
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_SUBSCRIPTIONS or "user_id" not in table.c or "chat" not in table.c:
            continue
        # One row per chat: only if the new chat has none yet.
        if (
            table.c.chat.unique
            and await session.scalar(select(table.c.chat).where(table.c.chat == chat)) is not None
        ):
            continue
        result = await session.execute(
            update(table)
            .where(table.c.user_id == user_id, table.c.chat.in_(sorted(paused)))
            .values(chat=chat)
        )
        moved += rowcount(result)
    return moved
