"""Deleting everything about a user: used by /loeschen and by the purge of long-idle accounts.

It works on the schema, not on a list of tables somebody has to keep up to date: every column
with a foreign key to `users.id` is cleared (SET NULL, together with the row's columns marked
`info={"personal": True}`, such as an offer's contact) or its rows deleted (any other rule), and
every column named in CHAT_COLUMNS loses the rows for the user's chats. A new table that refers
to a user or a chat is therefore covered as soon as it exists.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any, cast

from sqlalchemy import Column, Table, delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from .base import Base
from .conversations import private_chats
from .users import User

CHAT_COLUMNS = ("chat", "chat_address")  # columns holding a chat address like "telegram:12345"


async def erase_user(
    session: AsyncSession, user_id: int, chats: AbstractSet[str] = frozenset()
) -> None:
    """Delete the user row and every row that refers to it or to their private chats (`chats`
    adds private chat addresses not yet stored, e.g. the chat this request came from).

    Rows of a group chat are the group's, not one member's: only the member's own rows there
    (found by their user id) go.
    """
    user = await session.get(User, user_id)
    if user is None:
        return
    chats = {*chats, user.address} | await private_chats(session, user_id)
    users = cast(Table, User.__table__)
    references = referencing_columns(users)
    for table in reversed(Base.metadata.sorted_tables):
        for ref_table, column in references:
            if ref_table is not table:
                continue
            fk = next(fk for fk in column.foreign_keys if fk.column.table is users)
            if (fk.ondelete or "").upper() == "SET NULL":
                # The row stays (an offer, a log entry), without the link to the person and
                # without what they wrote about themselves (columns marked "personal").
                values: dict[str, str | None] = {column.name: None}
                values.update({c.name: "" for c in table.columns if c.info.get("personal")})
                await session.execute(update(table).where(column == user_id).values(values))
            else:
                await session.execute(delete(table).where(column == user_id))
        for name in CHAT_COLUMNS:
            if name in table.c and table is not users:
                await session.execute(delete(table).where(table.c[name].in_(chats)))
    await session.execute(delete(users).where(users.c.id == user_id))


def referencing_columns(users: Table) -> list[tuple[Table, Column[Any]]]:
    """(table, column) for every column with a foreign key to users.id."""
    return [
        (table, fk.parent)
        for table in Base.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table is users
    ]
