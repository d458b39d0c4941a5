"""When an organiser changes the time or place of an offer, cancels a date or the whole offer,
or deletes it, everyone with a reminder for it is told once, with the organiser's message."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from models import Offer, OutboxMessage, User
from models.organising import ChangeKind, OfferChange, record_change
from models.reminders import Reminder
from scheduler import run_notices, run_reminders

from .outbox_fakes import Clock
from .support import ChatDriver, Postman, add_offer, resident_reminded
from .test_posting import RIGHTS

WEEKLY = {"rrule": "FREQ=WEEKLY;BYDAY=TU", "starts_local": datetime(2026, 12, 1, 15)}


async def _setup(sessions, places, now, *, trusted: bool = True):
    organiser = ChatDriver(sessions, places, now, user="org", rights=RIGHTS)
    await organiser.say("/start")
    async with sessions() as session, session.begin():
        me = await session.scalar(select(User).where(User.platform_id == "org"))
        me.trust = "trusted" if trusted else "new"
    offer = await add_offer(sessions, now, owner_id=me.id, **WEEKLY)
    return organiser, offer


_resident = resident_reminded


def _residents_only(delivered: dict[str, list[str]]) -> dict[str, list[str]]:
    return {chat: texts for chat, texts in delivered.items() if chat.startswith("telegram:")}


async def test_a_cancelled_date_is_told_once_with_the_organisers_words(sessions, places, now):
    organiser, offer = await _setup(sessions, places, now)
    await _resident(sessions, places, now, "101", offer.id, "Jedes Mal", "Beides")
    await _resident(sessions, places, now, "102", offer.id, "Nur am Di., 8. Dez.", "Am Vortag")
    await _resident(sessions, places, now, "103", offer.id, "Nur am Di., 15. Dez.", "Am Vortag")
    await organiser.send_button(f"mo:{offer.id}")
    await organiser.press("Einen Termin absagen")
    await organiser.press("Di., 8. Dez.")
    await organiser.say("Am 8. Dezember ist der Saal belegt, wir sehen uns am 15.!")
    assert await run_notices(sessions, now) == 2  # 101 (every time) and 102 (that date); not 103
    assert await run_notices(sessions, now + timedelta(minutes=1)) == 0  # once
    delivered = _residents_only(await Postman(sessions, Clock(now)).deliver())
    expected = (
        "❌ Adventscafé fällt am Di., 8. Dez. aus.\n\n"
        "💬 Die Veranstalter schreiben: „Am 8. Dezember ist der Saal belegt, wir sehen uns am 15.!“"
    )
    assert delivered == {"telegram:101": [expected], "telegram:102": [expected]}
    async with sessions() as session:
        [change] = (await session.scalars(select(OfferChange))).all()
        assert change.notified_at == now
        left = {(r.chat, r.day) for r in await session.scalars(select(Reminder))}
    assert {chat for chat, _ in left} == {"telegram:101", "telegram:103"}  # 102's date is gone
    # No reminder for the cancelled date, the next one as usual.
    await run_reminders(sessions, datetime(2026, 12, 7, 8, tzinfo=now.tzinfo))
    await run_reminders(sessions, datetime(2026, 12, 14, 8, tzinfo=now.tzinfo))
    async with sessions() as session:
        starts = {
            r.payload["start"][:10]
            for r in await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "remind")
            )
        }
    assert starts == {"2026-12-15"}


async def test_the_whole_offer_cancelled_tells_everyone_and_ends_their_reminders(
    sessions, places, now
):
    organiser, offer = await _setup(sessions, places, now)
    await _resident(sessions, places, now, "101", offer.id, "Jedes Mal", "Beides")
    await _resident(sessions, places, now, "102", offer.id, "Nur am Di., 8. Dez.", "Am Vortag")
    await organiser.send_button(f"mo:{offer.id}")
    await organiser.press("Ganz absagen")
    await organiser.press("Ohne Nachricht")
    assert await run_notices(sessions, now) == 2
    delivered = _residents_only(await Postman(sessions, Clock(now)).deliver())
    text = "🛑 Adventscafé findet nicht mehr statt. Ihre Erinnerung daran ist gelöscht."
    assert delivered == {"telegram:101": [text], "telegram:102": [text]}
    async with sessions() as session:
        assert (await session.scalars(select(Reminder))).all() == []


async def test_a_deleted_offer_is_told_although_its_rows_are_gone(sessions, places, now):
    organiser, offer = await _setup(sessions, places, now)
    await _resident(sessions, places, now, "101", offer.id, "Jedes Mal", "Beides")
    await organiser.send_button(f"mz:{offer.id}")
    await organiser.press("Ja, löschen")
    delivered = _residents_only(await Postman(sessions, Clock(now)).deliver())
    assert delivered == {
        "telegram:101": [
            "🛑 Adventscafé findet nicht mehr statt. Ihre Erinnerung daran ist gelöscht."
        ]
    }


async def test_a_new_time_is_told_with_the_new_dates(sessions, places, now):
    organiser, offer = await _setup(sessions, places, now)
    resident = await _resident(sessions, places, now, "101", offer.id, "Jedes Mal", "Beides")
    await organiser.send_button(f"mf:{offer.id}.when")
    await organiser.say("jeden Mittwoch 16-18 Uhr")
    await organiser.send_button(f"mf:{offer.id}.title")
    await organiser.say("Adventscafé mit Musik")  # a title is no reason to write to anyone
    assert await run_notices(sessions, now) == 1
    delivered = _residents_only(await Postman(sessions, Clock(now)).deliver())
    assert delivered == {
        "telegram:101": [
            (
                "🕒 Adventscafé mit Musik hat eine neue Zeit.\n🔁 jeden Mittwoch\n"
                "Nächster Termin: Mi., 25. Nov., 16:00–18:00 Uhr"
            )
        ]
    }
    # The reminders follow the new time; rows queued for the old one are dropped when due.
    await run_reminders(sessions, datetime(2026, 12, 1, 12, tzinfo=now.tzinfo))
    async with sessions() as session:
        starts = sorted(
            {
                r.payload["start"]
                for r in await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.kind == "remind")
                )
            }
        )
    assert starts == ["2026-12-02T15:00:00+00:00"]
    assert resident.address == "telegram:101"


async def test_a_new_place_is_told_and_combined_with_a_new_time_in_one_message(
    sessions, places, now
):
    _organiser, offer = await _setup(sessions, places, now)
    await _resident(sessions, places, now, "101", offer.id, "Jedes Mal", "Beides")
    async with sessions() as session, session.begin():  # one save changed both (as the form can)
        stored = await session.get(Offer, offer.id)
        stored.venue_name, stored.address = "Gemeindehaus", "Markt 2"
        record_change(session, stored, ChangeKind.TIME, now)
        record_change(session, stored, ChangeKind.PLACE, now)
    assert await run_notices(sessions, now) == 1
    [text] = _residents_only(await Postman(sessions, Clock(now)).deliver())["telegram:101"]
    assert "🕒 Adventscafé hat eine neue Zeit." in text
    assert "📍 Adventscafé findet jetzt hier statt: Gemeindehaus, Markt 2, Wernigerode" in text


async def test_a_new_organisers_change_is_told_only_once_a_moderator_published_it(
    sessions, places, now
):
    organiser, offer = await _setup(sessions, places, now, trusted=False)
    await _resident(sessions, places, now, "101", offer.id, "Jedes Mal", "Beides")
    await organiser.send_button(f"mf:{offer.id}.when")
    await organiser.say("jeden Mittwoch 16-18 Uhr")
    assert "bis dahin sehen alle das Angebot wie bisher" in organiser.text
    assert await run_notices(sessions, now) == 0  # waiting for the moderator
    moderator = ChatDriver(sessions, places, now, user="mod", rights=RIGHTS)
    await moderator.send_button(f"va:{offer.id}")
    assert await run_notices(sessions, now) == 1
    delivered = _residents_only(await Postman(sessions, Clock(now)).deliver())
    assert delivered["telegram:101"][0].startswith("🕒 Adventscafé hat eine neue Zeit.")


async def test_paused_chats_are_not_told(sessions, places, now):
    from models.outbox import PausedChat

    organiser, offer = await _setup(sessions, places, now)
    await _resident(sessions, places, now, "101", offer.id, "Jedes Mal", "Beides")
    await _resident(sessions, places, now, "102", offer.id, "Jedes Mal", "Beides")
    async with sessions() as session, session.begin():
        session.add(PausedChat(chat="telegram:102", paused_at=now, reason="blocked"))
    await organiser.send_button(f"mo:{offer.id}")
    await organiser.press("Ganz absagen")
    await organiser.say("Leider fällt es aus.")
    assert await run_notices(sessions, now) == 1
    assert set(_residents_only(await Postman(sessions, Clock(now)).deliver())) == {"telegram:101"}


async def test_notices_in_english(sessions, places, now):
    organiser, offer = await _setup(sessions, places, now)
    resident = ChatDriver(sessions, places, now, user="101", platform="telegram", language="en")
    await resident.say(f"/start offer_{offer.id}")
    await resident.press("Remind me")
    await resident.press("Every time")
    await resident.press("Both")
    await organiser.send_button(f"mo:{offer.id}")
    await organiser.press("Einen Termin absagen")
    await organiser.press("Di., 8. Dez.")
    await organiser.say("Saal belegt")
    await run_notices(sessions, now)
    delivered = _residents_only(await Postman(sessions, Clock(now)).deliver())
    assert delivered == {
        "telegram:101": [
            (
                "❌ Adventscafé does not take place on Tue, 8 Dec.\n\n💬 The organisers write: "
                "“Saal belegt”"
            )
        ]
    }
