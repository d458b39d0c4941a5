"""Loading the sender and their dialogue state for one turn, and forgetting idle dialogues."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, and_, bindparam, delete, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from .base import rowcount, utcnow
from .outbox import PausedChat, resume_chat
from .users import Conversation, User

SEEN_RESOLUTION = timedelta(hours=1)  # "last seen" is kept coarse and written rarely

# Every turn runs this: built once with bound parameters, so SQLAlchemy need not build and key
# it again each time (that cost more than running it).
_TURN = (
    select(User, Conversation, PausedChat.chat)
    .select_from(User)
    .outerjoin(
        Conversation, and_(Conversation.chat == bindparam("chat"), Conversation.user_id == User.id)
    )
    .outerjoin(PausedChat, PausedChat.chat == bindparam("chat"))
    .where(User.platform == bindparam("platform"), User.platform_id == bindparam("platform_id"))
)

_TABLE = cast(Table, Conversation.__table__)
_CONVERSATIONS = _TABLE.c
# The dialogue state a turn changed, as a plain UPDATE (handlers.context.Turn.save): the ORM's
# flush of the same row cost about twice as much.
_SAVE = (
    update(_TABLE)
    .where(
        _CONVERSATIONS.chat == bindparam("key_chat"),
        _CONVERSATIONS.user_id == bindparam("key_user"),
    )
    .values(
        state=bindparam("new_state"),
        data=bindparam("new_data"),
        updated_at=bindparam("new_updated_at"),
    )
)


class Loaded(NamedTuple):
    user: User
    convo: Conversation
    # Someone we know, in a new private chat (a new Matrix DM): the caller lets their
    # subscriptions follow them there (models.subscriptions.follow_to).
    new_private_chat: bool


async def load_turn(
    session: AsyncSession,
    *,
    platform: str,
    platform_id: str,
    chat: str,
    group: bool,
    language: str,
    radius_km: int,
    now: datetime,
) -> Loaded:
    """The sender and their dialogue state in this chat, in one query; created on first contact.

    In a group chat every member has a conversation of their own (keyed by chat and user).
    """
    found = (
        await session.execute(
            _TURN, {"chat": chat, "platform": platform, "platform_id": platform_id}
        )
    ).first()
    user, convo, paused = found if found else (None, None, None)
    if paused is not None:  # they had blocked the bot and are back: deliveries resume
        await resume_chat(session, chat)
    if user is None:
        user = User(
            platform=platform,
            platform_id=platform_id,
            language=language,
            radius_km=radius_km,
            created_at=now,
            last_seen_at=now,
        )
        session.add(user)
        await session.flush()
    elif now - user.last_seen_at >= SEEN_RESOLUTION:
        user.last_seen_at = now
    if convo is not None:
        return Loaded(user, convo, False)
    convo = Conversation(
        chat=chat, user_id=user.id, is_group=group, state="idle", data={}, updated_at=now
    )
    session.add(convo)
    return Loaded(user, convo, not group and found is not None)


async def save_state(session: AsyncSession, convo: Conversation) -> None:
    """Write the conversation's state and data as they are now (and when: updated_at, as the
    ORM's onupdate would), in the session's transaction; the object is left as if loaded so."""
    written = utcnow()
    values = {
        "key_chat": convo.chat,
        "key_user": convo.user_id,
        "new_state": convo.state,
        "new_data": convo.data,
        "new_updated_at": written,
    }
    connection = await session.connection()
    dialect = connection.dialect
    sync = connection.sync_connection
    if sync is None:  # session.connection() has just connected it
        raise RuntimeError("the session's connection is closed")
    if dialect.name == "sqlite" or dialect.driver == "asyncpg":
        # Straight on the driver, as models.search._fetch does: SQLAlchemy's execution layer
        # cost more than the UPDATE itself. Values converted by the columns' own types.
        sql, order, processors = _save_compiled(dialect)
        arguments = [
            processor(values[name]) if processor is not None else values[name]
            for name, processor in zip(order, processors, strict=True)
        ]
        driver: Any = sync.connection.driver_connection
        if dialect.name == "sqlite":
            cursor = await driver.execute(sql, arguments)
            await cursor.close()
        else:
            await driver.execute(sql, *arguments)
    else:
        await session.execute(_SAVE, values)
    set_committed_value(convo, "updated_at", written)


_SAVE_TYPES = {
    "key_chat": _CONVERSATIONS.chat.type,
    "key_user": _CONVERSATIONS.user_id.type,
    "new_state": _CONVERSATIONS.state.type,
    "new_data": _CONVERSATIONS.data.type,
    "new_updated_at": _CONVERSATIONS.updated_at.type,
}


@lru_cache(maxsize=8)
def _save_compiled(
    dialect: Dialect,
) -> tuple[str, tuple[str, ...], tuple[Callable[[Any], Any] | None, ...]]:
    """_SAVE's SQL for this database, its parameters in order, and each one's conversion."""
    compiled = _SAVE.compile(dialect=dialect)
    order = tuple(compiled.positiontup or ())
    if set(order) != set(_SAVE_TYPES):
        raise RuntimeError(f"unexpected parameters of the conversation UPDATE: {order}")
    processors = tuple(
        _SAVE_TYPES[name].dialect_impl(dialect).bind_processor(dialect) for name in order
    )
    return compiled.string, order, processors


async def forget_idle(session: AsyncSession, before: datetime) -> int:
    """Delete dialogue state nobody touched since `before`; returns how many went."""
    result = await session.execute(delete(Conversation).where(Conversation.updated_at < before))
    return rowcount(result)


async def private_chats(session: AsyncSession, user_id: int) -> set[str]:
    """The chat addresses of the user's private chats (a group chat is not theirs alone)."""
    return set(
        await session.scalars(
            select(Conversation.chat).where(
                Conversation.user_id == user_id, Conversation.is_group.is_(False)
            )
        )
    )


async def reach(session: AsyncSession, user: User) -> str:
    """Where to write to this user unasked: their newest private chat with the bot (a Matrix
    DM room differs from the user id), else their own address (Telegram, terminal)."""
    chat = await session.scalar(
        select(Conversation.chat)
        .where(Conversation.user_id == user.id, Conversation.is_group.is_(False))
        .order_by(Conversation.updated_at.desc())
        .limit(1)
    )
    return chat or user.address


async def user_for_chat(session: AsyncSession, chat: str) -> User | None:
    """The person a private chat belongs to (for the language of a message sent there)."""
    user = await session.scalar(
        select(User)
        .join(Conversation, Conversation.user_id == User.id)
        .where(Conversation.chat == chat, Conversation.is_group.is_(False))
        .limit(1)
    )
    if user is not None:
        return user
    platform, _, platform_id = chat.partition(":")
    return await session.scalar(
        select(User).where(User.platform == platform, User.platform_id == platform_id)
    )
