""" "Nicht allein hingehen": residents who would rather not go to a meeting alone, and the
volunteers (Begleiterinnen und Begleiter) coordinators registered for their municipality.

What each side learns, step by step (handlers.companions asks for every consent):
  1. a resident asks for company to one date of an offer: volunteers of the offer's
     municipality see only the municipality, the offer and the date;
  2. a volunteer agrees and gives a first name; the resident is asked whether they agree;
  3. the resident agrees and gives a first name: both get the other's first name and the
     meeting point, the entrance of the venue ten minutes before the start — never a home.
Either side may withdraw or report at any time; coordinators may block. The organiser sees a
count only. First names go when a request ends (withdrawn, blocked), the whole request a day
after its date (maintenance), and everything with /loeschen.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, Index, String, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, rowcount
from .users import User

INVITE_VALID = timedelta(hours=48)
MEET_BEFORE = timedelta(minutes=10)
KEEP_AFTER = timedelta(days=1)  # a request goes this long after its date began


class Status(enum.StrEnum):
    ASKED = "asked"  # waiting for a volunteer
    OFFERED = "offered"  # a volunteer agreed; waiting for the resident's consent
    AGREED = "agreed"  # both agreed: first names and meeting point shared
    WITHDRAWN = "withdrawn"  # by either side
    BLOCKED = "blocked"  # a coordinator stopped it


OPEN = (Status.ASKED.value, Status.OFFERED.value, Status.AGREED.value)


class Companion(Base):
    """A volunteer who goes along, for one municipality."""

    __tablename__ = "companions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    ags: Mapped[str] = mapped_column(String(8), index=True)
    registered_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)


class CompanionInvite(Base):
    """A one-time code a coordinator hands to a new volunteer (only its hash is kept)."""

    __tablename__ = "companion_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    ags: Mapped[str] = mapped_column(String(8))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class CompanionRequest(Base):
    """A resident's wish for company to one date of an offer."""

    __tablename__ = "companion_requests"
    __table_args__ = (Index("ix_companion_requests_offer", "offer_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ags: Mapped[str] = mapped_column(String(8), index=True)  # the offer's municipality
    status: Mapped[str] = mapped_column(String(16), default=Status.ASKED.value)
    companion_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # First names, only as long as the request is open; erased with either person.
    resident_name: Mapped[str] = mapped_column(String(40), default="", info={"personal": True})
    companion_name: Mapped[str] = mapped_column(String(40), default="", info={"personal": True})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CompanionReport(Base):
    """Someone reported the other side of a request; coordinators see it and may block."""

    __tablename__ = "companion_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("companion_requests.id", ondelete="SET NULL"), nullable=True
    )
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    reported_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    ags: Mapped[str] = mapped_column(String(8), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    handled: Mapped[bool] = mapped_column(Boolean, default=False)


class CompanionBlock(Base):
    """A person a coordinator stopped from asking for or giving company."""

    __tablename__ = "companion_blocks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)


def _hash(code: str) -> str:
    return hashlib.sha256(("companion:" + code.strip().upper()).encode()).hexdigest()


def new_invite(session: AsyncSession, by: User, ags: str, now: datetime) -> str:
    code = "-".join(secrets.token_hex(2).upper() for _ in range(3))
    session.add(
        CompanionInvite(
            code_hash=_hash(code), ags=ags, created_by=by.id, expires_at=now + INVITE_VALID
        )
    )
    return code


async def redeem_invite(session: AsyncSession, code: str, user: User, now: datetime) -> str | None:
    """Register `user` as a volunteer for the code's municipality; its AGS, or None."""
    if not 4 <= len(code) <= 40 or await is_blocked(session, user.id):
        return None
    invite = await session.scalar(
        select(CompanionInvite).where(CompanionInvite.code_hash == _hash(code))
    )
    if invite is None or invite.used_by is not None or invite.expires_at < now:
        return None
    invite.used_by = user.id
    row = await session.scalar(select(Companion).where(Companion.user_id == user.id))
    if row is None:
        session.add(
            Companion(user_id=user.id, ags=invite.ags, registered_by=invite.created_by, since=now)
        )
    else:
        row.ags = invite.ags
    return invite.ags


async def is_blocked(session: AsyncSession, user_id: int) -> bool:
    return await session.get(CompanionBlock, user_id) is not None


async def volunteer(session: AsyncSession, user_id: int) -> Companion | None:
    row = await session.scalar(select(Companion).where(Companion.user_id == user_id))
    return row if row is not None and not row.blocked else None


async def volunteers_for(session: AsyncSession, ags: str) -> list[Companion]:
    return list(
        await session.scalars(
            select(Companion)
            .where(Companion.ags == ags, Companion.blocked.is_(False))
            .order_by(Companion.id)
        )
    )


async def open_request(
    session: AsyncSession, resident_id: int, offer_id: int, starts_at: datetime
) -> CompanionRequest | None:
    return await session.scalar(
        select(CompanionRequest).where(
            CompanionRequest.resident_id == resident_id,
            CompanionRequest.offer_id == offer_id,
            CompanionRequest.starts_at == starts_at,
            CompanionRequest.status.in_(OPEN),
        )
    )


def close(request: CompanionRequest, status: Status, now: datetime) -> None:
    """End a request; the first names go with it."""
    request.status = status.value
    request.resident_name = request.companion_name = ""
    request.updated_at = now


async def waiting_count(session: AsyncSession, offer_id: int, now: datetime) -> int:
    """How many want to be welcomed at the door of this offer's coming dates (all the
    organiser learns)."""
    return (
        await session.scalar(
            select(func.count())
            .select_from(CompanionRequest)
            .where(
                CompanionRequest.offer_id == offer_id,
                CompanionRequest.starts_at >= now,
                CompanionRequest.status.in_(OPEN),
            )
        )
        or 0
    )


async def forget_past(session: AsyncSession, now: datetime) -> int:
    """Requests whose date is over (a day after its start), with their first names: nobody
    needs them any more (maintenance). Returns how many went."""
    done = await session.execute(
        delete(CompanionRequest).where(CompanionRequest.starts_at < now - KEEP_AFTER)
    )
    return rowcount(done)


async def reports_in(
    session: AsyncSession, scope_covers: Callable[[str], bool], limit: int = 20
) -> list[CompanionReport]:
    rows = await session.scalars(
        select(CompanionReport)
        .where(CompanionReport.handled.is_(False))
        .order_by(CompanionReport.at.desc())
        .limit(200)
    )
    return [r for r in rows if scope_covers(r.ags)][:limit]
