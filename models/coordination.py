"""Coordinators: who may see the picture of a district or the whole state (/lage, the web
face's /koordination), appointed by the operator (NAHBAR_COORDINATORS) or by invitation.

A coordinator is limited to one district (Landkreis, by its five-digit key) or sees the whole
state (district ""). The right is checked whenever something is shown, from the settings and
the database, so a coordinator removed today sees nothing tomorrow, even through an old link.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime
from .users import User

INVITE_VALID = timedelta(hours=48)
WHOLE_STATE = ""  # the district of a coordinator who sees everything


class Coordinator(Base):
    """A person appointed in chat (with an invitation code), for one district or the state."""

    __tablename__ = "coordinators"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    district: Mapped[str] = mapped_column(String(5), default=WHOLE_STATE)  # "15085" or "" (state)
    since: Mapped[datetime] = mapped_column(UTCDateTime)


class CoordinatorInvite(Base):
    """A one-time code for a new coordinator (only its hash is kept), for a district or all."""

    __tablename__ = "coordinator_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    district: Mapped[str] = mapped_column(String(5), default=WHOLE_STATE)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


@dataclass(frozen=True)
class Scope:
    """What a coordinator may see: one district ("15085") or the whole state ("")."""

    district: str = WHOLE_STATE

    @property
    def whole_state(self) -> bool:
        return self.district == WHOLE_STATE

    def covers(self, ags: str) -> bool:
        """Whether a municipality (AGS) or district key lies in this scope."""
        return self.whole_state or ags[:5] == self.district

    def within(self, other: Scope) -> bool:
        return other.whole_state or self.district == other.district


@dataclass(frozen=True)
class CoordinatorList:
    """The operator's coordinators: chat address -> district key ("" for the whole state).
    NAHBAR_COORDINATORS lists addresses, each optionally followed by "=District"."""

    addresses: dict[str, str] = field(default_factory=dict)


async def scope_of(
    session: AsyncSession, listed: CoordinatorList, user: User | None
) -> Scope | None:
    """What this person may see as a coordinator now; None if they are none."""
    if user is None:
        return None
    if user.address in listed.addresses:
        return Scope(listed.addresses[user.address])
    row = await session.get(Coordinator, user.id)
    return Scope(row.district) if row is not None else None


def _hash(code: str) -> str:
    return hashlib.sha256(("coordinator:" + code.strip().upper()).encode()).hexdigest()


def new_invite(session: AsyncSession, by: User, district: str, now: datetime) -> str:
    code = "-".join(secrets.token_hex(2).upper() for _ in range(3))
    session.add(
        CoordinatorInvite(
            code_hash=_hash(code),
            district=district,
            created_by=by.id,
            expires_at=now + INVITE_VALID,
        )
    )
    return code


async def redeem_invite(
    session: AsyncSession, code: str, user: User, now: datetime
) -> Scope | None:
    """Make `user` a coordinator if the code is valid, unused and not expired."""
    if not 4 <= len(code) <= 40:
        return None
    invite = await session.scalar(
        select(CoordinatorInvite).where(CoordinatorInvite.code_hash == _hash(code))
    )
    if invite is None or invite.used_by is not None or invite.expires_at < now:
        return None
    invite.used_by = user.id
    row = await session.get(Coordinator, user.id)
    if row is None:
        session.add(Coordinator(user_id=user.id, district=invite.district, since=now))
    elif not Scope(invite.district).within(Scope(row.district)):
        row.district = WHOLE_STATE if Scope(invite.district).whole_state else invite.district
    return Scope(invite.district)
