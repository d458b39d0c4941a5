"""Reminders residents asked for, their "I am coming" answers, and the notices about changes.

A `Reminder` says: remind this person (in this chat) of this offer, every time or on one date
only, the evening before and/or two hours before. The planner turns the coming dates into
outbox rows named `remind:<reminder>:<start UTC>:<lead>`, so it may run as often as it likes
without ever sending one twice; each row is due at its reminder time and too late at the
start of its gathering (a reminder delayed by downtime still goes out before the start, one
whose gathering has begun is dropped). What a reminder says is decided when it is sent
(handlers.reminders), so it shows the current time and place.

Changes an organiser makes (models.organising.OfferChange) become one notice per person with
a reminder for that offer, in the same transaction that marks the change notified.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    and_,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, rowcount
from .offers import Occurrence, Offer, OfferStatus
from .organising import ChangeKind, OfferChange
from .outbox import OutboxMessage, OutboxStatus, Outgoing, enqueue, not_paused
from .schedule import to_local, to_utc

EVENING = "eve"  # the evening before, at the configured hour (18:00 by default)
HOURS = "2h"  # two hours before the start
HOURS_BEFORE = timedelta(hours=2)
PLAN_AHEAD = timedelta(hours=48)  # gatherings starting this soon get their rows queued
KEEP_ANSWERS = timedelta(days=2)  # "I am coming" answers are forgotten this long after the start
REMIND, NOTICE = (
    "remind",
    "notice",
)  # outbox kinds (composers in handlers.reminders, handlers.change_notices)


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("user_id", "offer_id", name="uq_reminders_user_id_offer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    chat: Mapped[str] = mapped_column(
        String(255)
    )  # where the reminders go (a Matrix DM room ≠ user id)
    day: Mapped[date | None] = mapped_column(
        Date, nullable=True
    )  # only this local date; None: every time
    evening_before: Mapped[bool] = mapped_column(Boolean, default=False)
    hours_before: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def leads(self) -> tuple[str, ...]:
        return tuple(
            lead for lead, on in ((EVENING, self.evening_before), (HOURS, self.hours_before)) if on
        )


class Attendance(Base):
    """ "Ich komme" / "Diesmal nicht" for one date; organisers see only how many are coming."""

    __tablename__ = "attendance"
    __table_args__ = (Index("ix_attendance_offer_start", "offer_id", "starts_at"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    offer_id: Mapped[int] = mapped_column(
        ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    coming: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- when a reminder is due -----------------------------------------------------------------


def due_times(start: datetime, leads: Iterable[str], evening: time) -> list[tuple[str, datetime]]:
    """(lead, due UTC) for a gathering starting at `start` (UTC). The evening before is a wall
    clock time in Berlin (18:00 stays 18:00 across a daylight-saving change); two hours before
    is two real hours."""
    out = []
    for lead in leads:
        if lead == EVENING:
            day_before = to_local(start).date() - timedelta(days=1)
            out.append((lead, to_utc(datetime.combine(day_before, evening))))
        elif lead == HOURS:
            out.append((lead, start - HOURS_BEFORE))
    return out


def reminder_key(reminder_id: int, start: datetime, lead: str) -> str:
    return f"{REMIND}:{reminder_id}:{start.strftime('%Y-%m-%dT%H:%MZ')}:{lead}"


# --- residents' reminders -------------------------------------------------------------------


async def reminder_for(session: AsyncSession, user_id: int, offer_id: int) -> Reminder | None:
    return await session.scalar(
        select(Reminder).where(Reminder.user_id == user_id, Reminder.offer_id == offer_id)
    )


async def set_reminder(
    session: AsyncSession,
    *,
    user_id: int,
    offer_id: int,
    chat: str,
    day: date | None,
    evening_before: bool,
    hours_before: bool,
    now: datetime,
) -> Reminder:
    """Create or change the person's reminder for the offer (one per offer); rows already
    queued for the old choice go, the planner queues the new ones."""
    reminder = await reminder_for(session, user_id, offer_id)
    if reminder is None:
        reminder = Reminder(user_id=user_id, offer_id=offer_id)
        session.add(reminder)
    else:
        await drop_queued(session, f"{REMIND}:{reminder.id}:")
    reminder.chat, reminder.day = chat, day
    reminder.evening_before, reminder.hours_before = evening_before, hours_before
    reminder.created_at = now  # reminder times before this are not sent: the person was just here
    await session.flush()
    return reminder


async def cancel_reminder(session: AsyncSession, reminder: Reminder) -> None:
    await drop_queued(session, f"{REMIND}:{reminder.id}:")
    await session.delete(reminder)


@dataclass(frozen=True)
class Listed:
    reminder: Reminder
    offer: Offer
    next_start: datetime | None  # the next date this reminder is for


async def reminders_of(session: AsyncSession, user_id: int, now: datetime) -> list[Listed]:
    """The person's reminders with their offers, soonest next date first."""
    rows = (
        await session.execute(
            select(Reminder, Offer)
            .join(Offer, Offer.id == Reminder.offer_id)
            .where(Reminder.user_id == user_id)
            .order_by(Reminder.id)
        )
    ).all()
    if not rows:
        return []
    starts: dict[int, list[datetime]] = defaultdict(list)
    for offer_id, start in (
        await session.execute(
            select(Occurrence.offer_id, Occurrence.starts_at)
            .where(Occurrence.offer_id.in_([o.id for _, o in rows]), Occurrence.starts_at > now)
            .order_by(Occurrence.starts_at)
        )
    ).all():
        starts[offer_id].append(start)
    listed = []
    for reminder, offer in rows:
        mine = [
            s
            for s in starts[offer.id]
            if reminder.day is None or to_local(s).date() == reminder.day
        ]
        listed.append(Listed(reminder, offer, mine[0] if mine else None))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(listed, key=lambda item: (item.next_start or far, item.reminder.id))


