"""What the public doors outside the chat read (web pages, calendar and RSS feeds, the printed
notice): published offers near a point, each with its coming dates, and what changed. Only
published offers; nothing about the people who use the bot.

The list is the chat's nearby search (models.search) with the same filters, so a place page
shows what the chat would show there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from places.geo import great_circle_km

from .geo import bounding_box
from .offers import Occurrence, Offer, OfferStatus
from .organising import ChangeKind, OfferChange
from .search import Hit, Query, nearby, step_free

KEEP_CANCELLED = timedelta(days=30)  # a cancelled offer stays in feeds, marked, this long


@dataclass(frozen=True)
class Area:
    """Where and what to list: a point with a radius, a time span and the filters people set."""

    lat: float
    lon: float
    radius_km: float
    start: datetime
    end: datetime
    categories: frozenset[str] = frozenset()
    step_free: bool = False

    def query(self) -> Query:
        q = Query(
            lat=self.lat,
            lon=self.lon,
            radius_km=self.radius_km,
            start=self.start,
            end=self.end,
            categories=self.categories,
            once_per_offer=True,
        )
        return step_free(q) if self.step_free else q


@dataclass
class Listed:
    """An offer as listed publicly: the offer, its distance, its coming dates in the span."""

    offer: Offer
    distance_km: float
    dates: list[tuple[datetime, datetime]]
    sequence: int = 0  # changes residents were told of (iCalendar SEQUENCE)
    cancelled_days: list[date] = field(default_factory=list)  # single dates called off


async def coming(
    session: AsyncSession, area: Area, limit: int = 50, dates_per_offer: int = 3
) -> list[Listed]:
    """Published offers with a date in the span, soonest first, each with up to
    `dates_per_offer` of its dates in the span."""
    hits: list[Hit] = await nearby(session, area.query(), limit=limit)
    if not hits:
        return []
    ids = [h.offer_id for h in hits]
    offers = {o.id: o for o in await session.scalars(select(Offer).where(Offer.id.in_(ids)))}
    # One date each is the hit itself: no second statement.
    dates = (
        await _dates(session, ids, area.start, area.end, dates_per_offer)
        if dates_per_offer > 1
        else {}
    )
    out = []
    for hit in hits:
        offer = offers.get(hit.offer_id)
        if offer is not None and offer.status is OfferStatus.PUBLISHED:
            out.append(
                Listed(
                    offer, hit.distance_km, dates.get(offer.id) or [(hit.starts_at, hit.ends_at)]
                )
            )
    return out


async def _dates(
    session: AsyncSession, ids: list[int], start: datetime, end: datetime, per_offer: int
) -> dict[int, list[tuple[datetime, datetime]]]:
    rows = await session.execute(
        select(Occurrence.offer_id, Occurrence.starts_at, Occurrence.ends_at)
        .where(Occurrence.offer_id.in_(ids), Occurrence.ends_at > start, Occurrence.starts_at < end)
        .order_by(Occurrence.offer_id, Occurrence.starts_at)
    )
    out: dict[int, list[Any]] = defaultdict(list)
    for offer_id, s, e in rows.all():
        if len(out[offer_id]) < per_offer:
            out[offer_id].append((s, e))
    return out


async def for_feed(
    session: AsyncSession, area: Area, now: datetime, limit: int = 200
) -> list[Listed]:
    """A calendar feed's offers: the coming ones, and those cancelled in the last 30 days (so a
    subscribed calendar shows them as cancelled), each with its SEQUENCE and called-off dates."""
    listed = await coming(session, area, limit=limit, dates_per_offer=1)
    listed += await _recently_cancelled(session, area, now)
    await _with_changes(session, listed)
    return listed


async def _recently_cancelled(session: AsyncSession, area: Area, now: datetime) -> list[Listed]:
    min_lat, max_lat, min_lon, max_lon = bounding_box(area.lat, area.lon, area.radius_km)
    statement = select(Offer).where(
        Offer.status == OfferStatus.CANCELLED,
        Offer.id.in_(
            select(OfferChange.offer_id).where(
                OfferChange.kind == ChangeKind.CANCELLED.value,
                OfferChange.at >= now - KEEP_CANCELLED,
            )
        ),
        Offer.latitude.between(min_lat, max_lat),
        Offer.longitude.between(min_lon, max_lon),
    )
    if area.categories:
        statement = statement.where(Offer.category.in_(sorted(area.categories)))
    out = []
    for offer in await session.scalars(statement):
        km = great_circle_km(area.lat, area.lon, offer.latitude, offer.longitude)
        if km <= area.radius_km and (not area.step_free or _is_step_free(offer)):
            out.append(Listed(offer, km, []))
    return out


def _is_step_free(offer: Offer) -> bool:
    return (
        offer.wheelchair is not None
        and getattr(offer.wheelchair, "value", offer.wheelchair) == "yes"
    )


async def _with_changes(session: AsyncSession, listed: list[Listed]) -> None:
    if not listed:
        return
    rows = await session.execute(
        select(OfferChange.offer_id, OfferChange.kind, OfferChange.day)
        .where(OfferChange.offer_id.in_([item.offer.id for item in listed]))
        .order_by(OfferChange.id)
    )
    by_offer = {item.offer.id: item for item in listed}
    for offer_id, kind, day in rows.all():
        item = by_offer[offer_id]
        item.sequence += 1
        if kind == ChangeKind.DATE_CANCELLED.value and day is not None:
            item.cancelled_days.append(day)
        elif kind == ChangeKind.DATE_RESTORED.value and day in item.cancelled_days:
            item.cancelled_days.remove(day)  # the organiser let it take place after all


async def offer_changes(session: AsyncSession, offer: Offer) -> Listed:
    """One offer with its SEQUENCE and called-off dates (for its own calendar file)."""
    item = Listed(offer, 0.0, [])
    await _with_changes(session, [item])
    return item


async def data_version(session: AsyncSession) -> tuple[str, int]:
    """Changes whenever an offer or its dates change: two index look-ups, so asking whether a
    feed is still the same costs next to nothing."""
    newest = await session.scalar(select(func.max(Offer.updated_at)))
    change = await session.scalar(select(func.max(OfferChange.id)))
    return (newest.isoformat() if newest else "", change or 0)
