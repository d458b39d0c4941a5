"""The sending budget every process of one bot shares: a row per limit (the whole bot, each
chat, the bulk share), each holding when its next message may go.

Telegram counts what the bot sends, not what each process sends, so several workers must draw
on one budget. Each row is a GCRA ("generic cell rate algorithm") cell: `next_at` is the
theoretical arrival time of the next message; taking a slot moves it on by one interval in one
statement (an upsert with RETURNING), so two processes can never take the same slot, and the
caller waits until its slot comes. A burst of `burst` messages may go at once after a quiet
spell; after that one per interval.

Rows are keyed by `chat`: the platform for the whole bot ("telegram"), a chat address for a
chat ("telegram:12345"), and "<platform>/bulk" for the share weekly posts may use. A chat's row
holds nothing but a time and is forgotten a minute after its last message (`purge`); being
named `chat`, erasure (models.erasure) removes it with everything else about a person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Float, String, bindparam, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, rowcount

IDLE_AFTER = 60.0  # seconds after which an unused row is forgotten


class SendSlot(Base):
    __tablename__ = "send_budget"

    chat: Mapped[str] = mapped_column(String(255), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float)  # epoch seconds


def _insert(connection: AsyncConnection) -> Callable[..., Any]:
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


def _take(insert: Callable[..., Any]) -> Any:
    """take_slot's upsert for one database, with its values as parameters."""
    now, interval = bindparam("now", type_=Float), bindparam("interval", type_=Float)
    return (
        insert(SendSlot)
        .values(chat=bindparam("key"), next_at=now + interval)
        .on_conflict_do_update(
            index_elements=["chat"],
            set_={
                "next_at": case((SendSlot.next_at > now, SendSlot.next_at), else_=now) + interval
            },
        )
        .returning(SendSlot.next_at)
    )


# Built once: every message sent takes two or three slots, and building the statement each
# time cost more than running it (about 0.1 ms each, found with py-spy under `--only load`).
_TAKE = {postgresql.insert: _take(postgresql.insert), sqlite.insert: _take(sqlite.insert)}


async def take_slot(
    connection: AsyncConnection, key: str, now: float, interval: float, burst: int = 1
) -> tuple[float, float]:
    """Take the next slot of `key` (one message every `interval` seconds, `burst` at once after
    a pause); returns when that message may go (epoch seconds, `now` or later) and when the
    next slot after it comes."""
    statement = _TAKE[_insert(connection)]
    values = {"key": key, "now": now, "interval": interval}
    following = (await connection.execute(statement, values)).scalar_one()
    tolerance = (burst - 1) * interval
    return max(now, following - interval - tolerance), max(now, following - tolerance)


async def hold_until(connection: AsyncConnection, key: str, until: float) -> None:
    """Nothing under `key` goes before `until` (the platform said "retry after")."""
    await connection.execute(
        _insert(connection)(SendSlot)
        .values(chat=key, next_at=until)
        .on_conflict_do_update(
            index_elements=["chat"],
            set_={"next_at": case((SendSlot.next_at > until, SendSlot.next_at), else_=until)},
        )
    )


async def free_at(connection: AsyncConnection, key: str) -> float | None:
    """When the next slot of `key` comes (None: no row, free now); takes nothing."""
    return await connection.scalar(select(SendSlot.next_at).where(SendSlot.chat == key))


async def purge(connection: AsyncConnection, now: float) -> int:
    """Forget rows unused for a minute (a chat's row is back to a full burst by then)."""
    result = await connection.execute(delete(SendSlot).where(SendSlot.next_at < now - IDLE_AFTER))
    return rowcount(result)
