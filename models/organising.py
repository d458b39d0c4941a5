"""What organisers do with their offers: create, change, pause, cancel a date or the series,
offer again, delete. Every change residents should hear about is recorded as an
`OfferChange`; the reminders send those notices to everyone who asked to be reminded."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from . import occurrences
from .base import Base, UTCDateTime
from .offers import Occurrence, Offer, OfferStatus


class ChangeKind(str, enum.Enum):
    DATE_CANCELLED = "date_cancelled"
    CANCELLED = "cancelled"
    TIME = "time"
    PLACE = "place"


class OfferChange(Base):
    """A change to an offer that people who planned to come should hear about, once."""

    __tablename__ = "offer_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(24))
    day: Mapped[date | None] = mapped_column(Date, nullable=True)  # the cancelled date
    message: Mapped[str] = mapped_column(String(500), default="")  # the organiser's words
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


@dataclass(frozen=True)
class Venue:
    offer_id: int  # the newest offer at this place (buttons name it; ownership is checked again)
    venue_name: str
    address: str
    place_name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Owned:
    offer: Offer
    next_start: datetime | None


def record_change(session: AsyncSession, offer: Offer, kind: ChangeKind, now: datetime, *,
                  day: date | None = None, message: str = "") -> None:
    session.add(OfferChange(offer_id=offer.id, at=now, kind=kind.value, day=day, message=message[:500]))


async def owned(session: AsyncSession, user_id: int) -> list[Owned]:
    """The user's offers, newest first, each with its next date (None when none is coming)."""
    offers = list(await session.scalars(select(Offer).where(Offer.owner_id == user_id)
                                        .order_by(Offer.created_at.desc(), Offer.id.desc())))
    if not offers:
        return []
    rows = await session.execute(select(Occurrence.offer_id, func.min(Occurrence.starts_at))
                                 .where(Occurrence.offer_id.in_([o.id for o in offers]))
                                 .group_by(Occurrence.offer_id))
    nexts = {offer_id: start for offer_id, start in rows.all()}
    return [Owned(o, nexts.get(o.id)) for o in offers]


async def owned_offer(session: AsyncSession, user_id: int, offer_id: int) -> Offer | None:
    """The offer, if this user owns it (checked now, not when a button was made)."""
    offer = await session.get(Offer, offer_id)
    return offer if offer is not None and offer.owner_id == user_id else None


async def earlier_venues(session: AsyncSession, user_id: int, limit: int = 4) -> list[Venue]:
    rows = await session.execute(
        select(Offer.venue_name, Offer.address, Offer.place_name, Offer.latitude, Offer.longitude,
               func.max(Offer.id).label("newest"))
        .where(Offer.owner_id == user_id)
        .group_by(Offer.venue_name, Offer.address, Offer.place_name, Offer.latitude, Offer.longitude)
        .order_by(func.max(Offer.id).desc()).limit(limit))
    return [Venue(newest, v, a, p, lat, lon) for v, a, p, lat, lon, newest in rows.all()]


async def last_contact(session: AsyncSession, user_id: int) -> tuple[str, str] | None:
    """(who invites, contact) of the user's newest offer that names either, to offer them again."""
    row = (await session.execute(
        select(Offer.organiser, Offer.contact)
        .where(Offer.owner_id == user_id, (Offer.organiser != "") | (Offer.contact != ""))
        .order_by(Offer.created_at.desc(), Offer.id.desc()).limit(1))).first()
    return (row[0], row[1]) if row else None


async def submitted_since(session: AsyncSession, user_id: int, since: datetime) -> int:
    return await session.scalar(select(func.count()).select_from(Offer).where(
        Offer.owner_id == user_id, Offer.created_at >= since)) or 0


async def add_offer(session: AsyncSession, offer: Offer, now: datetime) -> Offer:
    session.add(offer)
    await session.flush()
    await occurrences.refresh(session, offer, now)
    return offer


async def set_status(session: AsyncSession, offer: Offer, status: OfferStatus, now: datetime) -> None:
    offer.status = status
    await occurrences.refresh(session, offer, now)


async def cancel_date(session: AsyncSession, offer: Offer, day: date, message: str, now: datetime) -> None:
    offer.exdates = sorted({*(offer.exdates or []), day.isoformat()})
    await occurrences.refresh(session, offer, now)
    record_change(session, offer, ChangeKind.DATE_CANCELLED, now, day=day, message=message)


async def cancel_series(session: AsyncSession, offer: Offer, message: str, now: datetime) -> None:
    await set_status(session, offer, OfferStatus.CANCELLED, now)
    record_change(session, offer, ChangeKind.CANCELLED, now, message=message)


async def delete_offer(session: AsyncSession, offer: Offer) -> None:
    await session.execute(delete(Offer).where(Offer.id == offer.id))
