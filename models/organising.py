"""What organisers do with their offers: create, change, pause, cancel a date or the series,
restore a date, offer again, delete. Every change residents should hear about is recorded as
an `OfferChange`; the reminders send those notices to everyone who asked to be reminded.

Two promises to residents live here:

- A cancelled date stays cancelled. It is a calendar day in Berlin, kept in
  `Offer.cancelled_days`, apart from the exceptions the organiser writes into the schedule
  ("außer am 24.12."): a new time, a new rule ("dienstags und donnerstags" instead of
  "donnerstags"), a new text or a re-import never bring it back; while the day is listed the
  offer has no gathering on it, whatever its schedule. Only `restore_date` (the organiser, on
  purpose) does, and residents are told.
- A published offer stays visible while a change waits. An organiser a moderator does not
  trust yet changes an offer residents can see (or will see again after a pause): the change
  is kept as a proposal (models.proposals) and the approved version stays on show, in search,
  details, calendar files, reminders and digests, until a moderator approves it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, String, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from . import occurrences, proposals
from .base import Base, UTCDateTime
from .offers import Occurrence, Offer, OfferStatus
from .proposals import differences, values_of, wanted_values
from .schedule import to_local

SCHEDULE = ("starts_local", "duration_minutes", "rrule", "exdates")  # a change here is a new time
PLACE = ("latitude", "longitude", "venue_name", "address", "place_name")
# Approved versions residents see now, or again after a pause: changes to them wait for review.
APPROVED = (OfferStatus.PUBLISHED, OfferStatus.PAUSED)


class ChangeKind(enum.StrEnum):
    DATE_CANCELLED = "date_cancelled"
    DATE_RESTORED = "date_restored"
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


class Outcome(enum.StrEnum):
    SAVED = "saved"  # on show at once
    WAITING = "waiting"  # kept for a moderator; the approved version stays on show
    UNCHANGED = "unchanged"  # the wanted version is what is on show (a waiting change is dropped)


@dataclass(frozen=True)
class Owned:
    offer: Offer
    next_start: datetime | None


def record_change(
    session: AsyncSession,
    offer: Offer,
    kind: ChangeKind,
    now: datetime,
    *,
    day: date | None = None,
    message: str = "",
) -> None:
    session.add(
        OfferChange(offer_id=offer.id, at=now, kind=kind.value, day=day, message=message[:500])
    )


async def owned(session: AsyncSession, user_id: int) -> list[Owned]:
    """The user's offers, newest first, each with its next date (None when none is coming)."""
    offers = list(
        await session.scalars(
            select(Offer)
            .where(Offer.owner_id == user_id)
            .order_by(Offer.created_at.desc(), Offer.id.desc())
        )
    )
    if not offers:
        return []
    rows = await session.execute(
        select(Occurrence.offer_id, func.min(Occurrence.starts_at))
        .where(Occurrence.offer_id.in_([o.id for o in offers]))
        .group_by(Occurrence.offer_id)
    )
    nexts = dict(rows.all())
    return [Owned(o, nexts.get(o.id)) for o in offers]


async def owned_offer(session: AsyncSession, user_id: int, offer_id: int) -> Offer | None:
    """The offer, if this user owns it (checked now, not when a button was made)."""
    offer = await session.get(Offer, offer_id)
    return offer if offer is not None and offer.owner_id == user_id else None


async def earlier_venues(session: AsyncSession, user_id: int, limit: int = 4) -> list[Venue]:
    rows = await session.execute(
        select(
            Offer.venue_name,
            Offer.address,
            Offer.place_name,
            Offer.latitude,
            Offer.longitude,
            func.max(Offer.id).label("newest"),
        )
        .where(Offer.owner_id == user_id)
        .group_by(
            Offer.venue_name, Offer.address, Offer.place_name, Offer.latitude, Offer.longitude
        )
        .order_by(func.max(Offer.id).desc())
        .limit(limit)
    )
    return [Venue(newest, v, a, p, lat, lon) for v, a, p, lat, lon, newest in rows.all()]


