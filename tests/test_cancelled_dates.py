"""A date residents were told is cancelled stays cancelled: through a new time, a new rule, a
new text or a re-import, in the search, the database and the calendar file, until the
organiser lets it take place on purpose, and then everyone who heard of the cancellation hears
of that too."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select, text

from models import Occurrence, Offer, OfferStatus
from models.organising import OfferChange
from models.schedule import to_local
from scheduler import run_notices

from .outbox_fakes import Clock
from .support import ChatDriver, Postman, add_offer, organiser_chat, resident_reminded
from .test_posting import RIGHTS

THURSDAYS = {
    "rrule": "FREQ=WEEKLY;BYDAY=TH",
    "starts_local": datetime(2026, 11, 26, 15),
    "title": "Warme Stube",
}
DEC_17 = date(2026, 12, 17)


async def organiser(
    sessions, places, now, *, user: str = "org", trusted: bool = True
) -> tuple[ChatDriver, int]:
    return await organiser_chat(sessions, places, now, trusted=trusted, user=user, rights=RIGHTS)


async def days_listed(sessions, offer_id: int) -> set[date]:
    async with sessions() as session:
        starts = await session.scalars(
            select(Occurrence.starts_at).where(Occurrence.offer_id == offer_id)
        )
        return {to_local(s).date() for s in starts}


def calendar_days(content: bytes, until: date) -> set[date]:
    """The days a calendar app would show for the file's event (its rule minus its EXDATEs)."""
    from dateutil.rrule import rrulestr

    [event] = Calendar.from_ical(content).walk("VEVENT")
    start = event.decoded("DTSTART").replace(tzinfo=None)
    if "RRULE" not in event:
        return set() if str(event.get("STATUS", "")).upper() == "CANCELLED" else {start.date()}
    skipped = set()
    exdates = event.get("EXDATE")
    for entry in exdates if isinstance(exdates, list) else [exdates] if exdates else []:
        skipped |= {d.dt.date() for d in entry.dts}
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=start, ignoretz=True)
    return {
        s.date()
        for s in rule.between(start, datetime.combine(until, datetime.min.time()), inc=True)
    } - skipped


async def cancel(chat: ChatDriver, offer_id: int, label: str, message: str | None = None) -> None:
    await chat.send_button(f"mo:{offer_id}")
    await chat.press("Einen Termin absagen")
    await chat.press(label)
    if message is None:
        await chat.press("Ohne Nachricht")
    else:
        await chat.say(message)


async def test_a_cancelled_date_stays_cancelled_when_the_time_and_rule_change(
    sessions, places, now
):
    chat, me = await organiser(sessions, places, now)
    offer = await add_offer(sessions, now, owner_id=me, **THURSDAYS)
    await cancel(chat, offer.id, "Do., 17. Dez.", "Der Saal ist belegt.")
    assert DEC_17 not in await days_listed(sessions, offer.id)

    await chat.send_button(f"mf:{offer.id}.when")
    await chat.say("dienstags und donnerstags 15 bis 17 uhr")
    assert "Abgesagte Termine bleiben abgesagt" in chat.text
    assert "❌ Abgesagt: Do., 17. Dez., 15:00 Uhr" in chat.text
    async with sessions() as session:
        stored = await session.get(Offer, offer.id)
    assert stored.rrule == "FREQ=WEEKLY;BYDAY=TU,TH" and stored.cancelled_days == ["2026-12-17"]
    listed = await days_listed(sessions, offer.id)
    assert DEC_17 not in listed and {date(2026, 12, 15), date(2026, 12, 10)} <= listed

    # Residents on the day: not in today's search; two days before, Tuesday is.
    resident = ChatDriver(
        sessions, places, datetime(2026, 12, 17, 8, tzinfo=now.tzinfo), user="resident"
    )
    await resident.say("Wernigerode heute")
    assert "Warme Stube" not in resident.text
    resident.now = datetime(2026, 12, 15, 8, tzinfo=now.tzinfo)
    await resident.say("Wernigerode heute")
    assert "Warme Stube" in resident.text and "Di., 15. Dez." in resident.text
    # Nor in the details or the calendar file.
    resident.now = now + timedelta(days=15)  # Thursday 10 Dec
    await resident.say(f"/start offer_{offer.id}")
    assert "Do., 17. Dez." not in resident.text
    await resident.press("In meinen Kalender")
    [file] = [r.attachment for r in resident.replies if r.attachment]
    days = calendar_days(file.content, date(2027, 1, 31))
    assert DEC_17 not in days and {date(2026, 12, 15), date(2026, 12, 24)} <= days

    # Nor does a new title, description or place bring it back.
    for field, answer in (
        ("title", "Warme Stube im Pfarrhaus"),
        ("description", "Tee, Suppe und Gespräche."),
        ("where", "Gemeindehaus, Markt 2, Wernigerode"),
    ):
        await chat.send_button(f"mf:{offer.id}.{field}")
        await chat.say(answer)
        assert DEC_17 not in await days_listed(sessions, offer.id), field


async def test_a_cancelled_one_off_date_is_marked_cancelled_in_its_calendar_file(
    sessions, places, now
):
    from publish.calendar import offer_calendar

    chat, me = await organiser(sessions, places, now)
    offer = await add_offer(sessions, now, owner_id=me, starts_local=datetime(2026, 12, 17, 15))
    await cancel(chat, offer.id, "Do., 17. Dez.")
    async with sessions() as session:
        stored = await session.get(Offer, offer.id)
    assert "STATUS:CANCELLED" in offer_calendar(stored, now).decode()
    # Changing its time to another day moves it; the cancelled day stays without a gathering.
    await chat.send_button(f"mf:{offer.id}.when")
    await chat.say("18.12. 15 Uhr")
    assert await days_listed(sessions, offer.id) == {date(2026, 12, 18)}
    await chat.send_button(f"mf:{offer.id}.when")
    await chat.say("17.12. 16 Uhr")
    assert await days_listed(sessions, offer.id) == set()


