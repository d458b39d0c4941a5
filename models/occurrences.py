"""Keeping the occurrences table in step with each offer's schedule.

Only published offers have occurrences, from shortly before now up to a rolling horizon; the
scheduler extends the horizon daily and drops what has ended.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from .base import rowcount, utcnow
from .offers import CellSpan, Occurrence, Offer, OfferStatus
from .schedule import MAX_DURATION

HORIZON = timedelta(days=62)  # details show the next dates, search looks 14 days ahead
KEEP_ENDED = timedelta(days=1)
_CHUNK = 500  # offer ids per DELETE: well below every driver's parameter limit
_BATCH = 5000  # occurrence rows written at once by the daily extension


def _rows(
    offer: Offer, start: datetime, end: datetime, now: datetime | None = None
) -> list[dict[str, Any]]:
    template = Occurrence.of(offer, start, start)  # computes the cell once
    return [
        {
            "offer_id": offer.id,
            "starts_at": s,
            "ends_at": e,
            "cell": template.cell,
            "latitude": offer.latitude,
            "longitude": offer.longitude,
            "category": offer.category,
        }
        # Looking back MAX_DURATION finds gatherings still running; those already over are left out.
        for s, e in offer.schedule.occurrences(start, end)
        if now is None or e > now
    ]


async def add_rows(executor: AsyncSession | AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Insert occurrence rows (as `_rows` makes them), and widen their cells' spans to the
    longest of them in the same transaction: the nearby search looks back that far
    (models.offers.CellSpan). Every writer of occurrences goes through here."""
    if not rows:
        return
    await executor.execute(insert(Occurrence), rows)
    longest: dict[int, int] = {}
    for row in rows:
        seconds = int((row["ends_at"] - row["starts_at"]).total_seconds())
        if seconds > longest.get(row["cell"], -1):
            longest[row["cell"]] = seconds
    dialect = (
        executor.get_bind().dialect if isinstance(executor, AsyncSession) else executor.dialect
    )
    upsert = (postgresql if dialect.name == "postgresql" else sqlite).insert(CellSpan)
    statement = upsert.on_conflict_do_update(
        index_elements=[CellSpan.cell],
        set_={"longest": upsert.excluded.longest},
        where=upsert.excluded.longest > CellSpan.longest,  # only ever grows
    )
    # In cell order: two transactions widening the same cells lock them in the same order.
    await executor.execute(
        statement, [{"cell": cell, "longest": longest[cell]} for cell in sorted(longest)]
    )


async def refresh(session: AsyncSession, offer: Offer, now: datetime | None = None) -> int:
    """Rebuild the coming occurrences of one offer after it changed; returns how many exist."""
    return await refresh_many(session, [offer], now)


async def refresh_many(
    session: AsyncSession, offers: list[Offer], now: datetime | None = None
) -> int:
    """refresh() for many offers in a few statements (an import changes thousands at once)."""
    now = now or utcnow()
    await session.flush()  # the offers need their ids
    ids = [offer.id for offer in offers]
    for n in range(0, len(ids), _CHUNK):
        await session.execute(
            delete(Occurrence).where(Occurrence.offer_id.in_(ids[n : n + _CHUNK]))
        )
    until = now + HORIZON
    rows: list[dict[str, Any]] = []
    for offer in offers:
        if offer.status is not OfferStatus.PUBLISHED:
            offer.materialised_until = None
            continue
        rows += _rows(offer, now - MAX_DURATION, until, now)
        offer.materialised_until = until
    await add_rows(session, rows)
    return len(rows)


async def extend_horizon(session: AsyncSession, now: datetime | None = None) -> int:
    """Add occurrences up to now + HORIZON for every published offer; returns rows added."""
    now = now or utcnow()
    until = now + HORIZON
    due = await session.scalars(
        select(Offer).where(
            Offer.status == OfferStatus.PUBLISHED,
            (Offer.materialised_until.is_(None)) | (Offer.materialised_until < until),
        )
    )
    added = 0
    pending: list[dict[str, Any]] = []
    for offer in due:
        start = offer.materialised_until or now - MAX_DURATION
        start = max(start, now - MAX_DURATION)
        pending += _rows(offer, start, until, now)
        offer.materialised_until = until
        if len(pending) >= _BATCH:  # a few statements per batch, not two per offer
            added += len(pending)
            await add_rows(session, pending)
            pending = []
    await add_rows(session, pending)
    return added + len(pending)


async def purge_ended(session: AsyncSession, now: datetime | None = None) -> int:
    """Drop occurrences that ended more than a day ago: nobody can go any more."""
    now = now or utcnow()
    result = await session.execute(delete(Occurrence).where(Occurrence.ends_at < now - KEEP_ENDED))
    return rowcount(result)
