"""Organisers manage their offers in /meine: change, pause, cancel a date or the series with a
message, offer again, delete; and nobody else can do any of it to their offers."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from models import Offer, OfferStatus
from models.organising import OfferChange

from .support import ChatDriver, add_offer, organiser_chat
from .test_posting import RIGHTS


async def _owner(
    sessions, places, now, *, trusted: bool = True, user: str = "org"
) -> tuple[ChatDriver, int]:
    return await organiser_chat(sessions, places, now, trusted=trusted, user=user, rights=RIGHTS)


async def _weekly(sessions, now, owner_id: int, **fields) -> Offer:
    return await add_offer(
        sessions,
        now,
        title="Adventscafé",
        rrule="FREQ=WEEKLY;BYDAY=TU",
        starts_local=datetime(2026, 12, 1, 15),
        owner_id=owner_id,
        **fields,
    )


async def _get(sessions, offer_id: int) -> Offer:
    async with sessions() as session:
        return await session.get(Offer, offer_id)


async def test_my_offers_with_status_and_next_date(sessions, places, now):
    chat, me = await _owner(sessions, places, now)
    await _weekly(sessions, now, me)
    await add_offer(sessions, now, title="Noch in Prüfung", status="pending", owner_id=me)
    await chat.say("/meine")
    # Waiting for review, its dates are planned already (issue 15).
    assert (
        "1. Noch in Prüfung\n    ⏳ wartet auf die Moderation · Do., 26. Nov., 15:00 Uhr"
        in chat.text
    )
    assert "2. Adventscafé\n    ✅ veröffentlicht · Di., 1. Dez., 15:00 Uhr" in chat.text
    await chat.press("Adventscafé")
    assert "🗓 jeden Dienstag, 15:00–17:00 Uhr" in chat.text
    assert chat.labels()[:3] == ["✏️ Ändern", "⏸ Pausieren", "❌ Einen Termin absagen"]


async def test_change_the_title_of_a_published_offer(sessions, places, now):
    chat, me = await _owner(sessions, places, now)
    offer = await _weekly(sessions, now, me)
    await chat.say("/meine")
    await chat.press("Adventscafé")
    await chat.press("Ändern")
    await chat.press("Titel")
    assert "Wie heißt es?" in chat.text
    await chat.say("Adventscafé mit Musik")
    assert "✅ Gespeichert." in chat.text and "Adventscafé mit Musik" in chat.text
    stored = await _get(sessions, offer.id)
    assert stored.title == "Adventscafé mit Musik" and stored.status is OfferStatus.PUBLISHED


async def test_back_from_changing_an_answer_leaves_the_offer_as_it_was(sessions, places, now):
    chat, me = await _owner(sessions, places, now)
    offer = await _weekly(sessions, now, me)
    await chat.say("/meine")
    await chat.press("Adventscafé")
    await chat.press("Ändern")
    await chat.press("Titel")
    await chat.press("Zurück")
    assert "Adventscafé" in chat.text and "✏️ Ändern" in chat.labels()
    await chat.say("Adventscafé mit Musik")  # no question waits: not taken as the title
    assert (await _get(sessions, offer.id)).title == "Adventscafé"


async def test_a_new_organisers_change_is_checked_again_while_the_offer_stays_visible(
    sessions, places, now
):
    chat, me = await _owner(sessions, places, now, trusted=False)
    offer = await _weekly(sessions, now, me)
    await chat.send_button(f"mf:{offer.id}.when")
    assert "bleibt sichtbar" in chat.text  # said before anything is saved
    await chat.say("jeden Mittwoch 16 Uhr")
    assert "bis dahin sehen alle das Angebot wie bisher" in chat.text
    stored = await _get(sessions, offer.id)
    assert stored.status is OfferStatus.PUBLISHED and stored.rrule == "FREQ=WEEKLY;BYDAY=TU"


async def test_a_time_change_is_recorded_for_the_people_who_wanted_reminders(sessions, places, now):
    chat, me = await _owner(sessions, places, now)
    offer = await _weekly(sessions, now, me)
    await chat.send_button(f"mf:{offer.id}.when")
    await chat.say("jeden Dienstag 16-18 Uhr")
    await chat.send_button(f"mf:{offer.id}.title")
    await chat.say("Neuer Name")  # a title is no reason to write to anyone
    async with sessions() as session:
        changes = (await session.scalars(select(OfferChange))).all()
    assert [c.kind for c in changes] == ["time"]


async def test_pause_and_continue(sessions, places, now):
    chat, me = await _owner(sessions, places, now)
    offer = await _weekly(sessions, now, me)
    await chat.send_button(f"mo:{offer.id}")
    await chat.press("Pausieren")
    assert "⏸ Pausiert" in chat.text
    resident = ChatDriver(sessions, places, now, user="resident")
    await resident.say("Wernigerode")
    assert "Adventscafé" not in resident.text
    await chat.press("Fortsetzen")
    await resident.say("Wernigerode")
    assert "Adventscafé" in resident.text


async def test_cancel_one_date_with_a_message(sessions, places, now):
    chat, me = await _owner(sessions, places, now)
    offer = await _weekly(sessions, now, me)
    await chat.send_button(f"mo:{offer.id}")
    await chat.press("Einen Termin absagen")
    assert "Welcher Termin fällt aus?" in chat.text
    await chat.press("Di., 8. Dez.")
    assert "Möchten Sie denen, die kommen wollten, etwas mitteilen?" in chat.text
    await chat.say("Am 8. Dezember ist der Saal belegt, wir sehen uns am 15.!")
    assert "❌ Der Termin ist abgesagt" in chat.text
    stored = await _get(sessions, offer.id)
    assert (
        stored.cancelled_days == ["2026-12-08"]
        and stored.exdates == []
        and stored.status is OfferStatus.PUBLISHED
    )
    async with sessions() as session:
        [change] = (await session.scalars(select(OfferChange))).all()
    assert (change.kind, change.day, change.message) == (
        "date_cancelled",
        date(2026, 12, 8),
        "Am 8. Dezember ist der Saal belegt, wir sehen uns am 15.!",
    )
    await chat.send_button(f"mo:{offer.id}")
    assert "Nächster Termin: Di., 1. Dez." in chat.text


async def test_cancel_the_series_without_a_message_then_offer_it_again(sessions, places, now):
    chat, me = await _owner(sessions, places, now)
    offer = await _weekly(sessions, now, me)
    await chat.send_button(f"mo:{offer.id}")
    await chat.press("Ganz absagen")
    await chat.press("Ohne Nachricht")
    assert "🛑 Das Angebot ist abgesagt" in chat.text
    assert (await _get(sessions, offer.id)).status is OfferStatus.CANCELLED
    await chat.press("Mit neuen Terminen wieder anbieten")
    assert "Neue Termine für „Adventscafé“" in chat.text
    await chat.say("jeden Donnerstag 15 Uhr")
    assert "Vorschau" in chat.text and "Do., 26. Nov." in chat.text
    await chat.press("Absenden")
    async with sessions() as session:
        offers = (await session.scalars(select(Offer).order_by(Offer.id))).all()
    assert [(o.title, o.status.value, o.rrule) for o in offers] == [
        ("Adventscafé", "cancelled", "FREQ=WEEKLY;BYDAY=TU"),
        ("Adventscafé", "published", "FREQ=WEEKLY;BYDAY=TH"),
    ]


async def test_delete_after_asking(sessions, places, now):
    chat, me = await _owner(sessions, places, now)
    offer = await _weekly(sessions, now, me)
    await chat.send_button(f"mo:{offer.id}")
    await chat.press("Löschen")
    assert "endgültig löschen" in chat.text
    await chat.press("Ja, löschen")
    assert "ist gelöscht" in chat.text
    assert await _get(sessions, offer.id) is None


@pytest.mark.parametrize("verb", ["mo", "me", "mp", "mx", "ms", "mr", "mu", "mz", "my"])
async def test_nobody_can_manage_someone_elses_offer(sessions, places, now, verb):
    _owner_chat, owner_id = await _owner(sessions, places, now)
    offer = await _weekly(sessions, now, owner_id)
    intruder, _ = await _owner(sessions, places, now, user="intruder")
    await intruder.send_button(f"{verb}:{offer.id}")
    assert "nicht mehr" in intruder.text
    for data in [
        f"mf:{offer.id}.title",
        f"md:{offer.id}.20261208",
        f"mn:{offer.id}",
        f"{verb}:2147483648",
        f"{verb}:-1",
        f"{verb}:abc",
    ]:
        await intruder.send_button(data)
        assert "nicht mehr" in intruder.text, data
    stored = await _get(sessions, offer.id)
    assert (
        stored is not None
        and stored.status is OfferStatus.PUBLISHED
        and stored.cancelled_days == []
    )
    assert stored.title == "Adventscafé"


async def test_a_cancellation_message_nobody_asked_for_changes_nothing(sessions, places, now):
    chat, me = await _owner(sessions, places, now)
    offer = await _weekly(sessions, now, me)
    await chat.send_button(f"mn:{offer.id}")
    await chat.send_button(f"md:{offer.id}.20261209")  # not a date of this offer
    assert "nicht mehr" in chat.text
    assert (await _get(sessions, offer.id)).cancelled_days == []


async def test_editing_shows_the_current_value_and_a_new_start_keeps_the_days(
    sessions, places, now
):
    chat, me = await _owner(sessions, places, now)
    offer = await add_offer(
        sessions,
        now,
        title="Adventscafé",
        rrule="FREQ=WEEKLY;BYDAY=TU",
        owner_id=me,
        duration_minutes=180,
        starts_local=datetime(2026, 12, 1, 14),
    )
    await chat.send_button(f"mf:{offer.id}.when")
    assert "Bisher: jeden Dienstag, 14:00–17:00 Uhr" in chat.text
    await chat.say("ab sofort erst ab 15 uhr")
    assert "✅ Gespeichert." in chat.text
    stored = await _get(sessions, offer.id)
    assert (stored.rrule, stored.starts_local, stored.duration_minutes) == (
        "FREQ=WEEKLY;BYDAY=TU",
        datetime(2026, 12, 1, 15),
        120,
    )
    await chat.send_button(f"mf:{offer.id}.contact")
    assert "Bisher: keine Angabe" in chat.text


async def test_a_pending_offer_lists_its_next_date_and_is_not_offered_again(sessions, places, now):
    chat, me = await _owner(sessions, places, now)
    pending = await add_offer(
        sessions,
        now,
        title="Adventskaffee",
        status="pending",
        owner_id=me,
        starts_local=datetime(2026, 12, 13, 15),
    )
    await chat.say("/meine")
    assert "⏳ wartet auf die Moderation · So., 13. Dez., 15:00 Uhr" in chat.text
    await chat.send_button(f"mo:{pending.id}")
    assert "Nächster Termin: So., 13. Dez." in chat.text
    assert not any("wieder anbieten" in label for label in chat.labels())
    over = await add_offer(
        sessions,
        now,
        title="Herbstfest",
        status="pending",
        owner_id=me,
        starts_local=datetime(2026, 10, 3, 15),
    )
    await chat.send_button(f"mo:{over.id}")
    assert any("wieder anbieten" in label for label in chat.labels())  # nothing left to meet on


async def test_a_cancelled_date_can_be_typed(sessions, places, now):
    chat, me = await _owner(sessions, places, now)
    offer = await add_offer(
        sessions,
        now,
        title="Adventscafé",
        rrule="FREQ=WEEKLY;BYDAY=TH",
        starts_local=datetime(2026, 11, 26, 15),
        owner_id=me,
    )
    await chat.send_button(f"mo:{offer.id}")
    await chat.press("Einen Termin absagen")
    await chat.say("der am 16.12. faellt aus")  # a Wednesday: no meeting then
    assert (
        "Am Mi., 16. Dez. ist kein Termin" in chat.text and "Welcher Termin fällt aus?" in chat.text
    )
    await chat.say("der am 17.12. faellt aus")
    assert "Möchten Sie denen, die kommen wollten, etwas mitteilen?" in chat.text
    await chat.press("Ohne Nachricht")
    assert (await _get(sessions, offer.id)).cancelled_days == ["2026-12-17"]
