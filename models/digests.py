"""The weekly digest ("Diese Woche in Ihrer Nähe") and the daily alerts about new offers.

Both are opt-in subscriptions keyed by the chat they go to. A person's digest follows their
home place and radius as they are when it is sent; a group chat's digest (switched on by the
group's admins) has a place of its own. The planners only queue outbox rows with a key per
subscription and day (`digest:<id>:<date>`, `alert:<id>:<date>`): running them again adds
nothing, and what the message says is decided when it is sent (handlers.digest,
handlers.alerts), so a quiet week sends nothing at all.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from places.geo import great_circle_km

from .base import Base, UTCDateTime
from .broadcast import DEFAULT_RATES, spread
from .moderation import Action, LogEntry
from .offers import Occurrence, Offer, OfferStatus
from .outbox import BULK, OutboxMessage, Outgoing, enqueue, not_paused
from .reminders import drop_queued
from .schedule import to_local, to_utc
from .users import User

log = logging.getLogger(__name__)
DIGEST, ALERT = "digest", "alert"  # outbox kinds
DEFAULT_WEEKDAY, DEFAULT_HOUR = 0, 9  # Monday, 09:00
DIGEST_HOURS = (7, 9, 12, 15, 18)  # times people may choose
DIGEST_AHEAD = timedelta(hours=1)  # queued this long before it is due
DIGEST_LATE = timedelta(hours=12)  # a Monday-morning digest may still go out Monday evening
ALERT_LATE = timedelta(hours=12)
ALERT_OVERLAP = timedelta(minutes=10)  # an offer published while the last check ran is not missed
MAX_ALERT_OFFERS = 10


class Digest(Base):
    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat: Mapped[str] = mapped_column(
        String(255), unique=True
    )  # where it goes: a private or a group chat
    # The person whose digest it is; NULL for a group chat's digest (the group's, not its admin's).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    weekday: Mapped[int] = mapped_column(Integer, default=DEFAULT_WEEKDAY)  # 0 = Monday
    hour: Mapped[int] = mapped_column(Integer, default=DEFAULT_HOUR)  # Berlin wall clock
    # A group's place (a person's digest uses their home place when it is sent).
    place_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    radius_km: Mapped[int] = mapped_column(Integer, default=10)
    language: Mapped[str] = mapped_column(String(8), default="de")  # a group's language
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    chat: Mapped[str] = mapped_column(String(255))
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every kind
    since: Mapped[datetime] = mapped_column(
        UTCDateTime
    )  # offers first published after this are new
    told: Mapped[list[int]] = mapped_column(
        JSON, default=list
    )  # the last bundle (the windows overlap)
    checked_on: Mapped[date | None] = mapped_column(
        Date, nullable=True
    )  # Berlin date of the last check


# --- digests --------------------------------------------------------------------------------


async def digest_for(session: AsyncSession, chat: str) -> Digest | None:
    return await session.scalar(select(Digest).where(Digest.chat == chat))


async def digest_of_user(session: AsyncSession, user_id: int) -> Digest | None:
    return await session.scalar(
        select(Digest).where(Digest.user_id == user_id).order_by(Digest.id).limit(1)
    )


async def save_digest(session: AsyncSession, digest: Digest, now: datetime) -> None:
    """After a change: what was queued under the old settings goes; a slot earlier than
    now is not sent this week (the person or group just chose it)."""
    digest.updated_at = now
    session.add(digest)
    await session.flush()
    await drop_queued(session, f"{DIGEST}:{digest.id}:")


async def stop_digest(session: AsyncSession, digest: Digest) -> None:
    await drop_queued(session, f"{DIGEST}:{digest.id}:")
    await session.delete(digest)


def digest_slot(day: date, hour: int) -> datetime:
    return to_utc(datetime.combine(day, time(hour)))


async def plan_digests(
    session: AsyncSession, now: datetime, rates: Mapping[str, float] = DEFAULT_RATES
) -> int:
    """Queue each digest whose weekly slot is due within the next hour, or was due within
    the last 12 hours (the bot was down), spread over the hours after the slot at the bulk
    rate (models.broadcast); returns rows added."""
    today = to_local(now).date()
    days = {(today + timedelta(days=d)).weekday(): today + timedelta(days=d) for d in (-1, 0, 1)}
    digests = await session.scalars(
        select(Digest).where(Digest.weekday.in_(list(days)), not_paused(Digest.chat))
    )
    messages = []
    for digest in digests:
        day = days[digest.weekday]
        slot = digest_slot(day, digest.hour)
        if slot > digest.updated_at and now - DIGEST_LATE < slot <= now + DIGEST_AHEAD:
            messages.append(
                Outgoing(
                    key=f"{DIGEST}:{digest.id}:{day.isoformat()}",
                    chat=digest.chat,
                    kind=DIGEST,
                    payload={"digest": digest.id},
                    due_at=slot,
                    too_late_at=slot + DIGEST_LATE,
                    priority=BULK,
                )
            )
    return await _enqueue_bulk(session, messages, now, rates, "weekly posts")


async def _enqueue_bulk(
    session: AsyncSession,
    messages: list[Outgoing],
    now: datetime,
    rates: Mapping[str, float],
    what: str,
) -> int:
    """Line the new ones (not queued yet) up after the bulk already queued, and queue them;
    warn the operator when some cannot go out in time at this rate."""
    if not messages:
        return 0
    queued = set(
        await session.scalars(
            select(OutboxMessage.key).where(OutboxMessage.key.in_([m.key for m in messages]))
        )
    )
    lined_up, late = await spread(session, [m for m in messages if m.key not in queued], rates)
    if late:
        log.warning(
            "%s: %d of %d cannot be sent before they are too late at %s messages a "
            "second; `nahbar outbox plan` shows the week (raise NAHBAR_BULK_SHARE, or "
            "spread the hours people choose)",
            what,
            late,
            len(lined_up),
            "/".join(f"{r:g}" for r in rates.values()),
        )
    return await enqueue(session, *lined_up, now=now)


# --- alerts ---------------------------------------------------------------------------------


async def alert_of(session: AsyncSession, user_id: int) -> Alert | None:
    return await session.scalar(select(Alert).where(Alert.user_id == user_id))


@dataclass(frozen=True, slots=True)
class NewOffer:
    id: int
    latitude: float
    longitude: float
    category: str
    owner_id: int | None
    first_published: datetime


def _first_published() -> ColumnElement[datetime]:
    """When residents could first see the offer: its first approval or direct publication, or
    its creation for offers that never went through moderation (imported ones)."""
    first_log = (
        select(func.min(LogEntry.at))
        .where(
            LogEntry.offer_id == Offer.id,
            LogEntry.action.in_([Action.APPROVED.value, Action.PUBLISHED.value]),
        )
        .scalar_subquery()
    )
    return func.coalesce(first_log, Offer.created_at)


async def new_offers(session: AsyncSession, since: datetime, now: datetime) -> list[NewOffer]:
    """Published offers with a coming date, first published after `since`."""
    first = _first_published().label("first")
    recently = or_(
        Offer.created_at > since,
        exists().where(
            LogEntry.offer_id == Offer.id,
            LogEntry.at > since,
            LogEntry.action.in_([Action.APPROVED.value, Action.PUBLISHED.value]),
        ),
    )
    rows = (
        await session.execute(
            select(
                Offer.id, Offer.latitude, Offer.longitude, Offer.category, Offer.owner_id, first
            ).where(
                Offer.status == OfferStatus.PUBLISHED,
                recently,
                exists().where(Occurrence.offer_id == Offer.id, Occurrence.starts_at > now),
            )
        )
    ).all()
    return [NewOffer(*row) for row in rows if row.first > since]


def matches(alert: Alert, user: User, offer: NewOffer) -> bool:
    if user.home_lat is None or user.home_lon is None:
        return False
    if offer.owner_id == user.id or offer.id in (alert.told or []):
        return False
    if offer.first_published <= alert.since - ALERT_OVERLAP:
        return False
    if alert.categories and offer.category not in alert.categories:
        return False
    return (
        great_circle_km(user.home_lat, user.home_lon, offer.latitude, offer.longitude)
        <= user.radius_km
    )


async def plan_alerts(
    session: AsyncSession, now: datetime, at: time, rates: Mapping[str, float] = DEFAULT_RATES
) -> int:
    """Once a day, from `at` (Berlin), bundle the new offers near each subscriber's home place
    in the kinds they chose into one message; returns messages queued."""
    today = to_local(now).date()
    if now < to_utc(datetime.combine(today, at)):
        return 0
    due = (
        await session.execute(
            select(Alert, User)
            .join(User, User.id == Alert.user_id)
            .where(
                or_(Alert.checked_on.is_(None), Alert.checked_on < today), not_paused(Alert.chat)
            )
        )
    ).all()
    if not due:
        return 0
    since = min(alert.since for alert, _ in due) - ALERT_OVERLAP
    candidates = await new_offers(session, since, now)
    messages = []
    for alert, user in due:
        found = []
        if user.home_lat is not None and user.home_lon is not None:
            found = [o for o in candidates if matches(alert, user, o)]
        if found:
            found.sort(key=lambda o: (o.first_published, o.id))
            ids = [o.id for o in found[:MAX_ALERT_OFFERS]]
            messages.append(
                Outgoing(
                    key=f"{ALERT}:{alert.id}:{today.isoformat()}",
                    chat=alert.chat,
                    kind=ALERT,
                    payload={"alert": alert.id, "offers": ids, "more": len(found) - len(ids)},
                    due_at=now,
                    too_late_at=now + ALERT_LATE,
                    priority=BULK,
                )
            )
            alert.told = ids
        alert.since, alert.checked_on = now, today
    return await _enqueue_bulk(session, messages, now, rates, "alerts")