async def count_for_offer(session: AsyncSession, offer_id: int) -> int:
    return (
        await session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.offer_id == offer_id)
        )
        or 0
    )


# --- "Ich komme" / "Diesmal nicht" ----------------------------------------------------------


async def occurrence_end(session: AsyncSession, offer_id: int, start: datetime) -> datetime | None:
    """The end of the offer's gathering starting at `start`, or None when there is none (any
    more)."""
    return await session.scalar(
        select(Occurrence.ends_at).where(
            Occurrence.offer_id == offer_id, Occurrence.starts_at == start
        )
    )


async def answer(
    session: AsyncSession,
    *,
    user_id: int,
    offer_id: int,
    start: datetime,
    coming: bool,
    now: datetime,
) -> None:
    row = await session.get(Attendance, (user_id, offer_id, start))
    if row is None:
        session.add(
            Attendance(
                user_id=user_id, offer_id=offer_id, starts_at=start, coming=coming, answered_at=now
            )
        )
    else:
        row.coming, row.answered_at = coming, now


async def answer_of(
    session: AsyncSession, user_id: int, offer_id: int, start: datetime
) -> bool | None:
    row = await session.get(Attendance, (user_id, offer_id, start))
    return None if row is None else row.coming


async def coming_count(session: AsyncSession, offer_id: int, start: datetime) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Attendance)
            .where(
                Attendance.offer_id == offer_id,
                Attendance.starts_at == start,
                Attendance.coming.is_(True),
            )
        )
        or 0
    )


# --- the planner ----------------------------------------------------------------------------


async def plan_reminders(
    session: AsyncSession,
    now: datetime,
    evening: time,
    *,
    ahead: timedelta = PLAN_AHEAD,
    only: Sequence[int] | None = None,
) -> int:
    """Queue the reminders for gatherings starting within `ahead` (all reminders, or `only`
    these); returns rows added. Already queued or sent ones are skipped by their key."""
    statement = (
        select(
            Reminder.id,
            Reminder.chat,
            Reminder.day,
            Reminder.evening_before,
            Reminder.hours_before,
            Reminder.created_at,
            Reminder.offer_id,
            Reminder.user_id,
            Occurrence.starts_at,
        )
        .join(Occurrence, Occurrence.offer_id == Reminder.offer_id)
        .join(Offer, Offer.id == Reminder.offer_id)
        .where(
            Offer.status == OfferStatus.PUBLISHED,
            Occurrence.starts_at > now,
            Occurrence.starts_at <= now + ahead,
            not_paused(Reminder.chat),
        )
    )
    if only is not None:
        statement = statement.where(Reminder.id.in_(list(only)))
    rows = (await session.execute(statement)).all()
    declined = await _declined(session, {(r.user_id, r.offer_id) for r in rows}, now, ahead)
    messages = []
    for r in rows:
        if r.day is not None and to_local(r.starts_at).date() != r.day:
            continue
        if (r.user_id, r.offer_id, r.starts_at) in declined:
            continue  # "Diesmal nicht": no further reminder for that date
        leads = [lead for lead, on in ((EVENING, r.evening_before), (HOURS, r.hours_before)) if on]
        for lead, due in due_times(r.starts_at, leads, evening):
            if due < r.created_at:
                continue  # asked for after this reminder's time: they have just seen the offer
            messages.append(
                Outgoing(
                    key=reminder_key(r.id, r.starts_at, lead),
                    chat=r.chat,
                    kind=REMIND,
                    payload={
                        "reminder": r.id,
                        "offer": r.offer_id,
                        "start": r.starts_at.isoformat(),
                        "lead": lead,
                    },
                    due_at=due,
                    too_late_at=r.starts_at,
                )
            )
    return await enqueue(session, *messages, now=now)


