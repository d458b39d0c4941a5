"""Coordinators in chat: /lage for the state, a district and a place; unmet searches counted
as aggregates; invitations; a coordinator limited to one district sees nothing of another;
everyone else sees nothing at all."""

from __future__ import annotations

from sqlalchemy import select

from models.coordination import CoordinatorList
from models.unmet import UnmetSearch, count_unmet
from places.geo import distance_km

from .support import ChatDriver, add_offer

QUEDLINBURG = {"place_name": "Quedlinburg", "latitude": 51.7894, "longitude": 11.1413}
STENDAL = {"place_name": "Stendal", "latitude": 52.6056, "longitude": 11.8583}
HARZ, STENDAL_KEY = "15085", "15090"


def _coordinator(sessions, places, now, user="amt", district=""):
    chat = ChatDriver(sessions, places, now, user=user)
    chat.core.services.coordinators = CoordinatorList({f"terminal:{user}": district})
    return chat


async def test_a_search_without_result_is_counted_without_anyone(sessions, places, now):
    resident = ChatDriver(sessions, places, now, user="anna")
    await resident.say("Huy")
    assert "Leider" in resident.text or "keine" in resident.text.lower()
    await resident.say("Quedlinburg")
    async with sessions() as session:
        rows = (
            await session.execute(select(UnmetSearch.ags, UnmetSearch.month, UnmetSearch.count))
        ).all()
    assert sorted(rows) == [("15085185", "2026-11", 1), ("15085235", "2026-11", 1)]
    assert {c.name for c in UnmetSearch.__table__.columns} == {"ags", "month", "count"}


async def test_a_search_with_a_result_is_not_counted(sessions, places, now):
    await add_offer(sessions, now, **QUEDLINBURG)
    resident = ChatDriver(sessions, places, now, user="anna")
    await resident.say("Quedlinburg")
    assert "Adventscafé" in resident.text
    async with sessions() as session:
        assert (await session.scalars(select(UnmetSearch))).all() == []


async def test_the_state_at_a_glance(sessions, places, now):
    await add_offer(sessions, now, **QUEDLINBURG)
    async with sessions() as session, session.begin():
        await count_unmet(session, "15085185", now, times=7)  # Huy
        await count_unmet(session, "15090535", now, times=12)  # Stendal
    chat = _coordinator(sessions, places, now)
    await chat.say("/lage")
    text = chat.text
    assert "Die Lage in Sachsen-Anhalt" in text
    assert "1 Angebot mit einem Termin in den nächsten 14 Tagen" in text
    assert "Suchen ohne Ergebnis im November 2026: 19" in text
    near = {
        ags
        for ags, ps in places.places_in().items()
        if any(
            distance_km(p.lat, p.lon, QUEDLINBURG["latitude"], QUEDLINBURG["longitude"]) <= 10
            for p in ps
        )
    }
    assert {"15085235", "15085185"} <= near or "15085235" in near  # Quedlinburg itself is covered
    assert f"{218 - len(near)} von 218 Gemeinden" in text
    attachment = chat.replies[0].attachment
    assert attachment.mime_type == "image/png" and attachment.content.startswith(b"\x89PNG")


async def test_a_district_coordinator_sees_only_their_district(sessions, places, now):
    await add_offer(sessions, now, **QUEDLINBURG)
    await add_offer(sessions, now, title="Stendaler Stube", **STENDAL)
    async with sessions() as session, session.begin():
        await count_unmet(session, "15090535", now, times=9)  # Stendal
        await count_unmet(session, "15085185", now, times=6)  # Huy
    chat = _coordinator(sessions, places, now, district=HARZ)
    await chat.say("/lage")
    assert "Die Lage in Landkreis Harz" in chat.text
    assert "Suchen ohne Ergebnis im November 2026: 6" in chat.text
    await chat.say("/lage Stendal")
    assert "Das sehen nur Koordinatorinnen" in chat.text
    assert "9" not in chat.text
    await chat.send_button(f"kd:{STENDAL_KEY}")
    assert "Das sehen nur Koordinatorinnen" in chat.text
    await chat.send_button("kb:15090535")
    assert "Das sehen nur Koordinatorinnen" in chat.text


async def test_small_counts_never_show_in_chat(sessions, places, now):
    async with sessions() as session, session.begin():
        await count_unmet(session, "15085185", now, times=3)  # Huy: a small count
        await count_unmet(session, "15090535", now, times=12)  # Stendal
    chat = _coordinator(sessions, places, now, district=HARZ)
    await chat.say("/lage")
    assert "Suchen ohne Ergebnis im November 2026: < 5" in chat.text
    state = _coordinator(sessions, places, now, user="land")
    await state.say("/lage")  # 15 in total would give Huy's 3 away (15 - 12)
    assert "Suchen ohne Ergebnis im November 2026: •" in state.text
    await chat.say("/lage Huy")
    assert "diesen Monat: < 5" in chat.text and "3" not in chat.text.split("diesen Monat:")[1]


async def test_residents_see_nothing(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user="anna")
    for command in ("/lage", "/lage Harz", "/koordination"):
        await chat.say(command)
        assert "Das sehen nur Koordinatorinnen" in chat.text
    for button in ("kd:all", "kw", "ki", "kb:15085185"):
        await chat.send_button(button)
        assert "Das sehen nur Koordinatorinnen" in chat.text


async def test_an_invited_coordinator_gets_the_inviters_district(sessions, places, now):
    boss = _coordinator(sessions, places, now, district=HARZ)
    await boss.send_button("ki")
    code = boss.html.split("<b>")[1].split("</b>")[0]
    newcomer = ChatDriver(sessions, places, now, user="mayor")
    await newcomer.say(f"/koordination {code}")
    assert "Willkommen" in newcomer.text
    await newcomer.say("/lage")
    assert "Die Lage in Landkreis Harz" in newcomer.text
    await newcomer.say("/lage Stendal")
    assert "Das sehen nur Koordinatorinnen" in newcomer.text
    other = ChatDriver(sessions, places, now, user="other")
    await other.say(f"/koordination {code}")
    assert "Dieser Code gilt nicht (mehr)" in other.text
