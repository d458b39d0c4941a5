"""Imported calendars cancel what they cancel (iTIP METHOD:CANCEL, STATUS:CANCELLED, a new EXDATE
for a date on show) and residents are told; what a moderator decided and what residents were
told is cancelled stays so through later imports of the source, and the report says so; a
change under --review waits while the approved version stays on show."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from models import Occurrence, Offer, OfferStatus
from models.importing import import_file
from models.organising import OfferChange
from models.proposals import OfferProposal
from models.schedule import to_local
from scheduler import run_notices

from .outbox_fakes import Clock
from .support import ChatDriver, Postman, resident_reminded
from .test_posting import RIGHTS

UID = "spiele-1@verein.example"


def calendar(*events: str, method: str | None = None) -> str:
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Verein//Kalender//DE"]
    if method:
        head.append(f"METHOD:{method}")
    return "\r\n".join([*head, *events, "END:VCALENDAR", ""])


def series(
    uid: str = UID, *extra: str, title: str = "Spielenachmittag", rule: str = "FREQ=WEEKLY;BYDAY=TH"
) -> str:
    return "\r\n".join(
        [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20261120T100000Z",
            "DTSTART;TZID=Europe/Berlin:20261126T150000",
            "DTEND;TZID=Europe/Berlin:20261126T170000",
            f"RRULE:{rule}",
            f"SUMMARY:{title}",
            "LOCATION:Gemeindehaus\\, Markt 1\\, 38855 Wernigerode",
            *extra,
            "END:VEVENT",
        ]
    )


def walk(uid: str = "walk-2@verein.example") -> str:
    return "\r\n".join(
        [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20261120T100000Z",
            "DTSTART;TZID=Europe/Berlin:20261128T100000",
            "DTEND;TZID=Europe/Berlin:20261128T120000",
            "SUMMARY:Spaziergang am Schlossberg",
            "LOCATION:Schlossberg\\, 38855 Wernigerode",
            "END:VEVENT",
        ]
    )


def cancelled_date(day: date, uid: str = UID, *, start: bool = False) -> str:
    """A cancelled date of the series; an iTIP CANCEL may leave out its start, an export does
    not."""
    when = [f"DTSTART;TZID=Europe/Berlin:{day:%Y%m%d}T150000"] if start else []
    return "\r\n".join(
        [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20261121T100000Z",
            "SEQUENCE:1",
            f"RECURRENCE-ID;TZID=Europe/Berlin:{day:%Y%m%d}T150000",
            *when,
            "STATUS:CANCELLED",
            "END:VEVENT",
        ]
    )


async def run(sessions, places, now, tmp_path: Path, text: str, **kw):
    path = tmp_path / "verein.ics"  # one name: one source
    path.write_text(text, encoding="utf-8")
    return await import_file(sessions, path, gazetteer=places, now=now, **kw)


async def by_key(sessions) -> dict[str, Offer]:
    async with sessions() as session:
        return {o.external_id: o for o in await session.scalars(select(Offer))}


async def days(sessions, offer_id: int) -> set[date]:
    async with sessions() as session:
        return {
            to_local(s).date()
            for s in await session.scalars(
                select(Occurrence.starts_at).where(Occurrence.offer_id == offer_id)
            )
        }


async def remind_every_time(sessions, places, now, offer_id: int, user: str = "101") -> None:
    await resident_reminded(sessions, places, now, user, offer_id, "Jedes Mal", "Beides")


async def residents_told(sessions, now) -> dict[str, list[str]]:
    await run_notices(sessions, now)
    delivered = await Postman(sessions, Clock(now)).deliver()
    return {chat: texts for chat, texts in delivered.items() if chat.startswith("telegram:")}


async def test_an_itip_cancel_of_one_date_cancels_it_tells_residents_and_leaves_the_rest(
    sessions, places, now, tmp_path
):
    await run(sessions, places, now, tmp_path, calendar(series(), walk()))
    offer = (await by_key(sessions))[UID]
    await remind_every_time(sessions, places, now, offer.id)
    report = await run(
        sessions,
        places,
        now,
        tmp_path,
        calendar(cancelled_date(date(2026, 12, 3)), method="CANCEL"),
    )
    assert [(e.title, e.note) for e in report.cancelled] == [
        ("Spielenachmittag", "cancelled on 2026-12-03")
    ]
    assert (
        report.counts()["cancelled"] == 1 and not report.skipped
    )  # the walk is not "gone from the file"
    stored = await by_key(sessions)
    assert {o.status for o in stored.values()} == {OfferStatus.PUBLISHED}
    assert date(2026, 12, 3) not in await days(sessions, offer.id)
    assert await residents_told(sessions, now) == {
        "telegram:101": ["❌ Spielenachmittag fällt am Do., 3. Dez. aus."]
    }

    # The next full export no longer mentions it: the date stays cancelled, and the report says so.
    report = await run(sessions, places, now, tmp_path, calendar(series(), walk()))
    assert date(2026, 12, 3) not in await days(sessions, offer.id)
    assert [(e.title, e.note) for e in report.kept] == [
        ("Spielenachmittag", "stays cancelled on 2026-12-03: residents were told")
    ]


async def test_an_itip_cancel_of_a_series_cancels_it_and_its_changed_dates(
    sessions, places, now, tmp_path
):
    moved = "\r\n".join(
        [
            "BEGIN:VEVENT",
            f"UID:{UID}",
            "DTSTAMP:20261120T100000Z",
            "RECURRENCE-ID;TZID=Europe/Berlin:20261210T150000",
            "DTSTART;TZID=Europe/Berlin:20261211T150000",
            "DTEND;TZID=Europe/Berlin:20261211T170000",
            "SUMMARY:Spielenachmittag am Freitag",
            "END:VEVENT",
        ]
    )
    await run(sessions, places, now, tmp_path, calendar(series(), moved, walk()))
    assert len(await by_key(sessions)) == 3
    offer = (await by_key(sessions))[UID]
    await remind_every_time(sessions, places, now, offer.id)
    cancel = "\r\n".join(
        [
            "BEGIN:VEVENT",
            f"UID:{UID}",
            "DTSTAMP:20261121T100000Z",
            "SEQUENCE:3",
            "SUMMARY:Spielenachmittag",
            "STATUS:CANCELLED",
            "END:VEVENT",
        ]
    )  # no DTSTART: allowed
    report = await run(sessions, places, now, tmp_path, calendar(cancel, method="CANCEL"))
    assert [(e.note) for e in report.cancelled] == ["cancelled in the file"]
    statuses = {key: o.status.value for key, o in (await by_key(sessions)).items()}
    assert statuses == {
        UID: "cancelled",
        f"{UID}#20261210T140000Z": "cancelled",
        "walk-2@verein.example": "published",
    }
    assert await residents_told(sessions, now) == {
        "telegram:101": [
            "🛑 Spielenachmittag findet nicht mehr statt. Ihre Erinnerung daran ist gelöscht."
        ]
    }
    # Back in the next export: it stays cancelled; a new event (a new UID) would offer it again.
    report = await run(sessions, places, now, tmp_path, calendar(series(), moved, walk()))
    assert {e.note.split(" and ")[-1] for e in report.kept} == {
        "residents were told; left cancelled"
    }
    assert (await by_key(sessions))[UID].status is OfferStatus.CANCELLED


async def test_a_new_exdate_for_a_date_on_show_is_a_cancellation(sessions, places, now, tmp_path):
    await run(sessions, places, now, tmp_path, calendar(series()))
    offer = (await by_key(sessions))[UID]
    await remind_every_time(sessions, places, now, offer.id)
    report = await run(
        sessions,
        places,
        now,
        tmp_path,
        calendar(series(UID, "EXDATE;TZID=Europe/Berlin:20261210T150000")),
    )
    assert [e.note for e in report.cancelled] == ["cancelled on 2026-12-10"]
    assert await residents_told(sessions, now) == {
        "telegram:101": ["❌ Spielenachmittag fällt am Do., 10. Dez. aus."]
    }
    # Taken out of the export again: still cancelled (residents were told).
    await run(sessions, places, now, tmp_path, calendar(series()))
    assert date(2026, 12, 10) not in await days(sessions, offer.id)


async def test_a_moderators_rejection_is_not_undone_by_the_next_import(
    sessions, places, now, tmp_path
):
    await run(sessions, places, now, tmp_path, calendar(series(), walk()), review=True)
    offer = (await by_key(sessions))[UID]
    moderator = ChatDriver(sessions, places, now, user="mod", rights=RIGHTS)
    await moderator.send_button(f"vo:{offer.id}")
    assert "👤 Vom Betreiber importiert" in moderator.text
    await moderator.press("Ablehnen")
    await moderator.say("Das ist eine Verkaufsveranstaltung.")
    # The operator imports the changed file without --review: the rejection stays.
    report = await run(
        sessions, places, now, tmp_path, calendar(series(title="Spielenachmittag (neu)"), walk())
    )
    assert [(e.title, e.note) for e in report.kept] == [
        ("Spielenachmittag (neu)", "rejected by a moderator; left as it is")
    ]
    stored = (await by_key(sessions))[UID]
    assert (stored.status, stored.title) == (OfferStatus.REJECTED, "Spielenachmittag")
    assert await days(sessions, stored.id) == set()
    assert (
        "kept 1" in report.render() and "rejected by a moderator; left as it is" in report.render()
    )


async def test_a_change_imported_for_review_waits_while_the_approved_version_stays_on_show(
    sessions, places, now, tmp_path
):
    await run(sessions, places, now, tmp_path, calendar(series()))
    offer = (await by_key(sessions))[UID]
    report = await run(
        sessions,
        places,
        now,
        tmp_path,
        calendar(series(title="Spieleabend", rule="FREQ=WEEKLY;BYDAY=FR")),
        review=True,
    )
    assert [e.note for e in report.updated] == ["waiting for review: rrule, title"]
    stored = (await by_key(sessions))[UID]
    assert (stored.title, stored.status) == ("Spielenachmittag", OfferStatus.PUBLISHED)
    assert date(2026, 11, 26) in await days(sessions, offer.id)
    moderator = ChatDriver(sessions, places, now, user="mod", rights=RIGHTS)
    await moderator.say("/pruefen")
    await moderator.press("✏️ Spielenachmittag")
    assert "✏️ Titel: „Spielenachmittag“ → „Spieleabend“" in moderator.text
    await moderator.press("Freigeben")
    stored = (await by_key(sessions))[UID]
    assert (stored.title, stored.rrule) == ("Spieleabend", "FREQ=WEEKLY;BYDAY=FR")
    assert min(await days(sessions, offer.id)) == date(2026, 11, 27)
    async with sessions() as session:
        assert (await session.scalars(select(OfferProposal))).all() == []
        # Residents with reminders hear of the new time once it is on show.
        assert [c.kind for c in await session.scalars(select(OfferChange))] == ["time"]


async def test_a_changed_date_cancelled_in_a_full_export_is_cancelled_for_residents(
    sessions, places, now, tmp_path
):
    await run(sessions, places, now, tmp_path, calendar(series()))
    offer = (await by_key(sessions))[UID]
    report = await run(
        sessions,
        places,
        now,
        tmp_path,
        calendar(series(), cancelled_date(date(2026, 12, 17), start=True)),
    )
    assert [e.note for e in report.cancelled] == ["cancelled on 2026-12-17"]
    async with sessions() as session:
        stored = await session.get(Offer, offer.id)
        [change] = (await session.scalars(select(OfferChange))).all()
    assert stored.cancelled_days == ["2026-12-17"] and (change.kind, change.day) == (
        "date_cancelled",
        date(2026, 12, 17),
    )
    assert datetime(2026, 12, 17).date() not in await days(sessions, offer.id)
