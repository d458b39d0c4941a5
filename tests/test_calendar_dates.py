"""A calendar file shows the dates residents see: its first date (DTSTART) is one of the offer's
dates, and a calendar app expanding it (RFC 5545, as recurring-ical-events does) finds exactly
the dates the offer has. Checked for every example offer and every imported test file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from models import Occurrence, Offer, OfferStatus
from models.demo import example_offers, seed_if_empty
from models.importing import import_file
from models.occurrences import HORIZON
from models.schedule import Schedule
from publish.calendar import offer_calendar

from .support import add_offer

DATA = Path(__file__).parent / "data"


def calendar_dates(
    ics: bytes, after: datetime, before: datetime
) -> tuple[datetime, list[datetime]]:
    """DTSTART, and the starts a calendar app shows between `after` and `before` (UTC)."""
    calendar = Calendar.from_ical(ics)
    [event] = calendar.walk("VEVENT")
    shown = recurring_ical_events.of(calendar).between(after, before)
    return (
        event.decoded("dtstart").astimezone(UTC),
        sorted(e.decoded("dtstart").astimezone(UTC) for e in shown),
    )


async def check_every_offer(sessions, now: datetime) -> list[str]:
    """Each published offer's calendar file against its dates; returns the titles checked."""
    checked = []
    async with sessions() as session:
        offers = list(
            await session.scalars(
                select(Offer).where(Offer.status == OfferStatus.PUBLISHED).order_by(Offer.id)
            )
        )
        for offer in offers:
            ours = list(
                await session.scalars(
                    select(Occurrence.starts_at)
                    .where(Occurrence.offer_id == offer.id)
                    .order_by(Occurrence.starts_at)
                )
            )
            first, shown = calendar_dates(offer_calendar(offer, now), now, now + HORIZON)
            all_dates = offer.schedule.occurrences(
                first - timedelta(days=1), first + timedelta(days=800)
            )
            assert (
                first == all_dates[0][0]
                or offer.schedule.first_start().date() in offer.schedule.exdates
            ), (offer.title, first)
            assert [s for s in shown if s >= now] == [s for s in ours if s >= now], offer.title
            checked.append(offer.title)
    return checked


async def test_every_example_starts_on_one_of_its_dates(sessions, now):
    async with sessions() as session, session.begin():
        await seed_if_empty(session, now)
    checked = await check_every_offer(sessions, now)
    assert len(checked) == len(example_offers(now)) > 20
    async with sessions() as session:
        game = await session.scalar(select(Offer).where(Offer.title.startswith("Spielenachmittag")))
    first, _ = calendar_dates(offer_calendar(game, now), now, now)
    assert first == datetime(
        2026, 1, 7, 14, tzinfo=UTC
    )  # Wednesday 7 Jan 2026, 15:00 in Berlin, not Monday 5


@pytest.mark.parametrize(
    "name", sorted(p.name for p in DATA.iterdir() if p.suffix in (".ics", ".csv"))
)
async def test_every_imported_offer_starts_on_one_of_its_dates(sessions, places, now, name):
    await import_file(sessions, DATA / name, gazetteer=places, now=now)
    assert await check_every_offer(sessions, now)


async def test_a_stored_start_off_the_rule_is_not_a_date_in_the_file(sessions, now):
    """Offers stored before this fix (or entered so) start on a day the rule never gives."""
    offer = await add_offer(
        sessions, now, rrule="FREQ=WEEKLY;BYDAY=WE", starts_local=datetime(2026, 11, 23, 15)
    )  # a Monday
    first, shown = calendar_dates(
        offer_calendar(offer, now), now - timedelta(days=7), now + timedelta(days=15)
    )
    assert first == datetime(2026, 11, 25, 14, tzinfo=UTC)
    assert shown == [
        datetime(2026, 11, 25, 14, tzinfo=UTC),
        datetime(2026, 12, 2, 14, tzinfo=UTC),
        datetime(2026, 12, 9, 14, tzinfo=UTC),
    ]
    assert Schedule(
        datetime(2026, 11, 23, 15), timedelta(hours=2), "FREQ=WEEKLY;BYDAY=WE;COUNT=2"
    ).first_start() == datetime(2026, 11, 25, 15)
    assert Schedule(datetime(2026, 11, 23, 15), timedelta(hours=2)).first_start() == datetime(
        2026, 11, 23, 15
    )
