""" "Nicht allein hingehen" as people would use it: a coordinator registers a volunteer for a
municipality, a resident asks for company, the volunteer sees only place, offer and date,
both agree before first names and the meeting point at the venue are shared (through the
outbox); withdrawing, reporting and blocking; the organiser sees a count only; erasure."""

from __future__ import annotations

from sqlalchemy import select

from handlers.messages import Reply
from models import OutboxMessage
from models.companions import CompanionRequest, waiting_count
from models.coordination import CoordinatorList

from .support import ChatDriver, Postman, add_offer

QUEDLINBURG = {
    "place_name": "Quedlinburg",
    "latitude": 51.7894,
    "longitude": 11.1413,
    "venue_name": "Pfarrhaus St. Blasii",
    "address": "Markt 1",
}


async def _setup(sessions, places, now):
    offer = await add_offer(sessions, now, organiser="Heimatverein", **QUEDLINBURG)
    coordinator = ChatDriver(sessions, places, now, user="amt")
    coordinator.core.services.coordinators = CoordinatorList({"terminal:amt": "15085"})
    await coordinator.say("/lage Quedlinburg")
    await coordinator.press("Begleitung für Quedlinburg einladen")
    code = coordinator.html.split("<b>")[1].split("</b>")[0]
    helper = ChatDriver(sessions, places, now, user="erika")
    await helper.say(f"/begleiten {code}")
    assert "Danke, dass Sie in Quedlinburg Menschen begleiten" in helper.text
    resident = ChatDriver(sessions, places, now, user="anna")
    resident.core.services.coordinators = coordinator.core.services.coordinators
    postman = Postman(sessions, lambda: now)
    return offer, coordinator, helper, resident, postman


async def test_both_agree_before_first_names_and_the_meeting_point_are_shared(
    sessions, places, now
):
    offer, _, helper, resident, postman = await _setup(sessions, places, now)
    await resident.send_button(f"o:{offer.id}")
    await resident.press("Ich möchte nicht allein hingehen")
    assert "nur den Ort, das Angebot und den Termin" in resident.text
    await resident.press("Do., 26. Nov.")
    mail = await postman.deliver()
    asked = mail["terminal:erika"][0]
    assert "Quedlinburg" in asked and "Adventscafé" in asked and "26. Nov." in asked
    assert "anna" not in asked and "Pfarrhaus" not in asked  # no name, no venue yet
    await helper.send_button(await _sent_button(sessions, "terminal:erika", "Ja, ich begleite"))
    assert "Welchen Vornamen darf ich weitergeben" in helper.text
    await helper.say("Erika")
    mail = await postman.deliver()
    question = mail["terminal:anna"][0]
    assert "Eingang von Pfarrhaus St. Blasii" in question and "Erika" not in question
    async with sessions() as session:
        assert await waiting_count(session, offer.id, now) == 1
        request = await session.scalar(select(CompanionRequest))
        assert request.status == "offered" and request.resident_name == ""
    await resident.send_button(f"uc:{request.id}")
    await resident.say("Anna")
    assert (
        "Erika geht mit Ihnen" in resident.text
        and "Eingang von Pfarrhaus St. Blasii" in resident.text
    )
    mail = await postman.deliver()
    assert "Anna freut sich" in mail["terminal:erika"][0]
    await helper.send_button(f"uw:{request.id}")
    mail = await postman.deliver()
    assert "findet nicht statt" in mail["terminal:anna"][0]
    async with sessions() as session:
        request = await session.scalar(select(CompanionRequest))
        assert (
            request.status == "withdrawn" and request.resident_name == request.companion_name == ""
        )


async def _sent_button(sessions, chat: str, label: str) -> str:
    """The data of a button in the newest message the outbox sent to `chat`."""
    async with sessions() as session:
        rows = (
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.chat == chat)
                .order_by(OutboxMessage.id.desc())
            )
        ).all()
    for row in rows:
        for reply in row.payload:
            for line in Reply.from_dict(reply).buttons:
                for button in line:
                    if label in button.label:
                        return button.data
    raise AssertionError(f"no button {label!r} sent to {chat}")