async def last_contact(session: AsyncSession, user_id: int) -> tuple[str, str] | None:
    """(who invites, contact) of the user's newest offer that names either, to offer them again."""
    row = (
        await session.execute(
            select(Offer.organiser, Offer.contact)
            .where(Offer.owner_id == user_id, (Offer.organiser != "") | (Offer.contact != ""))
            .order_by(Offer.created_at.desc(), Offer.id.desc())
            .limit(1)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def submitted_since(session: AsyncSession, user_id: int, since: datetime) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Offer)
            .where(Offer.owner_id == user_id, Offer.created_at >= since)
        )
        or 0
    )


async def add_offer(session: AsyncSession, offer: Offer, now: datetime) -> Offer:
    session.add(offer)
    await session.flush()
    await occurrences.refresh(session, offer, now)
    return offer


async def set_status(
    session: AsyncSession, offer: Offer, status: OfferStatus, now: datetime
) -> None:
    offer.status = status
    if (
        status not in APPROVED
    ):  # rejected, cancelled, blocked: a waiting change has nothing to change
        await proposals.drop(session, offer.id)
    await occurrences.refresh(session, offer, now)


# --- changing the answers -----------------------------------------------------------------


async def change_offer(
    session: AsyncSession,
    offer: Offer,
    wanted: dict[str, Any],
    *,
    by: int | None,
    direct: bool,
    now: datetime,
    refresh: bool = True,
    waiting: bool | None = None,
) -> Outcome:
    """Bring the offer to the `wanted` version of its answers (models.proposals.EDITABLE).

    `direct`: the author's changes go on show at once (a trusted organiser, a moderator, an
    import without --review). Otherwise a change to an approved offer waits for a moderator
    and replaces an earlier waiting one; offers nobody can see yet are simply changed.
    `waiting`: whether a change waits already, if the caller knows (None: looked up).
    """
    if offer.status in APPROVED and not direct:
        changes = {column: new for column, (_, new) in differences(offer, wanted).items()}
        if not changes:
            await proposals.drop(session, offer.id)
            return Outcome.UNCHANGED
        await proposals.store(session, offer, changes, by=by, now=now)
        return Outcome.WAITING
    if waiting is not False:
        await proposals.drop(session, offer.id)
    changed = await apply_values(session, offer, wanted, now, refresh=refresh)
    return Outcome.SAVED if changed else Outcome.UNCHANGED


async def apply_values(
    session: AsyncSession,
    offer: Offer,
    wanted: dict[str, Any],
    now: datetime,
    *,
    refresh: bool = True,
) -> bool:
    """Put the wanted answers on show; a new time or place of a published offer is recorded for
    the people with reminders. The cancelled days stay as they are. True when anything changed.
    `refresh=False`: the caller rebuilds the occurrences (an import does so for all at once)."""
    changed = differences(offer, wanted)
    if not changed:
        return False
    for column, (_, new) in changed.items():
        setattr(offer, column, new)
    offer.updated_at = now
    if offer.status is OfferStatus.PUBLISHED:
        if _new_time(changed, offer.cancelled_dates):
            record_change(session, offer, ChangeKind.TIME, now)
        if changed.keys() & set(PLACE):
            record_change(session, offer, ChangeKind.PLACE, now)
    if refresh:
        await occurrences.refresh(session, offer, now)
    return True


def _new_time(changed: dict[str, tuple[Any, Any]], cancelled: frozenset[date]) -> bool:
    """Whether residents should hear of a new time: the rule changed, or its exceptions did on
    days that are not cancelled anyway (those have a notice of their own)."""
    if changed.keys() & (set(SCHEDULE) - {"exdates"}):
        return True
    old, new = changed.get("exdates", ([], []))
    return bool({date.fromisoformat(d) for d in set(old) ^ set(new)} - cancelled)


