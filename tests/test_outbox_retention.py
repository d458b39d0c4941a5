"""The nightly job forgets ended offers and settled outbox rows after their retention period."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from models import Occurrence, Offer, OfferStatus, OutboxMessage, OutboxStatus
from scheduler import Retention, run_maintenance

from .outbox_fakes import queue, reply_row
from .support import add_offer


async def test_ended_and_withdrawn_offers_go_after_the_retention_period(sessions, now):
    old = now - timedelta(days=200)
    one_off = await add_offer(sessions, old, title="Einmal", starts_local=datetime(2026, 5, 1, 15))
    series_over = await add_offer(
        sessions,
        old,
        title="Vorbei",
        rrule="FREQ=WEEKLY;COUNT=3",
        starts_local=datetime(2026, 4, 7, 15),
    )
    weekly = await add_offer(
        sessions,
        old,
        title="Jede Woche",
        rrule="FREQ=WEEKLY;BYDAY=TU",
        starts_local=datetime(2026, 1, 6, 15),
    )
    recent_end = await add_offer(
        sessions, old, title="Gerade vorbei", starts_local=datetime(2026, 11, 1, 15)
    )
    cancelled = await add_offer(sessions, old, title="Abgesagt", status=OfferStatus.CANCELLED)
    async with sessions() as session, session.begin():
        for offer in await session.scalars(select(Offer)):
            offer.updated_at = old  # nobody touched them since
    counts = await run_maintenance(sessions, now, Retention(ended_offer=timedelta(days=90)))
    assert counts["offers_purged"] == 3
    async with sessions() as session:
        left = set(await session.scalars(select(Offer.title)))
        assert left == {"Jede Woche", "Gerade vorbei"}
        gone = {one_off.id, series_over.id, cancelled.id}
        assert not (
            await session.scalars(select(Occurrence).where(Occurrence.offer_id.in_(gone)))
        ).all()
    assert weekly.id and recent_end.id


async def test_settled_outbox_rows_are_forgotten_queued_ones_stay(sessions, now):
    await queue(
        sessions,
        reply_row("sent", "telegram:1", "a", due_at=now),
        reply_row("waiting", "telegram:2", "b", due_at=now + timedelta(days=60)),
        now=now - timedelta(days=40),
    )
    async with sessions() as session, session.begin():
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.key == "sent"))
        row.status, row.updated_at = OutboxStatus.SENT, now - timedelta(days=31)
    counts = await run_maintenance(sessions, now, Retention(outbox=timedelta(days=30)))
    assert counts["outbox_purged"] == 1
    async with sessions() as session:
        assert list(await session.scalars(select(OutboxMessage.key))) == ["waiting"]