async def _declined(
    session: AsyncSession, pairs: set[tuple[int, int]], now: datetime, ahead: timedelta
) -> set[tuple[int, int, datetime]]:
    if not pairs:
        return set()
    offers = {offer_id for _, offer_id in pairs}
    rows = (
        await session.execute(
            select(Attendance.user_id, Attendance.offer_id, Attendance.starts_at).where(
                Attendance.offer_id.in_(list(offers)),
                Attendance.coming.is_(False),
                Attendance.starts_at > now,
                Attendance.starts_at <= now + ahead,
            )
        )
    ).all()
    return {(u, o, s) for u, o, s in rows if (u, o) in pairs}


async def forget_past(session: AsyncSession, now: datetime) -> int:
    """One-date reminders whose date is over, and answers about gatherings long gone."""
    yesterday = to_local(now).date() - timedelta(days=1)
    gone = await session.execute(
        delete(Reminder).where(Reminder.day.is_not(None), Reminder.day < yesterday)
    )
    await session.execute(delete(Attendance).where(Attendance.starts_at < now - KEEP_ANSWERS))
    return rowcount(gone)


async def drop_queued(session: AsyncSession, key_prefix: str) -> int:
    """Take back queued outbox rows whose key starts with the prefix (a changed choice)."""
    result = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.key.startswith(key_prefix, autoescape=True),
            OutboxMessage.status == OutboxStatus.QUEUED,
        )
    )
    return rowcount(result)


# --- notices about changes ------------------------------------------------------------------

_CANCELLATIONS = (ChangeKind.CANCELLED.value, ChangeKind.DATE_CANCELLED.value)
_ONE_DAY = (ChangeKind.DATE_CANCELLED.value, ChangeKind.DATE_RESTORED.value)


