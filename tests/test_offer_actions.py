"""The buttons under an offer: into the calendar, show the place, share it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar
from sqlalchemy import select

from handlers.core import ROUTES
from models import Occurrence

from .support import ChatDriver, add_offer

BUTTONS = ROUTES.buttons

BERLIN = ZoneInfo("Europe/Berlin")


def _well_formed(chat: ChatDriver) -> None:
    for button in chat.buttons():
        assert len(button.data.encode()) <= 64 and ROUTES.takes(button.data), button


async def test_details_offer_calendar_place_share_and_back(chat, sessions, now):
    await add_offer(sessions, now, title="Adventscafé im Pfarrhaus")
    await chat.say("Wernigerode")
    await chat.press("Adventscafé")
    assert chat.labels() == [
        "🔔 Erinnern",
        "📅 In meinen Kalender",
        "📍 Ort anzeigen",
        "↗️ Teilen",
        "🔙 Zurück",
    ]
    _well_formed(chat)


async def test_no_back_button_without_a_list(chat, sessions, now):
    offer = await add_offer(sessions, now, title="Spielenachmittag")
    await chat.say(f"/start offer_{offer.id}")  # a deep link: there is no list to go back to
    assert chat.labels() == ["🔔 Erinnern", "📅 In meinen Kalender", "📍 Ort anzeigen", "↗️ Teilen"]


async def test_calendar_file_of_a_weekly_offer(chat, sessions, now):
    offer = await add_offer(
        sessions,
        now,
        title="Adventscafé; mit Kuchen, Kaffee",
        description="Kaffee und Kuchen\nfür alle",
        rrule="FREQ=WEEKLY;BYDAY=TU",
        starts_local=datetime(2026, 1, 6, 15),
        duration_minutes=120,
        exdates=["2026-12-22", "2026-12-29"],
        contact="Frau Müller, 03943 1234",
    )
    await chat.say("Wernigerode")
    await chat.press("Adventscafé")
    await chat.press("In meinen Kalender")
    [reply] = chat.replies
    assert "für Ihren Kalender" in chat.text
    file = reply.attachment
    assert file.filename == f"nahbar-{offer.id}.ics" and file.mime_type == "text/calendar"

    calendar = Calendar.from_ical(file.content)
    assert "Nahbar" in str(calendar["prodid"]) and str(calendar["version"]) == "2.0"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"offer-{offer.id}@nahbar"
    assert str(event["summary"]) == "Adventscafé; mit Kuchen, Kaffee"  # escaped and read back
    assert "Kaffee und Kuchen" in str(event["description"]) and "Frau Müller" in str(
        event["description"]
    )
    assert str(event["location"]) == "Pfarrhaus, Kirchstraße 1, Wernigerode"

    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert (start.replace(tzinfo=None), str(start.tzinfo)) == (
        datetime(2026, 1, 6, 15),
        "Europe/Berlin",
    )
    assert end - start == timedelta(hours=2) and end.hour == 17
    assert event["rrule"]["FREQ"] == ["WEEKLY"] and event["rrule"]["BYDAY"] == ["TU"]
    exdates = [d.dt for d in event["exdate"].dts]
    assert [(d.date(), d.hour, str(d.tzinfo)) for d in exdates] == [
        (date(2026, 12, 22), 15, "Europe/Berlin"),
        (date(2026, 12, 29), 15, "Europe/Berlin"),
    ]

    # A calendar expanding the file gets exactly the dates Nahbar shows.
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=start)
    horizon = now + timedelta(days=40)
    from_file = [s for s in rule.between(now, horizon) if s not in exdates]
    async with sessions() as session:
        stored = (
            await session.scalars(
                select(Occurrence.starts_at)
                .where(Occurrence.offer_id == offer.id, Occurrence.starts_at < horizon)
                .order_by(Occurrence.starts_at)
            )
        ).all()
    assert from_file == [s.astimezone(BERLIN) for s in stored]
    assert date(2026, 12, 22) not in {s.date() for s in from_file}
    assert all(s.hour == 15 for s in from_file)

    # the file is a new message; the details stay where they were
    assert not reply.edit


async def test_calendar_file_of_a_one_off_offer(chat, sessions, now):
    offer = await add_offer(
        sessions,
        now,
        title="Weihnachtsbasteln",
        starts_local=datetime(2026, 12, 12, 14, 30),
        duration_minutes=90,
        venue_name="",
        address="",
    )
    await chat.say(f"/start offer_{offer.id}")
    await chat.press("Kalender")
    [event] = Calendar.from_ical(chat.replies[0].attachment.content).walk("VEVENT")
    assert "RRULE" not in event and "EXDATE" not in event
    assert event.decoded("dtstart") == datetime(2026, 12, 12, 14, 30, tzinfo=BERLIN)
    assert event.decoded("dtend") == datetime(2026, 12, 12, 16, 0, tzinfo=BERLIN)
    assert str(event["location"]) == "Wernigerode"
    assert (
        "Termin einzutragen" in chat.text and "Wiederholungen" not in chat.text
    )  # one date, not "all"
    again = chat.replies[0].attachment.content
    await chat.send_button(f"oc:{offer.id}")
    later = Calendar.from_ical(chat.replies[0].attachment.content).walk("VEVENT")[0]
    assert later["uid"] == event["uid"]  # importing twice updates, never duplicates
    assert again.count(b"BEGIN:VEVENT") == 1


async def test_the_town_is_named_once_where_the_address_names_it(chat, sessions, now):
    offer = await add_offer(
        sessions,
        now,
        title="Café",
        venue_name="Bürgerhaus",
        address="Marktplatz 4, Quedlinburg",
        place_name="Quedlinburg",
        latitude=51.7890,
        longitude=11.1413,
    )
    await chat.say(f"/start offer_{offer.id}")
    assert (
        "📍 Bürgerhaus, Marktplatz 4, Quedlinburg" in chat.text
        and "Quedlinburg, Quedlinburg" not in chat.text
    )
    await chat.press("Ort anzeigen")
    assert chat.replies[0].venue.address == "Marktplatz 4, Quedlinburg"
    assert "Quedlinburg, Quedlinburg" not in chat.text
    await chat.send_button(f"oc:{offer.id}")
    [event] = Calendar.from_ical(chat.replies[0].attachment.content).walk("VEVENT")
    assert str(event["location"]) == "Bürgerhaus, Marktplatz 4, Quedlinburg"


async def test_show_place_sends_a_venue(chat, sessions, now):
    offer = await add_offer(
        sessions,
        now,
        title="<Warme> Stube",
        venue_name="Gemeindehaus & Co",
        address="Markt 2",
        latitude=51.8361,
        longitude=10.7855,
    )
    await chat.say(f"/start offer_{offer.id}")
    await chat.press("Ort anzeigen")
    [reply] = chat.replies
    assert reply.venue.latitude == 51.8361 and reply.venue.longitude == 10.7855
    assert reply.venue.title == "Gemeindehaus & Co"
    assert reply.venue.address == "Markt 2, Wernigerode"
    assert "Hier findet „&lt;Warme&gt; Stube“ statt" in reply.text
    assert "Gemeindehaus &amp; Co, Markt 2, Wernigerode" in reply.text


async def test_share_without_a_link_shows_the_command(chat, sessions, now):
    offer = await add_offer(
        sessions, now, title="Adventscafé", starts_local=datetime(2026, 11, 26, 15)
    )
    await chat.say(f"/start offer_{offer.id}")
    await chat.press("Teilen")
    hint, message = chat.replies
    assert "weiter" in hint.text
    assert (
        "Adventscafé" in message.text
        and "Do., 26. Nov., 15:00–17:00 Uhr in Wernigerode" in message.text
    )
    assert f"/start offer_{offer.id}" in message.text

    friend = ChatDriver(
        sessions, chat.core.services.places, now, user="999"
    )  # the friend writes it
    await friend.say(f"/start offer_{offer.id}")
    assert "Adventscafé" in friend.text and "Kaffee und Kuchen" in friend.text


async def test_share_with_the_platforms_deep_link(chat, sessions, now):
    offer = await add_offer(sessions, now, title="Spaziergang", category="walk")
    chat.core.services.share_links["terminal"] = lambda offer_id: (
        f"https://t.me/nahbar_bot?start=offer_{offer_id}"
    )
    await chat.send_button(f"os:{offer.id}")
    assert f"https://t.me/nahbar_bot?start=offer_{offer.id}" in chat.text
    assert "/start offer_" not in chat.text
    assert "Leiten Sie die nächste Nachricht" in chat.text


async def test_actions_only_for_published_offers(chat, sessions, now):
    draft = await add_offer(sessions, now, title="Entwurf", status="draft")
    cancelled = await add_offer(sessions, now, title="Abgesagt", status="cancelled")
    for offer in (draft, cancelled):
        for verb in ("oc", "ov", "os"):
            await chat.send_button(f"{verb}:{offer.id}")
            assert "gibt es leider nicht" in chat.text, (verb, offer.title)
            assert offer.title not in chat.text
            assert all(r.attachment is None and r.venue is None for r in chat.replies)
    for data in ["oc:abc", "ov:-1", "os:", "oc:" + "9" * 40, "oc:999999"]:
        await chat.send_button(data)
        assert "nicht mehr" in chat.text or "gibt es leider nicht" in chat.text, data
        assert all(r.attachment is None and r.venue is None for r in chat.replies)


async def test_english_calendar_and_share(sessions, places, now):
    offer = await add_offer(sessions, now, title="Café", starts_local=datetime(2026, 11, 26, 15))
    chat = ChatDriver(sessions, places, now, language="en")
    await chat.say(f"/start offer_{offer.id}")
    assert chat.labels() == ["🔔 Remind me", "📅 Add to my calendar", "📍 Show place", "↗️ Share"]
    await chat.press("Share")
    assert "Thu, 26 Nov, 15:00–17:00 in Wernigerode" in chat.text
