"""Bringing the offers of one import source in line with a file's records.

Identity is (source, external_id): a record whose key is already there updates that offer, a
new key adds one, and an offer of the source whose key the file no longer has is cancelled.
The caller owns the transaction, so a dry run is the same work rolled back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from places import Gazetteer

from .. import occurrences
from ..accessibility import TAGS, Wheelchair, YesNo
from ..offers import Offer, OfferStatus
from ..schedule import to_local
from .records import ORGANISER, Record
from .report import Entry, Report
from .text import line
from .values import is_over, out_of_range
from .where import Where, locate

ACTIVE = (OfferStatus.PUBLISHED, OfferStatus.PENDING, OfferStatus.DRAFT)
OVER = "already over"


async def apply(session: AsyncSession, report: Report, records: list[Record], *,
                gazetteer: Gazetteer, now: datetime, review: bool, organiser: str) -> Report:
    target = OfferStatus.PENDING if review else OfferStatus.PUBLISHED
    existing = {o.external_id: o for o in await session.scalars(
        select(Offer).where(Offer.source == report.source))}
    handled: set[str] = set()
    touched: list[Offer] = []  # their occurrences are rebuilt together at the end
    now_local = to_local(now)

    for record in records:
        entry = Entry(record.title, record.ref)
        offer = existing.get(record.key) if record.key else None
        if record.key:
            handled.add(record.key)
        if record.cancelled:
            if offer is not None and offer.status in ACTIVE:
                touched.append(_cancel(offer))
                report.cancelled.append(_with(entry, "cancelled in the file"))
            elif offer is None:
                report.skipped.append(_with(entry, "cancelled in the file"))
            continue
        reason = record.skip or out_of_range(record, now_local)
        if reason is None and is_over(record, now_local):
            reason = OVER
        where = None
        if reason is None:
            where = locate(gazetteer, record)
            reason = where if isinstance(where, str) else None
        if reason is not None:
            report.skipped.append(_with(entry, reason))
            # A record that cannot be shown any more must not leave its old version on show;
            # one that is merely over is left as it was.
            if offer is not None and offer.status in ACTIVE and reason != OVER:
                touched.append(_cancel(offer))
                report.cancelled.append(_with(entry, f"skipped this time: {reason}"))
            continue
        values = _values(record, where, organiser or "")
        if offer is None:
            offer = Offer(source=report.source, external_id=record.key, owner_id=None,
                          is_example=False, status=target, **values)
            session.add(offer)
            touched.append(offer)
            report.imported.append(_with(entry, where.place_name))
            continue
        changed = {k: v for k, v in values.items() if getattr(offer, k) != v}
        status = target if changed or offer.status in (OfferStatus.CANCELLED, OfferStatus.DRAFT) \
            or (offer.status is OfferStatus.PENDING and not review) else offer.status
        if not changed and status is offer.status:
            report.unchanged.append(entry)
            continue
        for k, v in changed.items():
            setattr(offer, k, v)
        offer.status = status
        touched.append(offer)
        what = ", ".join(sorted(changed)) or f"status {status.value}"
        report.updated.append(_with(entry, what))

    for key, offer in existing.items():
        if key not in handled and offer.status in ACTIVE:
            touched.append(_cancel(offer))
            report.cancelled.append(Entry(offer.title, f"id {key}", "no longer in the file"))
    await occurrences.refresh_many(session, touched, now)
    await session.flush()
    return report


def _values(record: Record, where: Where, organiser: str) -> dict:
    return dict(
        title=record.title, description=record.description, category=record.category,
        organiser=record.organiser or line(organiser, ORGANISER), venue_name=where.venue_name,
        address=where.address, place_name=where.place_name, latitude=where.latitude,
        longitude=where.longitude, cost=record.cost, price=record.price, contact=record.contact,
        starts_local=record.start, duration_minutes=int(record.duration.total_seconds() // 60),
        rrule=record.rrule, exdates=sorted(d.isoformat() for d in record.exdates),
        **{column: _access(record.access.get(tag), Wheelchair if tag == "wheelchair" else YesNo)
           for tag, column in TAGS.items()},
    )


def _access(value: str | None, kind):
    return None if value is None else kind(value)


def _cancel(offer: Offer) -> Offer:
    offer.status = OfferStatus.CANCELLED  # refresh_many then drops its dates from the search
    return offer


def _with(entry: Entry, note: str) -> Entry:
    return Entry(entry.title, entry.ref, note)
