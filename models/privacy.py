"""Reads for "what is stored about me" (/meinedaten)."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

from sqlalchemy import Column, Table, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .erasure import referencing_columns
from .users import Conversation


async def conversations_of(session: AsyncSession, user_id: int) -> list[Conversation]:
    return list(
        await session.scalars(
            select(Conversation).where(Conversation.user_id == user_id).order_by(Conversation.chat)
        )
    )


async def rows_referring_to(
    session: AsyncSession, users: Table, user_id: int, skip: AbstractSet[str] = frozenset()
) -> list[tuple[str, int]]:
    """(table name, rows) for every other table with rows that refer to the user (a row that
    refers to them twice, e.g. as actor and subject, counts once)."""
    columns: dict[str, list[Column[Any]]] = {}
    tables = {}
    for table, column in referencing_columns(users):
        if table.name not in skip:
            columns.setdefault(table.name, []).append(column)
            tables[table.name] = table
    out = []
    for name, refs in columns.items():
        count = await session.scalar(
            select(func.count()).select_from(tables[name]).where(or_(*(c == user_id for c in refs)))
        )
        if count:
            out.append((name, count))
    return out
