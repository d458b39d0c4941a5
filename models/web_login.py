"""One-time login links to the coordinators' web pages, and the sessions they open.

The chat sends a link with a random token (secrets.token_urlsafe); only the token's SHA-256 is
stored, it works once and for LINK_VALID. Opening it starts a session whose random id goes
into an HttpOnly, SameSite=Strict cookie; again only its hash is stored. Rights are not kept in
the session: every page asks models.coordination at that moment what the person may see.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime
from .users import User

LINK_VALID = timedelta(minutes=15)
SESSION_VALID = timedelta(hours=8)
MAX_TOKEN = 100  # longer tokens are not ours


class LoginLink(Base):
    __tablename__ = "login_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebSession(Base):
    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_link(session: AsyncSession, user: User, now: datetime) -> str:
    """A fresh token for `user` (the caller puts it into the link it sends)."""
    token = secrets.token_urlsafe(32)
    session.add(LoginLink(token_hash=_hash(token), user_id=user.id, expires_at=now + LINK_VALID))
    return token


async def use_link(session: AsyncSession, token: str, now: datetime) -> tuple[str, User] | None:
    """Spend a token: a new session id and its person, or None (unknown, used, expired)."""
    if not token or len(token) > MAX_TOKEN:
        return None
    link = await session.get(LoginLink, _hash(token), with_for_update=True)
    if link is None or link.used_at is not None or link.expires_at < now:
        return None
    link.used_at = now
    user = await session.get(User, link.user_id)
    if user is None:
        return None
    session_id = secrets.token_urlsafe(32)
    session.add(
        WebSession(id_hash=_hash(session_id), user_id=user.id, expires_at=now + SESSION_VALID)
    )
    return session_id, user


async def session_user(session: AsyncSession, session_id: str | None, now: datetime) -> User | None:
    if not session_id or len(session_id) > MAX_TOKEN:
        return None
    row = await session.get(WebSession, _hash(session_id))
    if row is None or row.expires_at < now:
        return None
    return await session.get(User, row.user_id)


async def end_session(session: AsyncSession, session_id: str | None) -> None:
    if session_id and len(session_id) <= MAX_TOKEN:
        await session.execute(delete(WebSession).where(WebSession.id_hash == _hash(session_id)))


async def forget_expired(session: AsyncSession, now: datetime) -> None:
    """Links and sessions past their time (maintenance)."""
    await session.execute(delete(LoginLink).where(LoginLink.expires_at < now))
    await session.execute(delete(WebSession).where(WebSession.expires_at < now))
