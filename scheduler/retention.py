"""How long what is kept: the nightly job forgets what nobody needs any more.

Defaults match what /datenschutz tells people (unfinished dialogues 30 days, everything else
18 months without a message); operators may shorten or lengthen them (bot.settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.rrule import rrule, rrulestr
from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Offer, OfferStatus
from models.schedule import to_utc


@dataclass(frozen=True)
class Retention:
    dialogue: timedelta = timedelta(days=30)  # a search nobody continued
    idle_user: timedelta = timedelta(days=548)  # about 18 months without a single message
    ended_offer: timedelta = timedelta(days=90)  # after its last date, or after cancellation
    outbox: timedelta = timedelta(days=30)  # sent, dropped and parked messages


# Offers that never reach people are forgotten once untouched this long; pending ones wait for
# a moderator and published ones go when their schedule has ended.
_UNLISTED = (OfferStatus.CANCELLED, OfferStatus.REJECTED, OfferStatus.DRAFT)


def _bounds(rule: rrule) -> tuple[datetime | None, int | None]:
    """UNTIL and COUNT of a rule: dateutil keeps them in attributes its type stubs leave out."""
    return rule.__dict__["_until"], rule.__dict__["_count"]


def last_end(offer: Offer) -> datetime | None:
    """When the offer's last gathering ends (UTC), or None when it repeats without end."""
    duration = timedelta(minutes=offer.duration_minutes)
    if not offer.rrule:
        return to_utc(offer.starts_local + duration)
    try:
        rule = rrulestr(offer.rrule, dtstart=offer.starts_local)
    except (ValueError, TypeError):
        return None  # unreadable rules are the editor's problem, not a reason to delete
    if not isinstance(rule, rrule):
        return None
    until, count = _bounds(rule)
    last: datetime | None
    if count is not None:
        last = rule[-1]
    elif until is not None:
        last = rule.before(until, inc=True)
    else:
        return None
    return None if last is None else to_utc(last + duration)


async def purge_ended_offers(session: AsyncSession, now: datetime, keep: timedelta) -> int:
    """Delete offers whose last date ended, or that were withdrawn, more than `keep` ago;
    their occurrences go with them (ON DELETE CASCADE)."""
    cutoff = now - keep
    candidates = await session.scalars(
        select(Offer).where(
            Offer.updated_at < cutoff,  # an offer edited since cannot have ended that long ago
            or_(Offer.status.in_(_UNLISTED), Offer.status == OfferStatus.PUBLISHED),
        )
    )
    doomed = []
    for offer in candidates:
        if offer.status in _UNLISTED:
            doomed.append(offer.id)
        else:
            end = last_end(offer)
            if end is not None and end < cutoff:
                doomed.append(offer.id)
    for start in range(0, len(doomed), 500):
        await session.execute(delete(Offer).where(Offer.id.in_(doomed[start : start + 500])))
    return len(doomed)