async def approve_change(session: AsyncSession, offer: Offer, now: datetime) -> bool:
    """A moderator approved the waiting change: it goes on show. False when none waits."""
    proposal = await proposals.proposal_for(session, offer.id)
    if proposal is None:
        return False
    wanted = {**values_of(offer), **wanted_values(proposal)}
    await proposals.drop(session, offer.id)
    await apply_values(session, offer, wanted, now)
    return True


async def editing_version(session: AsyncSession, offer: Offer) -> Offer:
    """What the organiser changes next: the waiting version if there is one (detached copy),
    else the offer itself."""
    proposal = await proposals.proposal_for(session, offer.id)
    return proposals.as_proposed(offer, proposal) if proposal is not None else offer


# --- cancelled dates ----------------------------------------------------------------------


async def cancel_date(
    session: AsyncSession,
    offer: Offer,
    day: date,
    message: str,
    now: datetime,
    *,
    refresh: bool = True,
) -> None:
    """Cancel the offer's gathering(s) on this Berlin calendar day, for good (see the module)."""
    offer.cancelled_days = sorted({*(offer.cancelled_days or []), day.isoformat()})
    if refresh:
        await occurrences.refresh(session, offer, now)
    record_change(session, offer, ChangeKind.DATE_CANCELLED, now, day=day, message=message)


async def restore_date(
    session: AsyncSession, offer: Offer, day: date, message: str, now: datetime
) -> bool:
    """The organiser lets a cancelled date take place after all; residents are told. False when
    the day is not cancelled."""
    iso = day.isoformat()
    if iso not in (offer.cancelled_days or []):
        return False
    offer.cancelled_days = [d for d in offer.cancelled_days if d != iso]
    await occurrences.refresh(session, offer, now)
    record_change(session, offer, ChangeKind.DATE_RESTORED, now, day=day, message=message)
    return True


def cancelled_upcoming(offer: Offer, now: datetime) -> list[tuple[date, datetime]]:
    """(day, start UTC) of the coming gatherings the schedule has but a cancellation takes away,
    soonest first: what "let it take place after all" offers. A cancelled day the schedule no
    longer has (the rule moved to another weekday) is not listed; it stays cancelled."""
    cancelled = offer.cancelled_dates
    if not cancelled:
        return []
    out: dict[date, datetime] = {}
    for start, _ in offer.rule_schedule.occurrences(now, now + occurrences.HORIZON):
        day = to_local(start).date()
        if day in cancelled and day not in out:
            out[day] = start
    return sorted(out.items())


async def told_cancelled(session: AsyncSession, offer_ids: list[int]) -> dict[int, datetime]:
    """offer id -> when residents were told it is cancelled altogether, for those that were."""
    out: dict[int, datetime] = {}
    for n in range(
        0, len(offer_ids), 500
    ):  # an import source may have many: stay below parameter limits
        rows = await session.execute(
            select(OfferChange.offer_id, func.max(OfferChange.at))
            .where(
                OfferChange.offer_id.in_(offer_ids[n : n + 500]),
                OfferChange.kind == ChangeKind.CANCELLED.value,
            )
            .group_by(OfferChange.offer_id)
        )
        out.update(rows.all())
    return out


async def cancel_series(session: AsyncSession, offer: Offer, message: str, now: datetime) -> None:
    await set_status(session, offer, OfferStatus.CANCELLED, now)
    record_change(session, offer, ChangeKind.CANCELLED, now, message=message)


def shown_days(offer: Offer, now: datetime) -> set[date]:
    """The local days of the coming gatherings residents can see now (none unless published)."""
    if offer.status is not OfferStatus.PUBLISHED:
        return set()
    return {
        to_local(start).date()
        for start, _ in offer.schedule.occurrences(now, now + occurrences.HORIZON)
    }


async def delete_offer(session: AsyncSession, offer: Offer) -> None:
    await session.execute(delete(Offer).where(Offer.id == offer.id))
