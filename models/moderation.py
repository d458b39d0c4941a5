"""Who may do what, and the audit trail of every moderation decision.

Rights are checked here, at the moment an action runs, from the database and the operator's
list of moderators (NAHBAR_MODERATORS): a button pressed by someone without the right, an old
button from before a right was taken away, or forged button data changes nothing.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, ForeignKey, String, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime
from .offers import Offer, OfferStatus
from .proposals import OfferProposal
from .users import User

INVITE_VALID = timedelta(hours=48)


class Trust(enum.StrEnum):
    NEW = "new"
    TRUSTED = "trusted"
    BLOCKED = "blocked"


class Action(enum.StrEnum):
    SUBMITTED = "submitted"
    PUBLISHED = "published"  # a trusted organiser published directly
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGE_REQUESTED = "change_requested"
    TRUSTED = "trusted"
    UNTRUSTED = "untrusted"
    BLOCKED = "blocked"
    UNBLOCKED = "unblocked"
    MODERATOR_INVITED = "moderator_invited"
    MODERATOR_JOINED = "moderator_joined"
    REFUSED = "refused"  # somebody without the right tried


class LogEntry(Base):
    """One decision: who (a moderator, or NULL once erased), what, about which offer or person."""

    __tablename__ = "moderation_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(32))
    offer_id: Mapped[int | None] = mapped_column(
        ForeignKey("offers.id", ondelete="SET NULL"), nullable=True
    )
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    note: Mapped[str] = mapped_column(String(500), default="")


class Invite(Base):
    """A one-time code a moderator hands to a new moderator (only its hash is kept)."""

    __tablename__ = "moderator_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class Rights:
    """The operator's moderators (chat addresses from the settings) plus those appointed in chat."""

    def __init__(self, moderator_addresses: frozenset[str] = frozenset()) -> None:
        self.addresses = frozenset(a.strip() for a in moderator_addresses if a.strip())

    def is_moderator(self, user: User | None) -> bool:
        return user is not None and (user.is_moderator or user.address in self.addresses)

    def publishes_directly(self, user: User) -> bool:
        return user.trust == Trust.TRUSTED.value or self.is_moderator(user)

    @staticmethod
    def is_blocked(user: User) -> bool:
        return user.trust == Trust.BLOCKED.value


def log(
    session: AsyncSession,
    actor: User | None,
    action: Action,
    *,
    offer_id: int | None = None,
    subject_id: int | None = None,
    note: str = "",
    now: datetime,
) -> None:
    session.add(
        LogEntry(
            at=now,
            actor_id=actor.id if actor else None,
            action=action.value,
            offer_id=offer_id,
            subject_id=subject_id,
            note=note[:500],
        )
    )


async def recent_log(session: AsyncSession, limit: int = 20) -> list[LogEntry]:
    return list(
        await session.scalars(
            select(LogEntry).order_by(LogEntry.at.desc(), LogEntry.id.desc()).limit(limit)
        )
    )


async def moderators(session: AsyncSession, rights: Rights) -> list[User]:
    """Everyone who moderates and has written to the bot (so we can reach them)."""
    address = User.platform.concat(":").concat(User.platform_id)
    condition: ColumnElement[bool] = User.is_moderator.is_(True)
    if rights.addresses:
        condition = or_(condition, address.in_(sorted(rights.addresses)))
    return list(await session.scalars(select(User).where(condition).order_by(User.id)))


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def new_invite(session: AsyncSession, by: User, now: datetime) -> str:
    code = "-".join(secrets.token_hex(2).upper() for _ in range(3))  # e.g. 3F2A-91C0-77DE
    session.add(Invite(code_hash=_hash(code), created_by=by.id, expires_at=now + INVITE_VALID))
    return code


async def redeem_invite(session: AsyncSession, code: str, user: User, now: datetime) -> bool:
    """Make `user` a moderator if the code is valid, unused and not expired."""
    if not 4 <= len(code) <= 40:
        return False
    invite = await session.scalar(select(Invite).where(Invite.code_hash == _hash(code)))
    if invite is None or invite.used_by is not None or invite.expires_at < now:
        return False
    invite.used_by = user.id
    user.is_moderator = True
    return True


async def waiting_offers(session: AsyncSession) -> list[Offer]:
    """Offers waiting for review, new ones and changes to approved ones (models.proposals),
    the longest-waiting first."""
    since = func.coalesce(OfferProposal.first_at, Offer.submitted_at)
    return list(
        await session.scalars(
            select(Offer)
            .outerjoin(OfferProposal, OfferProposal.offer_id == Offer.id)
            .where(or_(Offer.status == OfferStatus.PENDING, OfferProposal.offer_id.is_not(None)))
            .order_by(since.is_(None), since, Offer.id)
        )
    )


async def approvals_of(session: AsyncSession, user_id: int) -> int:
    """How many offers and changes of this organiser a moderator approved or they published
    while trusted: what the moderator sees instead of "new" once there are some."""
    return (
        await session.scalar(
            select(func.count())
            .select_from(LogEntry)
            .where(
                LogEntry.subject_id == user_id,
                LogEntry.action.in_([Action.APPROVED.value, Action.PUBLISHED.value]),
            )
        )
        or 0
    )


async def offers_of(
    session: AsyncSession, user_id: int, statuses: Iterable[OfferStatus]
) -> list[Offer]:
    return list(
        await session.scalars(
            select(Offer).where(Offer.owner_id == user_id, Offer.status.in_(list(statuses)))
        )
    )