async def _asked(sessions, places, now):
    offer, coordinator, helper, resident, postman = await _setup(sessions, places, now)
    await resident.send_button(f"o:{offer.id}")
    await resident.press("Ich möchte nicht allein hingehen")
    await resident.press("Do., 26. Nov.")
    await postman.deliver()
    await helper.send_button(await _sent_button(sessions, "terminal:erika", "Ja, ich begleite"))
    await helper.say("Erika")
    await postman.deliver()
    async with sessions() as session:
        request = await session.scalar(select(CompanionRequest))
    return offer, coordinator, helper, resident, postman, request


async def test_the_organiser_sees_a_count_only(sessions, places, now):
    offer, *_ = await _asked(sessions, places, now)
    async with sessions() as session, session.begin():
        from models import Offer, User

        organiser = User(platform="terminal", platform_id="org")
        session.add(organiser)
        await session.flush()
        (await session.get(Offer, offer.id)).owner_id = organiser.id
    org = ChatDriver(sessions, places, now, user="org")
    await org.send_button(f"mo:{offer.id}")
    assert "🚪 1 Person möchte an der Tür begrüßt werden" in org.text
    assert "Erika" not in org.text and "anna" not in org.text


async def test_a_no_from_the_resident_shares_nothing(sessions, places, now):
    _, _, _helper, resident, postman, request = await _asked(sessions, places, now)
    await resident.send_button(await _sent_button(sessions, "terminal:anna", "Nein, danke"))
    assert "Zurückgezogen" in resident.text
    mail = await postman.deliver()
    assert (
        "findet nicht statt" in mail["terminal:erika"][0]
        and "anna" not in mail["terminal:erika"][0]
    )
    async with sessions() as session:
        request = await session.get(CompanionRequest, request.id)
        assert request.status == "withdrawn" and request.companion_name == ""
    await resident.send_button(f"uc:{request.id}")  # too late: nothing to agree to
    assert "gilt" in resident.text and "nicht mehr" in resident.text


async def test_a_stranger_cannot_press_the_buttons(sessions, places, now):
    _, _, _, _, _, request = await _asked(sessions, places, now)
    stranger = ChatDriver(sessions, places, now, user="mallory")
    for button in (
        f"uc:{request.id}",
        f"uw:{request.id}",
        f"ur:{request.id}",
        f"uy:{request.id}",
        "ub:1",
        "ud:1.99",
    ):
        await stranger.send_button(button)
        assert "Erika" not in stranger.text
    async with sessions() as session:
        assert (await session.get(CompanionRequest, request.id)).status == "offered"


async def test_a_report_ends_it_and_the_coordinator_can_block(sessions, places, now):
    offer, coordinator, helper, resident, postman, request = await _asked(sessions, places, now)
    await resident.send_button(f"ur:{request.id}")
    assert "Koordination kümmert sich darum" in resident.text
    mail = await postman.deliver()
    assert "wurde gemeldet" in mail["terminal:amt"][0]
    await coordinator.send_button(await _sent_button(sessions, "terminal:amt", "Sperren"))
    assert "Gesperrt" in coordinator.text
    other = ChatDriver(sessions, places, now, user="ben")
    await other.send_button(f"o:{offer.id}")
    assert not any(
        "nicht allein" in label for label in other.labels()
    )  # Erika is blocked: nobody left
    await other.send_button(f"ua:{offer.id}")
    assert "noch keine Begleitung" in other.text
    await helper.say("/meinedaten")
    assert "Sie können im Moment keine Begleitung anfragen oder geben: 1" in helper.text


async def test_erasure_takes_the_requests_and_the_first_names(sessions, places, now):
    _, _, helper, resident, _, request = await _asked(sessions, places, now)
    await resident.send_button(f"uc:{request.id}")
    await resident.say("Anna")
    await resident.say("/meinedaten")
    assert "Anfragen „Ich möchte nicht allein hingehen“" in resident.text
    await helper.say("/loeschen")
    await helper.press("Ja, alles löschen")
    async with sessions() as session:
        request = await session.get(CompanionRequest, request.id)
        assert (
            request.companion_id is None
            and request.companion_name == ""
            and request.resident_name == ""
        )
    await resident.say("/loeschen")
    await resident.press("Ja, alles löschen")
    async with sessions() as session:
        assert (await session.scalars(select(CompanionRequest))).all() == []
