"""A property, on SQLite and PostgreSQL: whatever organisers, moderators and imported calendars do
in whatever order (new times and rules, new texts, cancellations, restorations, waiting changes
approved or rejected, re-imports, iTIP cancellations, notices sent), no date a notice called
cancelled comes back, unless the organiser restored it on purpose: not in the occurrences the
search reads, not in the offer's schedule, not in its calendar file."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from models import Occurrence, Offer, User
from models.importing import import_records
from models.importing.from_ical import read_ical
from models.occurrences import HORIZON
from models.organising import ChangeKind, OfferChange
from models.schedule import to_local
from publish.calendar import offer_calendar
from scheduler import run_notices

from .support import ChatDriver, add_offer
from .test_cancelled_dates import THURSDAYS, calendar_days
from .test_posting import RIGHTS

_numbers = itertools.count(1)  # every example gets its own people and offers
RULES = (
    "jeden Donnerstag 15 Uhr",
    "dienstags und donnerstags 15 bis 17 uhr",
    "täglich 10 Uhr",
    "jeden Freitag 16-18 Uhr",
    "jeden Donnerstag 15 Uhr außer am 24.12.",
    "jeden zweiten Donnerstag 16:30 Uhr",
    "17.12. 15 Uhr",
)
WHEN = st.tuples(st.just("when"), st.sampled_from(RULES))
CANCEL = st.tuples(st.just("cancel"), st.integers(0, 5))
CHAT_STEPS = st.lists(
    st.one_of(  # new times and cancellations drawn more often: they interact
        WHEN,
        WHEN,
        CANCEL,
        CANCEL,
        st.tuples(st.just("title"), st.sampled_from(("Warme Stube", "Warme Stube im Pfarrhaus"))),
        st.tuples(st.just("restore"), st.integers(0, 2)),
        st.tuples(st.just("trusted"), st.booleans()),
        st.tuples(st.just("approve"), st.just(0)),
        st.tuples(st.just("reject"), st.just(0)),
        st.tuples(st.just("notices"), st.just(0)),
    ),
    min_size=2,
    max_size=10,
)

# Calendar versions of an imported series: weekly rules from Thursday 26 Nov, and the coming days
# a file may leave out (EXDATE) or cancel (RECURRENCE-ID with STATUS:CANCELLED, METHOD:CANCEL).
FILE_RULES = (
    "FREQ=WEEKLY;BYDAY=TH",
    "FREQ=WEEKLY;BYDAY=TU,TH",
    "FREQ=DAILY;COUNT=40",
    "FREQ=WEEKLY;BYDAY=FR",
)
DAYS = tuple(date(2026, 11, 26) + timedelta(days=n) for n in range(42))
SOME_DAYS = st.frozensets(st.sampled_from(DAYS), max_size=3)
IMPORT = st.tuples(
    st.just("import"),
    st.sampled_from(FILE_RULES),
    SOME_DAYS,
    SOME_DAYS,
    st.sampled_from(("Spielenachmittag", "Spielenachmittag im Saal")),
)
FILE_STEPS = st.lists(
    st.one_of(
        IMPORT,
        IMPORT,
        st.tuples(st.just("cancel message"), st.sampled_from(DAYS)),
        st.tuples(st.just("notices"), st.just(0)),
    ),
    min_size=2,
    max_size=8,
)
PROPERTY = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def told_cancelled(session, offer_id: int) -> set[date]:
    """Days a change notice calls cancelled and no later restoration took back."""
    last: dict[date, str] = {}
    for change in await session.scalars(
        select(OfferChange)
        .where(
            OfferChange.offer_id == offer_id,
            OfferChange.kind.in_([ChangeKind.DATE_CANCELLED.value, ChangeKind.DATE_RESTORED.value]),
        )
        .order_by(OfferChange.id)
    ):
        last[change.day] = change.kind
    return {day for day, kind in last.items() if kind == ChangeKind.DATE_CANCELLED.value}


async def assert_nothing_resurrected(sessions, offer_ids: list[int], now) -> None:
    async with sessions() as session:
        for offer_id in offer_ids:
            offer = await session.get(Offer, offer_id)
            cancelled = await told_cancelled(session, offer_id)
            if offer is None or not cancelled:
                continue
            listed = {
                to_local(s).date()
                for s in await session.scalars(
                    select(Occurrence.starts_at).where(Occurrence.offer_id == offer_id)
                )
            }
            planned = {
                to_local(s).date() for s, _ in offer.schedule.occurrences(now, now + HORIZON)
            }
            in_file = calendar_days(offer_calendar(offer, now), (now + HORIZON).date())
            assert not cancelled & listed, (offer_id, cancelled & listed)
            assert not cancelled & planned, (offer_id, cancelled & planned)
            assert not cancelled & in_file, (offer_id, cancelled & in_file)
            assert cancelled <= offer.cancelled_dates


async def _press_nth(chat: ChatDriver, verb: str, n: int) -> bool:
    choices = [b.data for b in chat.buttons() if b.data.startswith(f"{verb}:")]
    if not choices:
        return False
    await chat.send_button(choices[min(n, len(choices) - 1)])
    return True


@PROPERTY
@given(trusted=st.booleans(), first=CANCEL, steps=CHAT_STEPS)
async def test_no_sequence_of_chat_changes_brings_back_a_cancelled_date(
    sessions, places, now, trusted, first, steps
):
    number = next(_numbers)
    organiser = ChatDriver(sessions, places, now, user=f"org{number}", rights=RIGHTS)
    moderator = ChatDriver(sessions, places, now, user="mod", rights=RIGHTS)
    await organiser.say("/start")
    async with sessions() as session, session.begin():
        me = await session.scalar(select(User).where(User.platform_id == f"org{number}"))
        me.trust = "trusted" if trusted else "new"
    offer = await add_offer(sessions, now, owner_id=me.id, **THURSDAYS)
    for step, value in [
        first,
        *steps,
    ]:  # a cancellation first: without one there is nothing to keep
        if step in ("when", "title"):
            await organiser.send_button(f"mf:{offer.id}.{step}")
            await organiser.say(value)
        elif step == "cancel":
            await organiser.send_button(f"mx:{offer.id}")
            if await _press_nth(organiser, "md", value):
                await organiser.send_button(f"mn:{offer.id}")
        elif step == "restore":
            await organiser.send_button(f"mw:{offer.id}")
            await _press_nth(organiser, "mb", value)
        elif step == "trusted":
            async with sessions() as session, session.begin():
                (await session.get(User, me.id)).trust = "trusted" if value else "new"
        elif step == "approve":
            await moderator.send_button(f"va:{offer.id}")
        elif step == "reject":
            await moderator.send_button(f"vr:{offer.id}")
            if "Warum" in moderator.text:
                await moderator.say("Bitte so nicht.")
        else:
            await run_notices(sessions, now)
        await assert_nothing_resurrected(sessions, [offer.id], now)


def _calendar(uid: str, rule: str, left_out: frozenset, cancelled: frozenset, title: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Test//Test//DE",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20261120T100000Z",
        "DTSTART;TZID=Europe/Berlin:20261126T150000",
        "DTEND;TZID=Europe/Berlin:20261126T170000",
        f"RRULE:{rule}",
        f"SUMMARY:{title}",
        "LOCATION:Gemeindehaus\\, Markt 1\\, 38855 Wernigerode",
    ]
    lines += [f"EXDATE;TZID=Europe/Berlin:{day:%Y%m%d}T150000" for day in sorted(left_out)]
    lines.append("END:VEVENT")
    for day in sorted(cancelled):
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20261120T100000Z",
            f"RECURRENCE-ID;TZID=Europe/Berlin:{day:%Y%m%d}T150000",
            f"DTSTART;TZID=Europe/Berlin:{day:%Y%m%d}T150000",
            f"SUMMARY:{title}",
            "STATUS:CANCELLED",
            "END:VEVENT",
        ]
    return "\r\n".join([*lines, "END:VCALENDAR", ""])


def _cancel_message(uid: str, day: date) -> str:
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Test//Test//DE",
            "METHOD:CANCEL",
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20261121T100000Z",
            "SEQUENCE:2",
            f"RECURRENCE-ID;TZID=Europe/Berlin:{day:%Y%m%d}T150000",
            "STATUS:CANCELLED",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


@PROPERTY
@given(first=st.sampled_from(DAYS), steps=FILE_STEPS)
async def test_no_sequence_of_imports_brings_back_a_cancelled_date(
    sessions, places, now, first, steps
):
    number = next(_numbers)
    uid, source = f"spiele-{number}@example.org", f"verein-{number}.ics"

    async def run(text: str) -> None:
        await import_records(
            sessions,
            Path(source),
            "iCalendar",
            read_ical(text),
            gazetteer=places,
            source=source,
            now=now,
        )

    await run(_calendar(uid, FILE_RULES[0], frozenset(), frozenset(), "Spielenachmittag"))
    for step, *values in [("cancel message", first), *steps]:
        if step == "import":
            await run(_calendar(uid, *values))
        elif step == "cancel message":
            await run(_cancel_message(uid, values[0]))
        else:
            await run_notices(sessions, now)
        async with sessions() as session:
            ids = list(await session.scalars(select(Offer.id).where(Offer.source == source)))
        await assert_nothing_resurrected(sessions, ids, now)