async def notify_changes(
    session: AsyncSession, now: datetime, offer_ids: Sequence[int] | None = None
) -> int:
    """Turn changes nobody was told about yet into one notice per reminder (the organiser's
    message included) and mark them notified; returns notices queued.

    A new time or place is not told when the offer is not public (any more); cancellations are
    always told. A date cancelled and let take place again before anyone was told is not told
    at all; one restored after the cancellation was told is told to everyone with a reminder for
    it and to everyone who was told of the cancellation (their one-date reminder is gone by
    then). Reminders that can never fire again (the series is cancelled, the one date they were
    for is cancelled) go afterwards. Call it before deleting an offer: the delete takes the
    changes and reminders with it.
    """
    statement = (
        select(OfferChange).where(OfferChange.notified_at.is_(None)).order_by(OfferChange.id)
    )
    if offer_ids is not None:
        statement = statement.where(OfferChange.offer_id.in_(list(offer_ids)))
    by_offer: dict[int, list[OfferChange]] = defaultdict(list)
    for change in await session.scalars(statement):
        by_offer[change.offer_id].append(change)
    queued = 0
    for offer_id, changes in by_offer.items():
        offer = await session.get(Offer, offer_id)
        if offer is None:
            continue
        told = [
            c
            for c in _net(changes)
            if c.kind in _CANCELLATIONS or offer.status is OfferStatus.PUBLISHED
        ]
        recipients: dict[
            str, tuple[int, str, list[OfferChange]]
        ] = {}  # chat -> (user, key, changes)
        for reminder in await session.scalars(
            select(Reminder).where(Reminder.offer_id == offer_id).where(not_paused(Reminder.chat))
        ):
            mine = [
                c
                for c in told
                if c.kind not in _ONE_DAY or reminder.day is None or reminder.day == c.day
            ]
            if mine:
                recipients[reminder.chat] = (
                    reminder.user_id,
                    f"{NOTICE}:{mine[0].id}:{reminder.id}",
                    mine,
                )
        for restored in (c for c in told if c.kind == ChangeKind.DATE_RESTORED.value):
            for chat, user_id in await _told_of_cancellation(session, offer_id, restored.day):
                if chat not in recipients:
                    recipients[chat] = (user_id, f"{NOTICE}:{restored.id}:{chat}", [restored])
        messages = [
            Outgoing(
                key=key[:200],
                chat=chat,
                kind=NOTICE,
                due_at=now,
                payload={
                    "offer": offer_id,
                    "title": offer.title,
                    "user": user_id,
                    "changes": [
                        {
                            "kind": c.kind,
                            "day": c.day.isoformat() if c.day else None,
                            "message": c.message,
                        }
                        for c in mine
                    ],
                },
            )
            for chat, (user_id, key, mine) in recipients.items()
        ]
        queued += await enqueue(session, *messages, now=now)
        await session.execute(
            update(OfferChange)
            .where(OfferChange.id.in_([c.id for c in changes]))
            .values(notified_at=now)
        )
        if any(c.kind == ChangeKind.CANCELLED.value for c in told):
            await _drop_reminders(session, Reminder.offer_id == offer_id)
        days = [c.day for c in told if c.kind == ChangeKind.DATE_CANCELLED.value and c.day]
        if days:
            await _drop_reminders(
                session, and_(Reminder.offer_id == offer_id, Reminder.day.in_(days))
            )
    return queued


def _net(changes: list[OfferChange]) -> list[OfferChange]:
    """The changes without each date cancelled and restored again before anyone was told."""
    dropped: set[int] = set()
    for restored in changes:
        if restored.kind != ChangeKind.DATE_RESTORED.value:
            continue
        earlier = [
            c
            for c in changes
            if c.id < restored.id
            and c.id not in dropped
            and c.day == restored.day
            and c.kind == ChangeKind.DATE_CANCELLED.value
        ]
        if earlier:
            dropped |= {earlier[-1].id, restored.id}
    return [c for c in changes if c.id not in dropped]


async def _told_of_cancellation(
    session: AsyncSession, offer_id: int, day: date | None
) -> list[tuple[str, int]]:
    """(chat, user id) of everyone a notice told that the offer does not take place on `day`."""
    cancellations = list(
        await session.scalars(
            select(OfferChange.id).where(
                OfferChange.offer_id == offer_id,
                OfferChange.kind == ChangeKind.DATE_CANCELLED.value,
                OfferChange.day == day,
                OfferChange.notified_at.is_not(None),
            )
        )
    )
    out: dict[str, int] = {}
    for change_id in cancellations:
        for chat, payload in (
            await session.execute(
                select(OutboxMessage.chat, OutboxMessage.payload).where(
                    OutboxMessage.key.startswith(f"{NOTICE}:{change_id}:", autoescape=True),
                    OutboxMessage.status != OutboxStatus.DROPPED,
                )
            )
        ).all():
            user = payload.get("user") if isinstance(payload, dict) else None
            if isinstance(user, int):
                out.setdefault(chat, user)
    return sorted(out.items())


async def _drop_reminders(session: AsyncSession, where: ColumnElement[bool]) -> None:
    for reminder in list(await session.scalars(select(Reminder).where(where))):
        await cancel_reminder(session, reminder)


async def last_reminded(
    session: AsyncSession, chat: str, now: datetime
) -> tuple[int, datetime] | None:
    """(offer id, start) of the newest reminder sent to this chat whose gathering has not begun:
    what a typed "Ich komme" answers on platforms without buttons."""
    payload = await session.scalar(
        select(OutboxMessage.payload)
        .where(
            OutboxMessage.chat == chat,
            OutboxMessage.kind == REMIND,
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.too_late_at > now,
        )
        .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
        .limit(1)
    )
    if not isinstance(payload, dict):
        return None
    try:
        return int(payload["offer"]), datetime.fromisoformat(payload["start"])
    except (TypeError, KeyError, ValueError):
        return None
