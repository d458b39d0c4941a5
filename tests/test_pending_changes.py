"""A published offer stays visible while a change waits for review: residents keep the approved
version everywhere (search, details, calendar file, reminders) until a moderator approves the
change, which the moderator sees field by field, old → new. Trusted organisers' changes go live
at once; every organiser is told before saving which of the two will happen."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from models import Offer, OfferStatus, OutboxMessage
from models.proposals import OfferProposal
from scheduler import run_reminders

from .outbox_fakes import Clock
from .support import ChatDriver, Postman, add_offer, organiser_chat, resident_reminded
from .test_posting import RIGHTS, write_adventscafe

WARME_STUBE = {
    "title": "Warme Stube",
    "category": "warm_room",
    "rrule": "FREQ=WEEKLY;BYDAY=TH",
    "starts_local": datetime(2026, 11, 26, 15),
    "contact": "Telefon 03943 1111",
}


async def organiser(
    sessions, places, now, *, trusted: bool, user: str = "org"
) -> tuple[ChatDriver, int]:
    return await organiser_chat(sessions, places, now, trusted=trusted, user=user, rights=RIGHTS)


async def stored(sessions, offer_id: int) -> Offer:
    async with sessions() as session:
        return await session.get(Offer, offer_id)


async def test_correcting_the_contact_keeps_the_offer_on_show_until_a_moderator_approves(
    sessions, places, now
):
    chat, me = await organiser(sessions, places, now, trusted=False)
    offer = await add_offer(sessions, now, owner_id=me, **WARME_STUBE)
    moderator = ChatDriver(sessions, places, now, user="mod", rights=RIGHTS)
    await moderator.say("/start")
    resident = await resident_reminded(
        sessions, places, now, "101", offer.id, "Jedes Mal", "Beides"
    )

    await chat.send_button(f"mo:{offer.id}")
    await chat.press("Ändern")
    assert "Ihre Änderung wird zuerst von der Moderation geprüft" in chat.text  # before saving
    await chat.press("Kontakt")
    assert "das Angebot bleibt sichtbar" in chat.text
    await chat.say("Telefon 03943 2222")
    assert "✅ Gespeichert. Die Moderation schaut sich die Änderung bald an" in chat.text
    assert "⏳ Ihre Änderung (Kontakt) wartet auf die Moderation" in chat.text
    assert "✅ veröffentlicht" in chat.text

    # Residents still see the approved version, everywhere, and get their reminder.
    assert (await stored(sessions, offer.id)).status is OfferStatus.PUBLISHED
    await resident.say("Wernigerode")
    assert "Warme Stube" in resident.text
    await resident.press("Warme Stube")
    assert "Telefon 03943 1111" in resident.text and "2222" not in resident.text
    await resident.press("In meinen Kalender")
    assert [r.attachment for r in resident.replies if r.attachment]
    await run_reminders(sessions, now)
    async with sessions() as session:
        planned = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "remind"))
        ).all()
    assert len(planned) == 2  # the evening before and two hours before Thursday's

    # The moderator hears that a change waits, and sees what it changes.
    notices = await Postman(sessions, Clock(now)).deliver()
    assert notices["terminal:mod"] == [
        (
            "🛡 Eine Änderung wartet auf Prüfung: „Warme Stube“ in Wernigerode – Kontakt. Bis dahin "
            "sehen alle das Angebot wie bisher."
        )
    ]
    await moderator.say("/pruefen")
    assert "⏳ Warten auf Prüfung: 1" in moderator.text
    await moderator.press("✏️ Warme Stube")
    assert "Änderung zur Prüfung" in moderator.text
    assert "✏️ Kontakt: „Telefon 03943 1111“ → „Telefon 03943 2222“" in moderator.text
    assert "👤 Veranstalter Nr. " in moderator.text
    await moderator.press("Freigeben")
    assert "✅ Änderung freigegeben: „Warme Stube“." in moderator.text

    await resident.send_button(f"o:{offer.id}")
    assert "Telefon 03943 2222" in resident.text
    after = await stored(sessions, offer.id)
    assert after.contact == "Telefon 03943 2222" and after.status is OfferStatus.PUBLISHED
    told = await Postman(sessions, Clock(now)).deliver()
    assert told["terminal:org"] == [
        "🎉 Ihre Änderung an „Warme Stube“ wurde geprüft; alle sehen sie jetzt."
    ]
    async with sessions() as session:
        assert (await session.scalars(select(OfferProposal))).all() == []


async def test_a_rejected_change_leaves_the_offer_as_it_was(sessions, places, now):
    chat, me = await organiser(sessions, places, now, trusted=False)
    offer = await add_offer(sessions, now, owner_id=me, **WARME_STUBE)
    await chat.send_button(f"mf:{offer.id}.title")
    await chat.say("Warme Stube – jetzt mit Verkauf")
    moderator = ChatDriver(sessions, places, now, user="mod", rights=RIGHTS)
    await moderator.send_button(f"vo:{offer.id}")
    assert "✏️ Titel: „Warme Stube“ → „Warme Stube – jetzt mit Verkauf“" in moderator.text
    await moderator.press("Ablehnen")
    await moderator.say("Verkauf passt nicht zu Nahbar.")
    assert "❌ Änderung nicht übernommen: „Warme Stube“ bleibt, wie es war." in moderator.text
    after = await stored(sessions, offer.id)
    assert (after.title, after.status) == ("Warme Stube", OfferStatus.PUBLISHED)
    told = await Postman(sessions, Clock(now)).deliver()
    assert told["terminal:org"] == [
        (
            "Leider kann Ihre Änderung an „Warme Stube“ nicht übernommen werden. Das Angebot "
            "bleibt, wie es war. Die Moderation schreibt:\n„Verkauf passt nicht zu Nahbar.“"
        )
    ]
    await chat.send_button(f"mo:{offer.id}")
    assert "wartet auf die Moderation" not in chat.text
    await moderator.send_button(f"va:{offer.id}")  # nothing waits any more
    assert "wartet nicht mehr auf Prüfung" in moderator.text


async def test_changes_while_one_waits_build_on_it(sessions, places, now):
    chat, me = await organiser(sessions, places, now, trusted=False)
    offer = await add_offer(sessions, now, owner_id=me, **WARME_STUBE)
    await chat.send_button(f"mf:{offer.id}.title")
    await chat.say("Warme Stube im Pfarrhaus")
    await chat.send_button(f"mf:{offer.id}.when")
    await chat.say("jeden Donnerstag 14-17 Uhr")
    await chat.send_button(f"mf:{offer.id}.contact")
    await chat.say("Telefon 03943 2222")
    assert "⏳ Ihre Änderung (Titel, Tag und Uhrzeit, Kontakt) wartet" in chat.text
    async with sessions() as session:
        [proposal] = (await session.scalars(select(OfferProposal))).all()
    assert set(proposal.changes) == {"title", "starts_local", "duration_minutes", "contact"}
    moderator = ChatDriver(sessions, places, now, user="mod", rights=RIGHTS)
    await moderator.send_button(f"vo:{offer.id}")
    assert (
        "✏️ Tag und Uhrzeit: jeden Donnerstag, 15:00–17:00 Uhr, ab Do., 26. Nov. → "
        "jeden Donnerstag, 14:00–17:00 Uhr, ab Do., 26. Nov."
    ) in moderator.text
    # Until approved, reminders and search keep 15:00.
    assert (await stored(sessions, offer.id)).starts_local == datetime(2026, 11, 26, 15)
    await moderator.press("Freigeben")
    after = await stored(sessions, offer.id)
    assert (after.title, after.starts_local, after.duration_minutes, after.contact) == (
        "Warme Stube im Pfarrhaus",
        datetime(2026, 11, 26, 14),
        180,
        "Telefon 03943 2222",
    )


async def test_a_trusted_organisers_change_is_visible_at_once(sessions, places, now):
    chat, me = await organiser(sessions, places, now, trusted=True)
    offer = await add_offer(sessions, now, owner_id=me, **WARME_STUBE)
    await chat.send_button(f"mf:{offer.id}.contact")
    assert "Ihre Änderung ist sofort für alle sichtbar" in chat.text
    await chat.say("Telefon 03943 2222")
    assert "✅ Gespeichert." in chat.text and "wartet" not in chat.text
    assert (await stored(sessions, offer.id)).contact == "Telefon 03943 2222"
    async with sessions() as session:
        assert (
            await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "review"))
            is None
        )


async def test_an_offer_not_yet_approved_is_changed_directly(sessions, places, now):
    chat, me = await organiser(sessions, places, now, trusted=False)
    offer = await add_offer(sessions, now, owner_id=me, status=OfferStatus.PENDING, **WARME_STUBE)
    await chat.send_button(f"mf:{offer.id}.contact")
    assert "Ihre Änderung wird gespeichert, sobald Sie antworten." in chat.text
    await chat.say("Telefon 03943 2222")
    after = await stored(sessions, offer.id)
    assert (after.contact, after.status) == ("Telefon 03943 2222", OfferStatus.PENDING)


async def test_after_an_approval_the_organiser_is_no_longer_shown_as_new(sessions, places, now):
    moderator = ChatDriver(sessions, places, now, user="mod", rights=RIGHTS)
    chat = ChatDriver(sessions, places, now, user="org", rights=RIGHTS)
    await write_adventscafe(chat)
    await chat.press("Absenden")
    async with sessions() as session:
        first = await session.scalar(select(Offer))
    await moderator.send_button(f"vo:{first.id}")
    assert "(neu, noch nichts freigegeben)" in moderator.text
    await moderator.press("Freigeben")
    chat.now = now + timedelta(days=2)  # the next day's offer
    await chat.send_button(f"mf:{first.id}.title")
    await chat.say("Adventscafé im Pfarrhaus mit Chor")
    await moderator.send_button(f"vo:{first.id}")
    assert (
        "(bisher 1 Angebot oder Änderung freigegeben, noch nicht als vertrauenswürdig markiert)"
        in moderator.text
    )
    assert "(neu" not in moderator.text
    await moderator.press("Veranstalter vertrauen")
    await moderator.send_button(f"vo:{first.id}")
    assert "(vertraut)" in moderator.text


async def test_a_waiting_change_is_in_my_data_and_goes_with_erasure(sessions, places, now):
    chat, me = await organiser(sessions, places, now, trusted=False)
    offer = await add_offer(sessions, now, owner_id=me, **WARME_STUBE)
    await chat.send_button(f"mf:{offer.id}.contact")
    await chat.say("Telefon 0171 1234567 (privat)")
    await chat.say("/meinedaten")
    assert "✏️ Änderungen an Ihren Angeboten, die auf die Moderation warten: 1" in chat.text
    await chat.say("/loeschen")
    await chat.press("Ja, alles löschen")
    async with sessions() as session:
        assert (await session.scalars(select(OfferProposal))).all() == []
        after = await session.get(Offer, offer.id)
    assert after.status is OfferStatus.PUBLISHED and after.owner_id is None and after.contact == ""
