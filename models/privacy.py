"""Reads for "what is stored about me" (/meinedaten)."""

from __future__ import annotations

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .erasure import referencing_columns
from .users import Conversation


async def conversations_of(session: AsyncSession, user_id: int) -> list[Conversation]:
    return list(await session.scalars(
        select(Conversation).where(Conversation.user_id == user_id).order_by(Conversation.chat)))


async def rows_referring_to(session: AsyncSession, users: Table, user_id: int,
                            skip: set[str] = frozenset()) -> list[tuple[str, int]]:
    """(table name, rows) for every other table with rows that refer to the user."""
    out = []
    for table, column in referencing_columns(users):
        if table.name in skip:
            continue
        count = await session.scalar(select(func.count()).select_from(table).where(column == user_id))
        if count:
            out.append((table.name, count))
    return out
