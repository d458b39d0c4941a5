"""Calendar and RSS feeds, parsed back as a calendar app and a feed reader would: stable UIDs,
SEQUENCE and STATUS:CANCELLED after a change and a cancellation, an alarm, and 304s for an
unchanged feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

from icalendar import Calendar

from models import Offer
from models.occurrences import refresh
from models.organising import ChangeKind, cancel_date, cancel_series, record_change

from .support import add_offer
from .web_support import web_client

WERNIGERODE = {"place_name": "Wernigerode", "latitude": 51.8365, "longitude": 10.7822}


def _events(body: bytes) -> list:
    return list(Calendar.from_ical(body).walk("VEVENT"))


async def test_calendar_feed_marks_changes_and_cancellations(sessions, places, now, monkeypatch):
    monkeypatch.setattr("web.feeds.CHECK_EVERY", 0.0)  # ask the store on every request
    weekly = await add_offer(
        sessions,
        now,
        title="Adventscafé",
        rrule="FREQ=WEEKLY;BYDAY=TH",
        starts_local=datetime(2026, 11, 26, 15),
        **WERNIGERODE,
    )
    walk = await add_offer(
        sessions,
        now,
        title="Spaziergang",
        category="walk",
        starts_local=datetime(2026, 11, 28, 10),
        **WERNIGERODE,
    )
    async with web_client(sessions, places, now) as client:
        first = await client.get("/ort/Wernigerode.ics")
        assert first.status == 200 and first.content_type == "text/calendar"
        events = {str(e["UID"]): e for e in _events(await first.read())}
        assert set(events) == {f"offer-{weekly.id}@nahbar", f"offer-{walk.id}@nahbar"}
        cafe = events[f"offer-{weekly.id}@nahbar"]
        assert str(cafe["SUMMARY"]) == "Adventscafé" and int(cafe["SEQUENCE"]) == 0
        assert str(cafe["STATUS"]) == "CONFIRMED" and cafe["RRULE"]["FREQ"] == ["WEEKLY"]
        assert cafe.decoded("DTSTART") == datetime(
            2026, 11, 26, 15, tzinfo=cafe.decoded("DTSTART").tzinfo
        )
        [alarm] = cafe.walk("VALARM")
        assert alarm.decoded("TRIGGER") == -timedelta(days=1) and str(alarm["ACTION"]) == "DISPLAY"
        assert str(cafe["URL"]) == f"https://nahbar.example.org/angebot/{weekly.id}"

        # Polling costs nothing while nothing changed.
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert (
            await client.get("/ort/Wernigerode.ics", headers={"If-None-Match": etag})
        ).status == 304
        assert (
            await client.get("/ort/Wernigerode.ics", headers={"If-Modified-Since": modified})
        ).status == 304

        # The organiser calls off one Thursday, moves the series to 16:00, and cancels the walk.
        async with sessions() as session, session.begin():
            cafe_row = await session.get(Offer, weekly.id)
            await cancel_date(session, cafe_row, date(2026, 12, 3), "Krank", now)
            cafe_row.starts_local = datetime(2026, 11, 26, 16)
            await refresh(session, cafe_row, now)
            record_change(session, cafe_row, ChangeKind.TIME, now)
            await cancel_series(session, await session.get(Offer, walk.id), "Regen", now)

        changed = await client.get("/ort/Wernigerode.ics", headers={"If-None-Match": etag})
        assert changed.status == 200 and changed.headers["ETag"] != etag
        events = _events(await changed.read())
        masters = {str(e["UID"]): e for e in events if "RECURRENCE-ID" not in e}
        cafe = masters[f"offer-{weekly.id}@nahbar"]
        assert int(cafe["SEQUENCE"]) == 2 and str(cafe["STATUS"]) == "CONFIRMED"
        assert cafe.decoded("DTSTART").hour == 16
        [called_off] = [e for e in events if "RECURRENCE-ID" in e]
        assert str(called_off["UID"]) == f"offer-{weekly.id}@nahbar"
        assert called_off.decoded("RECURRENCE-ID").date() == date(2026, 12, 3)
        assert str(called_off["STATUS"]) == "CANCELLED" and int(called_off["SEQUENCE"]) == 2
        cancelled = masters[f"offer-{walk.id}@nahbar"]
        assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 1
        assert not cancelled.walk("VALARM")  # no reminder for what will not happen

        # The same feed by parameters, and one offer's own file, say the same.
        by_params = _events(await (await client.get("/feed.ics?ort=Wernigerode&umkreis=10")).read())
        assert {str(e["UID"]) for e in by_params} == set(masters)
        [own, override] = _events(await (await client.get(f"/angebot/{weekly.id}.ics")).read())
        assert int(own["SEQUENCE"]) == 2 and str(override["STATUS"]) == "CANCELLED"


async def test_feed_filters_by_kind_and_step_free(sessions, places, now):
    await add_offer(sessions, now, title="Café", category="cafe", wheelchair="yes", **WERNIGERODE)
    await add_offer(sessions, now, title="Spaziergang", category="walk", **WERNIGERODE)
    async with web_client(sessions, places, now) as client:
        walks = _events(await (await client.get("/feed.ics?ort=Wernigerode&art=walk")).read())
        step_free = _events(await (await client.get("/ort/Wernigerode.ics?barrierefrei=ja")).read())
    assert [str(e["SUMMARY"]) for e in walks] == ["Spaziergang"]
    assert [str(e["SUMMARY"]) for e in step_free] == ["Café"]


async def test_rss_feed_lists_the_offers_with_stable_guids(sessions, places, now):
    offer = await add_offer(sessions, now, title="Warme Stube", category="warm_room", **WERNIGERODE)
    async with web_client(sessions, places, now) as client:
        response = await client.get("/feed.rss?ort=Wernigerode")
        assert response.content_type == "application/rss+xml"
        channel = ET.fromstring(await response.read()).find("channel")
        [item] = channel.findall("item")
        assert item.findtext("title") == "Warme Stube"
        assert item.findtext("guid") == f"offer-{offer.id}@nahbar"
        assert item.findtext("link") == f"https://nahbar.example.org/angebot/{offer.id}"
        assert "Do., 26. Nov., 15:00–17:00 Uhr" in item.findtext("description")
        again = await client.get(
            "/feed.rss?ort=Wernigerode", headers={"If-None-Match": response.headers["ETag"]}
        )
        assert again.status == 304