async def test_the_organiser_lets_a_cancelled_date_take_place_and_everyone_told_hears_it(
    sessions, places, now
):
    chat, me = await organiser(sessions, places, now)
    offer = await add_offer(sessions, now, owner_id=me, **THURSDAYS)
    await resident_reminded(sessions, places, now, "101", offer.id, "Jedes Mal", "Beides")
    await resident_reminded(
        sessions, places, now, "102", offer.id, "Nur am Do., 10. Dez.", "Am Vortag"
    )
    await cancel(chat, offer.id, "Do., 10. Dez.")
    await run_notices(sessions, now)
    postman = Postman(sessions, Clock(now))
    told = {c: t for c, t in (await postman.deliver()).items() if c.startswith("telegram:")}
    assert told == {
        c: ["❌ Warme Stube fällt am Do., 10. Dez. aus."] for c in ("telegram:101", "telegram:102")
    }

    await chat.send_button(f"mo:{offer.id}")
    await chat.press("Termin wieder stattfinden lassen")
    assert "Welcher abgesagte Termin findet doch statt?" in chat.text
    await chat.press("Do., 10. Dez.")
    assert "Der Termin findet doch statt" in chat.text and "Abgesagt:" not in chat.text
    assert date(2026, 12, 10) in await days_listed(sessions, offer.id)
    assert await run_notices(sessions, now + timedelta(minutes=1)) == 2
    postman = Postman(sessions, Clock(now + timedelta(minutes=1)))
    told = {c: t for c, t in (await postman.deliver()).items() if c.startswith("telegram:")}
    # 102's reminder for that date went with the cancellation; the notice still reaches them.
    assert told == {
        c: ["✅ Warme Stube findet am Do., 10. Dez. doch statt."]
        for c in ("telegram:101", "telegram:102")
    }


async def test_a_date_cancelled_and_restored_before_anyone_was_told_is_not_told(
    sessions, places, now
):
    chat, me = await organiser(sessions, places, now)
    offer = await add_offer(sessions, now, owner_id=me, **THURSDAYS)
    await resident_reminded(sessions, places, now, "101", offer.id, "Jedes Mal", "Beides")
    await cancel(chat, offer.id, "Do., 17. Dez.")
    await chat.send_button(f"mb:{offer.id}.20261217")
    assert await run_notices(sessions, now) == 0
    async with sessions() as session:
        assert all(c.notified_at == now for c in await session.scalars(select(OfferChange)))


async def test_restore_buttons_are_checked_when_pressed(sessions, places, now):
    chat, me = await organiser(sessions, places, now)
    offer = await add_offer(sessions, now, owner_id=me, **THURSDAYS)
    await cancel(chat, offer.id, "Do., 17. Dez.")
    intruder, _ = await organiser(sessions, places, now, user="intruder")
    for data in (f"mw:{offer.id}", f"mb:{offer.id}.20261217"):
        await intruder.send_button(data)
        assert "nicht mehr" in intruder.text, data
    for data in (f"mb:{offer.id}.20261210", f"mb:{offer.id}.2026121", f"mb:{offer.id}.20261317"):
        await chat.send_button(data)  # a date that is not cancelled, or no date at all
        assert "nicht mehr" in chat.text, data
    async with sessions() as session:
        assert (await session.get(Offer, offer.id)).cancelled_days == ["2026-12-17"]


async def test_the_migration_moves_cancelled_dates_out_of_the_rule(database_url, tmp_path):
    from models.db import upgrade

    from .test_migrations import _fresh_engine

    engine = await _fresh_engine(database_url, tmp_path)
    try:
        await upgrade(engine, "0012")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO offers (id, title, description, category, organiser, venue_name, "
                    "address, place_name, latitude, longitude, cost, price, contact, status, "
                    "is_example, starts_local, duration_minutes, rrule, exdates, created_at, "
                    "updated_at, review_note) VALUES (1, 'Café', '', 'cafe', '', '', '', "
                    "'Wernigerode', 51.8, 10.7, 'free', '', '', 'published', false, '2026-11-26 "
                    "15:00:00', 120, 'FREQ=WEEKLY;BYDAY=TH', '[\"2026-12-17\", \"2026-12-24\"]', "
                    "'2026-11-20 10:00:00', '2026-11-20 10:00:00', '')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO offer_changes (id, offer_id, at, kind, day, message)"
                    " VALUES (1, 1, '2026-11-21 10:00:00', 'date_cancelled', '2026-12-17', '')"
                )
            )
        await upgrade(engine)
        async with engine.connect() as connection:
            row = (
                await connection.execute(text("SELECT exdates, cancelled_days FROM offers"))
            ).one()
        import json

        exdates, cancelled = (json.loads(v) if isinstance(v, str) else v for v in row)
        assert (exdates, cancelled) == (["2026-12-24"], ["2026-12-17"])
    finally:
        await engine.dispose()


async def test_published_offers_without_cancellations_are_unchanged_by_the_new_column(
    sessions, now
):
    offer = await add_offer(sessions, now, **THURSDAYS)
    async with sessions() as session:
        stored = await session.get(Offer, offer.id)
    assert stored.cancelled_days == [] and stored.status is OfferStatus.PUBLISHED
    assert stored.schedule == stored.rule_schedule
