"""Importing files into the store, on SQLite and PostgreSQL: what residents will find, what a
re-import changes, and that refused files and dry runs change nothing."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Occurrence, Offer, OfferStatus
from models.accessibility import Wheelchair
from models.importing import FileProblem, import_file

from .support import add_offer

DATA = Path(__file__).parent / "data"
CAFE_UID = "3f6c1a2e-5b7d-4c1e-9a8f-0d2b4e6f8a10"


async def run(sessions, places, now, path: Path, **kw):
    return await import_file(sessions, path, gazetteer=places, now=now, **kw)


async def offers(sessions) -> dict[tuple[str | None, str | None], Offer]:
    async with sessions() as session:
        rows = await session.scalars(select(Offer).order_by(Offer.id))
        return {(o.source, o.external_id): o for o in rows}


async def dates(sessions, offer: Offer) -> list[tuple[datetime, datetime]]:
    async with sessions() as session:
        rows = await session.execute(
            select(Occurrence.starts_at, Occurrence.ends_at)
            .where(Occurrence.offer_id == offer.id)
            .order_by(Occurrence.starts_at)
        )
        return [tuple(r) for r in rows]


async def snapshot(sessions) -> list[tuple]:
    """Everything an import could touch, comparable before and after."""
    async with sessions() as session:
        rows = (await session.scalars(select(Offer).order_by(Offer.id))).all()
        occ = (
            await session.execute(
                select(Occurrence.offer_id, Occurrence.starts_at).order_by(
                    Occurrence.offer_id, Occurrence.starts_at
                )
            )
        ).all()
    columns = [c.key for c in Offer.__table__.columns]
    return [tuple(getattr(o, c) for c in columns) for o in rows] + [tuple(r) for r in occ]


def copy(tmp_path: Path, name: str, edit=lambda text: text) -> Path:
    """A data file under the same name (so the same source), edited as a calendar would change."""
    path = tmp_path / name
    # Byte for byte (latin-1): Google's file folds through the middle of a UTF-8 character.
    path.write_bytes(edit((DATA / name).read_bytes().decode("latin-1")).encode("latin-1"))
    return path


def without_event(uid: str):
    def edit(text: str) -> str:
        head, *blocks = text.split("BEGIN:VEVENT\r\n")
        kept = [b for b in blocks if f"UID:{uid}\r\n" not in b]
        last = kept[-1] if kept else ""
        if f"UID:{uid}\r\n" in blocks[-1]:  # the removed block carried END:VCALENDAR
            kept[-1] = last + "END:VCALENDAR\r\n"
        return "BEGIN:VEVENT\r\n".join([head, *kept])

    return edit


async def test_a_nextcloud_calendar_becomes_offers_residents_find(sessions, places, now):
    report = await run(sessions, places, now, DATA / "nextcloud.ics")
    assert report.counts() == {
        "imported": 5,
        "updated": 0,
        "unchanged": 0,
        "cancelled": 0,
        "skipped": 3,
        "kept": 0,
    }
    assert {(e.title, e.note) for e in report.skipped} == {
        ("Seniorennachmittag 2025", "already over"),
        ("Weihnachtsmarkt-Wochenende", "lasts longer than 24 hours (56 h)"),
        ("Bibelgespräch online", "place not found: 'Online (Zoom)'"),
    }
    stored = await offers(sessions)
    cafe = stored[("nextcloud.ics", CAFE_UID)]
    assert cafe.status is OfferStatus.PUBLISHED and cafe.owner_id is None and not cafe.is_example
    assert (cafe.venue_name, cafe.address, cafe.place_name) == (
        "Pfarrhaus St. Nikolai",
        "Neuendorf 21, 06484 Quedlinburg",
        "Quedlinburg",
    )
    assert (cafe.latitude, cafe.longitude) == (51.7931, 11.1468)  # GEO wins over the postcode
    # Tuesday 1 Dec only: 8 Dec moved to Wednesday 9 Dec, 15 Dec skipped, 22 Dec cancelled.
    assert await dates(sessions, cafe) == [
        (datetime(2026, 12, 1, 14, tzinfo=UTC), datetime(2026, 12, 1, 16, tzinfo=UTC))
    ]
    moved = stored[("nextcloud.ics", f"{CAFE_UID}#20261208T140000Z")]
    assert moved.rrule is None and moved.title == "Adventscafé im Pfarrhaus – diesmal am Mittwoch"
    assert await dates(sessions, moved) == [
        (datetime(2026, 12, 9, 15, tzinfo=UTC), datetime(2026, 12, 9, 17, tzinfo=UTC))
    ]

    bazaar = next(o for o in stored.values() if o.title == "Adventsbasar der Gemeinde")
    # All day, Saturday and Sunday: midnight to midnight in Berlin, each day.
    assert await dates(sessions, bazaar) == [
        (datetime(2026, 12, 4, 23, tzinfo=UTC), datetime(2026, 12, 5, 23, tzinfo=UTC)),
        (datetime(2026, 12, 5, 23, tzinfo=UTC), datetime(2026, 12, 6, 23, tzinfo=UTC)),
    ]
    warm = next(o for o in stored.values() if o.title == "Warme Stube im Gemeindehaus")
    assert (
        warm.place_name == "Ditfurt"
        and warm.category == "warm_room"
        and warm.duration_minutes == 300
    )
    assert (
        len(await dates(sessions, warm)) == 17
    )  # of 20 (Mondays and Thursdays): those within 62 days


async def test_importing_the_same_file_again_changes_nothing(sessions, places, now):
    await run(sessions, places, now, DATA / "nextcloud.ics")
    before = await snapshot(sessions)
    report = await run(sessions, places, now, DATA / "nextcloud.ics")
    assert report.counts() == {
        "imported": 0,
        "updated": 0,
        "unchanged": 5,
        "cancelled": 0,
        "skipped": 3,
        "kept": 0,
    }
    assert await snapshot(sessions) == before


async def test_reimport_updates_cancels_removed_and_never_duplicates(
    sessions, places, now, tmp_path
):
    await run(sessions, places, now, DATA / "nextcloud.ics")
    first = await offers(sessions)

    def edit(text: str) -> str:
        text = without_event("5e9f7a3b-1c2d-4e5f-8a7b-9c0d1e2f3a4b")(text)  # the bazaar is gone
        text = text.replace(
            "DTSTART;TZID=Europe/Berlin:20261130T100000",
            "DTSTART;TZID=Europe/Berlin:20261130T110000",
        )
        text = text.replace(
            "DTEND;TZID=Europe/Berlin:20261130T150000", "DTEND;TZID=Europe/Berlin:20261130T160000"
        )
        # The moved Wednesday date is called off after all.
        moved = text.index("RECURRENCE-ID;TZID=Europe/Berlin:20261208T150000")
        return text[:moved] + text[moved:].replace("STATUS:CONFIRMED", "STATUS:CANCELLED", 1)

    report = await run(sessions, places, now, copy(tmp_path, "nextcloud.ics", edit))
    assert report.counts() == {
        "imported": 0,
        "updated": 1,
        "unchanged": 2,
        "cancelled": 2,
        "skipped": 3,
        "kept": 0,
    }
    assert [(e.title, e.note) for e in report.updated] == [
        ("Warme Stube im Gemeindehaus", "starts_local")
    ]
    assert {e.title for e in report.cancelled} == {
        "Adventsbasar der Gemeinde",
        "Adventscafé im Pfarrhaus – diesmal am Mittwoch",
    }
    after = await offers(sessions)
    assert set(after) == set(first)  # the same rows: updated and cancelled, none added
    warm = next(o for o in after.values() if o.title == "Warme Stube im Gemeindehaus")
    assert warm.id == next(o.id for o in first.values() if o.title == warm.title)
    assert (await dates(sessions, warm))[0][0] == datetime(
        2026, 11, 30, 10, tzinfo=UTC
    )  # 11:00 in Berlin
    for title in ("Adventsbasar der Gemeinde", "Adventscafé im Pfarrhaus – diesmal am Mittwoch"):
        gone = next(o for o in after.values() if o.title == title)
        assert gone.status is OfferStatus.CANCELLED and await dates(sessions, gone) == []

    # The events come back: the offer that merely went missing is published again, not a second
    # one added; the date the file called off stays cancelled (residents were told), and the
    # report says so.
    report = await run(sessions, places, now, DATA / "nextcloud.ics")
    assert report.counts()["imported"] == 0 and report.counts()["updated"] == 2
    assert [(e.title, e.note) for e in report.kept] == [
        (
            "Adventscafé im Pfarrhaus – diesmal am Mittwoch",
            "cancelled on 2026-11-25 and residents were told; left cancelled",
        )
    ]
    assert set(await offers(sessions)) == set(first)
    assert {o.title: o.status.value for o in (await offers(sessions)).values()} == {
        "Adventscafé im Pfarrhaus": "published",
        "Adventscafé im Pfarrhaus – diesmal am Mittwoch": "cancelled",
        "Adventsbasar der Gemeinde": "published",
        "Warme Stube im Gemeindehaus": "published",
        "Gemeindeausflug ins Bodetal": "published",
    }


async def test_a_shortened_file_cancels_per_source_only(sessions, places, now, tmp_path):
    await run(sessions, places, now, DATA / "google.ics")
    await run(sessions, places, now, DATA / "google.ics", source="seniorenbeirat-kopie")
    chat_offer = await add_offer(sessions, now, title="Im Chat eingestellt")
    only_walks = copy(
        tmp_path, "google.ics", without_event("6kq3r0d1p8o6vbqfn9e3m1s2t4@google.com")
    )
    report = await run(sessions, places, now, only_walks)
    assert [(e.title, e.note) for e in report.cancelled] == [
        ("Handy-Sprechstunde im Rathaus", "no longer in the file")
    ]
    stored = await offers(sessions)
    phone = "6kq3r0d1p8o6vbqfn9e3m1s2t4@google.com"
    assert stored[("google.ics", phone)].status is OfferStatus.CANCELLED
    assert stored[("seniorenbeirat-kopie", phone)].status is OfferStatus.PUBLISHED
    assert (
        stored[(None, None)].id == chat_offer.id
        and stored[(None, None)].status is OfferStatus.PUBLISHED
    )


async def test_an_event_cancelled_or_made_private_in_the_source_is_withdrawn(
    sessions, places, now, tmp_path
):
    await run(sessions, places, now, DATA / "google.ics")
    walk_uid = "2h8f0c9b7a6d5e4f3g2h1i0j9k@google.com"

    def edit(text: str) -> str:
        text = text.replace(
            "SUMMARY:Handy-Sprechstunde im Rathaus",
            "SUMMARY:Handy-Sprechstunde im Rathaus\r\nCLASS:PRIVATE",
        )
        start = text.index(f"UID:{walk_uid}")
        return text[:start] + text[start:].replace("STATUS:CONFIRMED", "STATUS:CANCELLED", 1)

    report = await run(sessions, places, now, copy(tmp_path, "google.ics", edit))
    notes = {(e.title, e.note) for e in report.cancelled}
    assert (
        "Handy-Sprechstunde im Rathaus",
        "skipped this time: marked private (CLASS:PRIVATE)",
    ) in notes
    assert ("Gemeinsamer Spaziergang am Schlossberg", "cancelled in the file") in notes
    stored = await offers(sessions)
    assert stored[("google.ics", walk_uid)].status is OfferStatus.CANCELLED
    assert stored[("google.ics", f"{walk_uid}#20261205T090000Z")].status is OfferStatus.CANCELLED


async def test_google_calendar_details(sessions, places, now):
    report = await run(sessions, places, now, DATA / "google.ics", organiser="Stadt Wernigerode")
    assert report.counts() == {
        "imported": 3,
        "updated": 0,
        "unchanged": 0,
        "cancelled": 0,
        "skipped": 3,
        "kept": 0,
    }
    stored = await offers(sessions)
    phone = stored[("google.ics", "6kq3r0d1p8o6vbqfn9e3m1s2t4@google.com")]
    assert phone.organiser == "Seniorenbeirat Wernigerode"  # the file names one
    assert (phone.venue_name, phone.address, phone.place_name) == (
        "Rathaus Wernigerode",
        "Marktplatz 1, 38855 Wernigerode",
        "Wernigerode",
    )
    walk = stored[("google.ics", "2h8f0c9b7a6d5e4f3g2h1i0j9k@google.com")]
    assert walk.organiser == "Stadt Wernigerode"  # --organiser for events that name none
    # COUNT=10 Saturdays from 28 Nov; 5 Dec moved to the afternoon, 26 Dec and 2 Jan skipped.
    starts = [s for s, _ in await dates(sessions, walk)]
    assert [s.date().isoformat() for s in starts] == [
        "2026-11-28",
        "2026-12-12",
        "2026-12-19",
        "2027-01-09",
        "2027-01-16",
        "2027-01-23",
    ]


async def test_csv_rows_become_offers_with_their_columns(sessions, places, now):
    report = await run(sessions, places, now, DATA / "angebote_cp1252.csv")
    assert report.counts() == {
        "imported": 5,
        "updated": 0,
        "unchanged": 0,
        "cancelled": 0,
        "skipped": 1,
        "kept": 0,
    }
    stored = await offers(sessions)
    warm = stored[("angebote_cp1252.csv", "wst-1")]
    assert (warm.venue_name, warm.address, warm.place_name) == (
        "Familienzentrum",
        "Schartauer Straße 10, 39288 Burg",
        "Burg bei Magdeburg",
    )
    assert warm.wheelchair is Wheelchair.YES and warm.toilets_wheelchair is None
    assert warm.exdates == ["2026-12-28", "2026-12-31"]
    assert [s.date().isoformat() for s, _ in (await dates(sessions, warm))[:4]] == [
        "2026-12-07",
        "2026-12-14",
        "2026-12-21",
        "2027-01-04",
    ]
    candles = stored[("angebote_cp1252.csv", "bastel-3")]
    assert candles.price == "3 € inkl. Material"  # "€" is one byte in Windows-1252
    # A row whose cells changed is an update; the CSV key keeps it the same offer.
    assert (
        await run(sessions, places, now, DATA / "angebote_utf8.csv", source="angebote_cp1252.csv")
    ).counts() == {
        "imported": 0,
        "updated": 0,
        "unchanged": 5,
        "cancelled": 0,
        "skipped": 1,
        "kept": 0,
    }


async def test_review_sends_offers_to_the_queue(sessions, places, now):
    await run(sessions, places, now, DATA / "thunderbird.ics", review=True)
    stored = await offers(sessions)
    assert {o.status for o in stored.values()} == {OfferStatus.PENDING}
    for offer in stored.values():
        assert await dates(sessions, offer) == []  # nothing to find before a moderator says yes
    # Imported again by the operator without --review: published.
    report = await run(sessions, places, now, DATA / "thunderbird.ics")
    assert report.counts()["updated"] == 5
    assert {o.status for o in (await offers(sessions)).values()} == {OfferStatus.PUBLISHED}


async def test_dry_run_reports_the_same_and_changes_nothing(sessions, places, now, tmp_path):
    await run(sessions, places, now, DATA / "nextcloud.ics")
    before = await snapshot(sessions)
    edited = copy(tmp_path, "nextcloud.ics", without_event("b7d1e0c4-2f3a-4a8e-b1c9-6e5d4c3b2a19"))
    dry = await run(sessions, places, now, edited, dry_run=True)
    assert dry.dry_run and dry.counts()["cancelled"] == 1
    assert await snapshot(sessions) == before
    real = await run(sessions, places, now, edited)
    assert real.counts() == dry.counts() and real.cancelled == dry.cancelled


@pytest.mark.parametrize(
    "broken",
    [
        lambda text: "<html><body>Unsere Termine</body></html>",
        lambda text: text[: len(text) // 2],  # cut off in transfer
        lambda text: text.replace(
            "DTSTART;TZID=Europe/Berlin:20261130T100000",
            "DTSTART;TZID=Europe/Berlin:20261131T100000",
        ),
    ],
    ids=["not a calendar", "truncated", "bad date"],
)
async def test_a_broken_file_changes_nothing(sessions, places, now, tmp_path, broken):
    await run(sessions, places, now, DATA / "nextcloud.ics")
    before = await snapshot(sessions)
    with pytest.raises(FileProblem):
        await run(sessions, places, now, copy(tmp_path, "nextcloud.ics", broken))
    assert await snapshot(sessions) == before


async def test_a_broken_csv_changes_nothing(sessions, places, now, tmp_path):
    shutil.copy(DATA / "angebote_utf8.csv", tmp_path / "angebote.csv")
    await run(sessions, places, now, tmp_path / "angebote.csv")
    before = await snapshot(sessions)
    text = (tmp_path / "angebote.csv").read_bytes().decode("utf-8-sig")
    (tmp_path / "angebote.csv").write_text(
        text.replace("05.12.2026", "35.12.2026"), encoding="utf-8"
    )
    with pytest.raises(FileProblem, match=r"row 6: date: '35\.12\.2026'"):
        await run(sessions, places, now, tmp_path / "angebote.csv")
    assert await snapshot(sessions) == before


async def test_a_store_error_rolls_everything_back(sessions, places, now, monkeypatch):
    from models import occurrences

    async def broken_refresh(session, offers, now=None):
        await session.flush()  # new and cancelled offers are written inside the transaction
        raise RuntimeError("database went away")

    await run(sessions, places, now, DATA / "google.ics")
    before = await snapshot(sessions)
    monkeypatch.setattr(occurrences, "refresh_many", broken_refresh)
    # Other events under the same source: offers are added and old ones cancelled, then it fails.
    with pytest.raises(RuntimeError):
        await run(sessions, places, now, DATA / "nextcloud.ics", source="google.ics")
    assert await snapshot(sessions) == before


# -- all-day events as residents see them ---------------------------------------------------


def test_midnight_to_midnight_reads_all_day_in_both_languages():
    from handlers.formatting import when
    from handlers.i18n import Translator

    de, en = Translator("de"), Translator("en")
    saturday = (datetime(2026, 12, 4, 23, tzinfo=UTC), datetime(2026, 12, 5, 23, tzinfo=UTC))
    assert when(de, *saturday) == "Sa., 5. Dez., ganztägig"
    assert when(en, *saturday) == "Sat, 5 Dec, all day"
    # The day clocks go forward has 23 hours, and is still all day.
    assert (
        when(de, datetime(2027, 3, 27, 23, tzinfo=UTC), datetime(2027, 3, 28, 22, tzinfo=UTC))
        == "So., 28. März, ganztägig"
    )
    # Midnight to midnight two days later, or a start alone, is not "all day".
    assert when(de, saturday[0], saturday[1].replace(day=6)) == "Sa., 5. Dez., 00:00–00:00 Uhr"
    assert when(de, saturday[0]) == "Sa., 5. Dez., 00:00 Uhr"


async def test_the_list_and_the_details_say_all_day(chat, sessions, places, now, tmp_path):
    ics = tmp_path / "markt.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//T//DE\r\nBEGIN:VEVENT\r\nUID:markt-1\r\n"
        "DTSTAMP:20261120T100000Z\r\nDTSTART;VALUE=DATE:20261127\r\nDTEND;VALUE=DATE:20261128\r\n"
        "SUMMARY:Adventsmarkt\r\nLOCATION:Marktplatz\\, 06484 Quedlinburg\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n",
        encoding="utf-8",
    )
    await run(sessions, places, now, ics)
    await chat.say("Quedlinburg")
    assert "Adventsmarkt" in chat.text
    assert "Fr., 27. Nov., ganztägig" in chat.text
    await chat.press("Adventsmarkt")
    assert "🗓 Fr., 27. Nov., ganztägig" in chat.text
    assert "📍 Marktplatz, 06484 Quedlinburg" in chat.text


async def test_an_imported_series_goes_back_out_as_a_valid_calendar_file(sessions, places, now):
    from publish.calendar import offer_calendar

    await run(sessions, places, now, DATA / "nextcloud.ics")
    cafe = (await offers(sessions))[("nextcloud.ics", CAFE_UID)]
    exported = offer_calendar(cafe, now).decode()
    # The stored rule ends at 15:00 Berlin wall clock; the file says so in UTC, as RFC 5545 asks.
    assert "RRULE:FREQ=WEEKLY;UNTIL=20261222T140000Z;BYDAY=TU" in exported
    assert "EXDATE;TZID=Europe/Berlin:20261208T150000,20261215T150000,20261222T150000" in exported
