"""What residents may see of offers: the reads the conversation needs, in one place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .offers import Occurrence, Offer, OfferStatus

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; larger ones cannot exist


def valid_id(value: object) -> int | None:
    """An id typed or sent by a button, if it can exist at all (digits only, in range)."""
    if not isinstance(value, str) or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


async def visible_offer(session: AsyncSession, offer_id: int) -> Offer | None:
    """A published offer, or None for one that does not exist or is not public."""
    offer = await session.get(Offer, offer_id)
    if offer is None or offer.status is not OfferStatus.PUBLISHED:
        return None
    return offer


async def next_dates(
    session: AsyncSession, offer_id: int, now: datetime, limit: int
) -> list[tuple[datetime, datetime]]:
    """(start, end) of the offer's coming (or still running) dates, soonest first."""
    rows = await session.execute(
        select(Occurrence.starts_at, Occurrence.ends_at)
        .where(Occurrence.offer_id == offer_id, Occurrence.ends_at > now)
        .order_by(Occurrence.starts_at)
        .limit(limit)
    )
    return [(start, end) for start, end in rows.all()]


async def owned_count(session: AsyncSession, user_id: int) -> int:
    return (
        await session.scalar(
            select(func.count()).select_from(Offer).where(Offer.owner_id == user_id)
        )
        or 0
    )
