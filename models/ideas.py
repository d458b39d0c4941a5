"""The idea pool: small meeting formats anyone can start, kept by the moderators in chat.

Each idea has a German title and text and, optionally, English ones (German is shown where the
English is missing), a kind (models.categories) that a new offer started from it takes over,
a place in the order, and a hidden flag instead of deletion, so an idea can come back. Who
changed it last is kept (and cleared when that moderator's data is erased).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, Select, String, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime
from .users import User

TITLE_LENGTH, TEXT_LENGTH = 120, 1500  # as an offer's title and description, which they become


class Idea(Base):
    __tablename__ = "ideas"

    id: Mapped[int] = mapped_column(primary_key=True)
    emoji: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))  # a models.categories key
    title_de: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    text_de: Mapped[str] = mapped_column(String(TEXT_LENGTH))
    title_en: Mapped[str] = mapped_column(String(TITLE_LENGTH), default="", server_default="")
    text_en: Mapped[str] = mapped_column(String(TEXT_LENGTH), default="", server_default="")
    position: Mapped[int] = mapped_column(Integer)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    changed_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def title(self, language: str) -> str:
        return (self.title_en if language == "en" else "") or self.title_de

    def text(self, language: str) -> str:
        return (self.text_en if language == "en" else "") or self.text_de


def _in_order() -> Select[Idea]:
    return select(Idea).order_by(Idea.position, Idea.id)


async def visible_ideas(session: AsyncSession) -> list[Idea]:
    return list(await session.scalars(_in_order().where(Idea.hidden.is_(False))))


async def all_ideas(session: AsyncSession) -> list[Idea]:
    return list(await session.scalars(_in_order()))


async def visible_idea(session: AsyncSession, idea_id: int) -> Idea | None:
    idea = await session.get(Idea, idea_id)
    return idea if idea is not None and not idea.hidden else None


def touch(idea: Idea, by: User, now: datetime) -> None:
    idea.changed_by, idea.changed_at = by.id, now


async def add_idea(
    session: AsyncSession,
    *,
    emoji: str,
    category: str,
    title_de: str,
    text_de: str,
    title_en: str = "",
    text_en: str = "",
    by: User,
    now: datetime,
) -> Idea:
    """A new idea at the end of the pool."""
    last = await session.scalar(select(func.max(Idea.position)))
    idea = Idea(
        emoji=emoji,
        category=category,
        title_de=title_de,
        text_de=text_de,
        title_en=title_en,
        text_en=text_en,
        position=(last or 0) + 1,
        hidden=False,
    )
    touch(idea, by, now)
    session.add(idea)
    await session.flush()
    return idea


async def move(session: AsyncSession, idea: Idea, steps: int, by: User, now: datetime) -> int:
    """Move `idea` up (negative) or down the order; its new place, counted from 1.

    The whole order is numbered afresh, so equal or missing positions (two moderators adding at
    once) sort themselves out. Rows are locked on PostgreSQL so two moves do not interleave.
    """
    ideas = list(await session.scalars(_in_order().with_for_update()))
    old = ideas.index(idea)  # the same object: the session keeps one per row
    new = max(0, min(len(ideas) - 1, old + steps))
    ideas.insert(new, ideas.pop(old))
    for number, each in enumerate(ideas, start=1):
        each.position = number
    touch(idea, by, now)
    return new + 1
