"""Moderators keep the listing trustworthy: the review queue, decisions the organiser hears
of, trust and blocks, new moderators by invitation, the audit log; and every privileged
button, forged by someone without the right, is refused and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Offer, OfferStatus, User
from models.moderation import LogEntry
from models.outbox import OutboxMessage, OutboxStatus

from .support import ChatDriver, Postman, add_offer
from .test_posting import RIGHTS, write_adventscafe


def person(sessions, places, now, user: str) -> ChatDriver:
    return ChatDriver(sessions, places, now, user=user, rights=RIGHTS)


async def _submitted(sessions, places, now) -> tuple[ChatDriver, ChatDriver, Offer]:
    moderator = person(sessions, places, now, "mod")
    await moderator.say("/start")  # the moderator has written to Nahbar, so we can reach them
    organiser = person(sessions, places, now, "org")
    await write_adventscafe(organiser)
    await organiser.press("Absenden")
    async with sessions() as session:
        offer = await session.scalar(select(Offer))
    return moderator, organiser, offer


async def _status(sessions, offer_id: int) -> OfferStatus:
    async with sessions() as session:
        return (await session.get(Offer, offer_id)).status


async def test_moderators_hear_of_a_new_offer_and_approve_it(sessions, places, now):
    moderator, _organiser, offer = await _submitted(sessions, places, now)
    postman = Postman(sessions, lambda: now)
    delivered = await postman.deliver()
    assert delivered == {
        "terminal:mod": [
            "🛡 Ein neues Angebot wartet auf Prüfung: „Adventscafé im Pfarrhaus“ in Quedlinburg."
        ]
    }

    await moderator.say("/pruefen")
    assert "⏳ Warten auf Prüfung: 1" in moderator.text
    await moderator.press("Adventscafé im Pfarrhaus")
    assert (
        "Angebot zur Prüfung" in moderator.text
        and "Di., 1. Dez., 15:00–17:00 Uhr" in moderator.text
    )
    assert (
        "👤 Veranstalter Nr." in moderator.text
        and "(neu, noch nichts freigegeben)" in moderator.text
    )
    await moderator.press("Freigeben")
    assert "✅ Freigegeben: „Adventscafé im Pfarrhaus“." in moderator.text
    assert "Nichts wartet. Danke!" in moderator.text
    assert await _status(sessions, offer.id) is OfferStatus.PUBLISHED

    delivered = await postman.deliver()
    assert delivered == {
        "terminal:org": [
            (
                "🎉 Ihr Angebot „Adventscafé im Pfarrhaus“ ist geprüft und veröffentlicht. "
                "Menschen in der Nähe finden es jetzt."
            )
        ]
    }
    resident = person(sessions, places, now, "resident")
    await resident.say("Quedlinburg")
    assert "Adventscafé im Pfarrhaus" in resident.text

    await moderator.send_button(f"va:{offer.id}")  # a second press, or a second moderator
    assert "wartet nicht mehr auf Prüfung" in moderator.text


async def test_a_review_notice_for_an_offer_already_decided_is_not_sent(sessions, places, now):
    moderator, _organiser, offer = await _submitted(sessions, places, now)
    await moderator.send_button(f"va:{offer.id}")
    delivered = await Postman(sessions, lambda: now).deliver()
    assert "terminal:mod" not in delivered
    async with sessions() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "review"))
    assert row.status is OutboxStatus.DROPPED


async def test_reject_with_a_reason(sessions, places, now):
    moderator, _organiser, offer = await _submitted(sessions, places, now)
    await moderator.send_button(f"vo:{offer.id}")
    await moderator.press("Ablehnen")
    assert "Warum wird es nicht veröffentlicht?" in moderator.text
    await moderator.say("Das ist eine Werbeveranstaltung.")
    assert "❌ Abgelehnt" in moderator.text
    assert await _status(sessions, offer.id) is OfferStatus.REJECTED
    delivered = await Postman(sessions, lambda: now).deliver()
    assert (
        "Die Moderation schreibt:\n„Das ist eine Werbeveranstaltung.“"
        in delivered["terminal:org"][-1]
    )


async def test_ask_for_a_change_then_the_organiser_sends_it_again(sessions, places, now):
    moderator, organiser, offer = await _submitted(sessions, places, now)
    await moderator.send_button(f"vo:{offer.id}")
    await moderator.press("Um Änderung bitten")
    await moderator.say("Bitte nennen Sie eine Telefonnummer mit Vorwahl.")
    assert await _status(sessions, offer.id) is OfferStatus.DRAFT
    await organiser.say("/meine")
    assert "📝 bitte ändern" in organiser.text
    await organiser.press("Adventscafé")
    assert (
        "💬 Hinweis der Moderation: Bitte nennen Sie eine Telefonnummer mit Vorwahl."
        in organiser.text
    )
    await organiser.press("Ändern")
    await organiser.press("Kontakt")
    await organiser.say("Telefon 03946 91234")
    await organiser.press("Erneut zur Prüfung senden")
    assert await _status(sessions, offer.id) is OfferStatus.PENDING
    await moderator.send_button(f"va:{offer.id}")
    assert await _status(sessions, offer.id) is OfferStatus.PUBLISHED


async def test_trusting_an_organiser_lets_them_publish_directly(sessions, places, now):
    moderator, organiser, offer = await _submitted(sessions, places, now)
    await moderator.send_button(f"vo:{offer.id}")
    await moderator.press("Veranstalter vertrauen")
    assert "Dem Veranstalter wird vertraut" in moderator.text
    told = [
        text
        for texts in (await Postman(sessions, lambda: now).deliver()).values()
        for text in texts
    ]
    assert any(
        text.startswith("🤝 Gute Nachricht: Ihre Angebote erscheinen ab jetzt sofort")
        for text in told
    ), told
    await write_adventscafe(organiser)
    await organiser.press("Absenden")
    assert "ist veröffentlicht" in organiser.text
    await moderator.send_button(f"vo:{offer.id}")
    await moderator.press("Vertrauen entziehen")
    await write_adventscafe(organiser)
    await organiser.press("Absenden")
    assert "Die Moderation schaut sich" in organiser.text


async def test_blocking_hides_the_organisers_offers_and_stops_posting(sessions, places, now):
    moderator, organiser, offer = await _submitted(sessions, places, now)
    owner_id = offer.owner_id
    published = await add_offer(sessions, now, title="Schon sichtbar", owner_id=owner_id)
    await moderator.send_button(f"vb:{owner_id}")
    assert "ist gesperrt" in moderator.text
    assert await _status(sessions, offer.id) is OfferStatus.REJECTED
    assert await _status(sessions, published.id) is OfferStatus.REJECTED
    await organiser.say("/neu")
    assert "können Sie zurzeit keine Angebote eintragen" in organiser.text


async def test_a_moderator_invites_another(sessions, places, now):
    moderator = person(sessions, places, now, "mod")
    await moderator.say("/pruefen")
    await moderator.press("Moderation einladen")
    code = moderator.text.split("weiter: ")[1].split("\n")[0]
    newcomer = person(sessions, places, now, "neu")
    await newcomer.say("/pruefen")
    assert "Das dürfen nur Moderatorinnen und Moderatoren." in newcomer.text
    await newcomer.say("/moderator FALSCH-CODE")
    assert "Dieser Code gilt nicht" in newcomer.text
    await newcomer.say(f"/moderator {code.lower()}")
    assert "Willkommen in der Moderation" in newcomer.text
    await newcomer.say("/pruefen")
    assert "Warten auf Prüfung" in newcomer.text
    third = person(sessions, places, now, "dritte")
    await third.say(f"/moderator {code}")  # the code works once
    assert "Dieser Code gilt nicht" in third.text
    late = person(sessions, places, now + timedelta(hours=49), "spaet")
    await late.say(f"/moderator {code}")
    assert "Dieser Code gilt nicht" in late.text


async def test_the_audit_log_shows_the_decisions(sessions, places, now):
    moderator, _organiser, offer = await _submitted(sessions, places, now)
    await moderator.send_button(f"vo:{offer.id}")
    await moderator.press("Ablehnen")
    await moderator.say("Kein Bezug zu Nachbarschaft.")
    await moderator.send_button("vl")
    assert "Die letzten Entscheidungen" in moderator.text
    assert "abgelehnt · „Adventscafé im Pfarrhaus“ – Kein Bezug zu Nachbarschaft." in moderator.text
    assert "zur Prüfung gesendet" in moderator.text


@pytest.mark.parametrize(
    "data",
    [
        "vq",
        "vo:{offer}",
        "va:{offer}",
        "vr:{offer}",
        "vc:{offer}",
        "vt:{owner}",
        "vu:{owner}",
        "vb:{owner}",
        "vx:{owner}",
        "vi",
        "vl",
        "vp",
        "vy",
    ],
)
async def test_every_moderator_button_forged_by_someone_else_is_refused_and_logged(
    sessions, places, now, data
):
    _moderator, organiser, offer = await _submitted(sessions, places, now)
    forged = data.format(offer=offer.id, owner=offer.owner_id)
    for intruder in (organiser, person(sessions, places, now, "resident")):
        await intruder.send_button(forged)
        assert "Das dürfen nur Moderatorinnen und Moderatoren." in intruder.text, forged
        await intruder.say("Unsinn")  # a reason typed afterwards decides nothing either
    async with sessions() as session:
        stored = await session.get(Offer, offer.id)
        owner = await session.get(User, offer.owner_id)
        refused = (
            await session.scalars(select(LogEntry).where(LogEntry.action == "refused"))
        ).all()
        moderators = (await session.scalars(select(User).where(User.is_moderator.is_(True)))).all()
    assert stored.status is OfferStatus.PENDING and owner.trust == "new" and moderators == []
    assert len(refused) == 2


async def test_undelivered_messages_are_shown_and_can_be_tried_again(sessions, places, now):
    moderator, _organiser, _offer = await _submitted(sessions, places, now)
    async with sessions() as session, session.begin():
        row = await session.scalar(select(OutboxMessage))
        row.status, row.reason = OutboxStatus.PARKED, "network: gave up after 8 attempts"
    await moderator.say("/pruefen")
    assert "📮 Nachrichten, die nicht zugestellt werden konnten: 1" in moderator.text
    await moderator.press("Nicht zugestellte Nachrichten")
    assert "terminal · review – network: gave up after 8 attempts" in moderator.text
    assert "mod" not in moderator.text.split("zugestellt werden konnten")[1]  # no chat ids shown
    await moderator.press("Erneut versuchen")
    assert "1 Nachrichten werden erneut versucht" in moderator.text


async def test_erasing_an_organiser_keeps_the_offer_without_their_contact(sessions, places, now):
    moderator, organiser, offer = await _submitted(sessions, places, now)
    await moderator.send_button(f"va:{offer.id}")
    await organiser.say("/meinedaten")
    assert "• Adventscafé im Pfarrhaus – ✅ veröffentlicht" in organiser.text
    await organiser.say("/loeschen")
    await organiser.press("Ja, alles löschen")
    async with sessions() as session:
        stored = await session.get(Offer, offer.id)
    assert stored.owner_id is None and stored.contact == "" and stored.organiser == ""
    assert stored.title == "Adventscafé im Pfarrhaus" and stored.status is OfferStatus.PUBLISHED
