"""The offer form as organisers use it (issue 13): a whole offer in one message, addresses in
any order, corrections typed at any question, typed words instead of buttons, dates as people
say them, and how many messages it takes."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from handlers.offer_form import Draft
from models import Conversation, OfferStatus

from .support import ChatDriver
from .test_posting import RIGHTS, _offers, organiser, write_adventscafe

WARME_STUBE = (
    "Warme Stube jeden Dienstag und Donnerstag 14-17 Uhr im Gemeindehaus, Kirchstraße 3, "
    "06484 Quedlinburg, kostenlos, rollstuhlgerecht"
)


class Counting(ChatDriver):
    """A chat driver that counts what the organiser sends (typed or pressed)."""

    sent = 0

    async def say(self, text):
        self.sent += 1
        return await super().say(text)

    async def send_button(self, data):
        self.sent += 1
        return await super().send_button(data)


async def test_a_whole_offer_in_one_message_takes_four_messages(sessions, places, now):
    chat = Counting(sessions, places, now, user="org", rights=RIGHTS)
    await chat.say("/neu")
    await chat.say(WARME_STUBE)
    assert "✅ Verstanden: jeden Dienstag und Donnerstag, 14:00–17:00 Uhr" in chat.text
    assert "Beschreiben Sie es" in chat.text  # only what is missing is asked
    await chat.say("Ein warmer Raum mit Tee, Zeitungen und Gesprächen. Alle sind willkommen.")
    assert "Vorschau" in chat.text
    for line in (
        "🔥 Warme Stube",
        "🔁 jeden Dienstag und Donnerstag",
        "📍 Gemeindehaus, Kirchstraße 3, Quedlinburg",
        "♿ Rollstuhlgerecht: Eingang ohne Stufe, alle Räume stufenlos",
        "💶 kostenlos",
    ):
        assert line in chat.text, line
    await chat.say("absenden")  # typed, as the button
    assert "Die Moderation schaut sich „Warme Stube“ bald an" in chat.text
    assert chat.sent <= 4
    [offer] = await _offers(sessions)
    assert (
        offer.category,
        offer.title,
        offer.rrule,
        offer.starts_local,
        offer.duration_minutes,
    ) == ("warm_room", "Warme Stube", "FREQ=WEEKLY;BYDAY=TU,TH", datetime(2026, 11, 26, 14), 180)
    assert (offer.venue_name, offer.address, offer.place_name) == (
        "Gemeindehaus",
        "Kirchstraße 3",
        "Quedlinburg",
    )
    assert (
        offer.cost.value == "free"
        and offer.wheelchair.value == "yes"
        and offer.status is OfferStatus.PENDING
    )


async def test_question_by_question_with_the_details_skipped_takes_eight_messages(
    sessions, places, now
):
    chat = Counting(sessions, places, now, user="org", rights=RIGHTS)
    await chat.say("/neu")
    await chat.press("Warme Stube")
    await chat.say("Warme Stube im Gemeindehaus")
    await chat.say("Ein warmer Raum mit Tee, Zeitungen und Gesprächen. Alle sind willkommen.")
    await chat.say("jeden Dienstag und Donnerstag 14-17 Uhr")
    await chat.say("Gemeindehaus, Kirchstraße 3, 06484 Quedlinburg")
    assert "Was hilft Menschen" in chat.text
    await chat.say("überspringen")
    assert (
        "Vorschau" in chat.text and "💶" not in chat.text
    )  # no cost stated: none shown, never "free"
    assert "Noch nicht angegeben: Barrierefreiheit, Kosten, Wer lädt ein, Kontakt" in chat.text
    await chat.press("Absenden")
    assert "bald an" in chat.text and chat.sent <= 8
    [offer] = await _offers(sessions)
    assert offer.cost.value == "not_stated"


@pytest.mark.parametrize(
    "typed",
    [
        "im Pfarrhaus Blasiistr. 11 in Quedlinburg",
        "Pfarrhaus Blasiistr. 11 Quedlinburg",
        "Blasiistr. 11, 06484 Quedlinburg, Pfarrhaus",
    ],
)
async def test_an_address_in_any_order_and_without_commas(sessions, places, now, typed):
    chat = organiser(sessions, places, now)
    await chat.say("/neu")
    await chat.press("Begegnungscafé")
    await chat.say("Adventscafé")
    await chat.say("Kaffee und Kuchen für alle im Advent.")
    await chat.say("12.12. 15 Uhr")
    await chat.say(typed)
    assert "Was hilft Menschen" in chat.text
    async with sessions() as session:
        draft = Draft.load((await session.scalar(select(Conversation))).data["draft"])
    assert (draft.venue_name, draft.address, draft.place_name) == (
        "Pfarrhaus",
        "Blasiistr. 11",
        "Quedlinburg",
    )


async def test_a_correction_changes_the_earlier_answer_wherever_it_is_typed(sessions, places, now):
    chat = organiser(sessions, places, now)
    await chat.say("/neu")
    await chat.press("Warme Stube")
    await chat.say("Warme Stube")
    await chat.say("Ein warmer Raum mit Tee, für alle.")
    await chat.say("jeden Dienstag 14-17 Uhr")
    assert "Wo findet es statt?" in chat.text
    await chat.say("ach nein, ich meinte donnerstags")
    assert "jeden Donnerstag, 14:00–17:00 Uhr" in chat.text and "Wo findet es statt?" in chat.text
    assert "Ort habe ich nicht gefunden" not in chat.text
    await chat.say("Gemeindehaus, Kirchstraße 3, 06484 Quedlinburg")
    await chat.say("weiter")
    assert "🔁 jeden Donnerstag" in chat.text and "Vorschau" in chat.text


async def test_typed_words_work_where_buttons_would(sessions, places, now):
    chat = organiser(sessions, places, now)
    await write_adventscafe(chat)
    await chat.press("Etwas ändern")
    await chat.press("Barrierefreiheit")
    await chat.say("rollstuhlgerecht, mit Hörschleife")
    assert (
        "♿ Rollstuhlgerecht: Eingang ohne Stufe, alle Räume stufenlos\n🦻 Induktionsschleife für "
        "Hörgeräte"
        in chat.text
        and "Vorschau" in chat.text
    )
    await chat.say("Heiligabend 15-17 Uhr")  # a correction at the preview
    assert "Do., 24. Dez., 15:00–17:00 Uhr" in chat.text and "Vorschau" in chat.text
    await chat.say("ja")
    assert "bald an" in chat.text
    [offer] = await _offers(sessions)
    assert (
        offer.starts_local == datetime(2026, 12, 24, 15)
        and offer.rrule is None
        and offer.audio_loop.value == "yes"
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("am 3. Advent 15 Uhr", (datetime(2026, 12, 13, 15), None)),
        ("Heiligabend 15 Uhr", (datetime(2026, 12, 24, 15), None)),
        ("jeden dienstag halb drei", (datetime(2026, 12, 1, 14, 30), "FREQ=WEEKLY;BYDAY=TU")),
        ("Samstag viertel nach drei", (datetime(2026, 11, 28, 15, 15), None)),
        ("Samstag dreiviertel vier", (datetime(2026, 11, 28, 15, 45), None)),
        ("monatlich am 15. 15 Uhr", (datetime(2026, 12, 15, 15), "FREQ=MONTHLY;BYMONTHDAY=15")),
        ("jeden 15. im Monat 15 Uhr", (datetime(2026, 12, 15, 15), "FREQ=MONTHLY;BYMONTHDAY=15")),
    ],
)
async def test_dates_as_organisers_say_them(sessions, places, now, typed, stored):
    chat = organiser(sessions, places, now)
    await chat.say("/neu")
    await chat.press("Begegnungscafé")
    await chat.say("Adventscafé")
    await chat.say("Kaffee und Kuchen für alle im Advent.")
    await chat.say(typed)
    assert "✅ Verstanden" in chat.text and "Wo findet es statt?" in chat.text, chat.text
    async with sessions() as session:
        draft = Draft.load((await session.scalar(select(Conversation))).data["draft"])
    assert (draft.start, draft.rrule) == stored


async def test_the_refusal_gives_an_example_of_the_same_sort(sessions, places, now):
    chat = organiser(sessions, places, now)
    await chat.say("/neu")
    await chat.press("Begegnungscafé")
    await chat.say("Adventscafé")
    await chat.say("Kaffee und Kuchen für alle im Advent.")
    await chat.say("am 3. Advent")
    assert (
        "Um wie viel Uhr?" in chat.text
        and "jeden Dienstag" not in chat.text.split("Wann findet")[0]
    )
    await chat.say("jeden Dienstag")
    assert "„jeden Dienstag 15–17 Uhr“" in chat.text


async def test_who_invites_and_the_contact_come_from_the_last_offer_with_one_tap(
    sessions, places, now
):
    chat = organiser(sessions, places, now)
    await write_adventscafe(chat)
    await chat.press("Absenden")
    await chat.say("/neu")
    await chat.say(WARME_STUBE)
    await chat.say("Ein warmer Raum mit Tee, für alle.")
    assert "👥 Wie letztes Mal: Kirchengemeinde St. Blasii · Telefon 03946 1234" in chat.labels()
    await chat.press("Wie letztes Mal")
    assert (
        "👥 Veranstaltet von: Kirchengemeinde St. Blasii" in chat.text
        and "☎️ Kontakt: Telefon 03946 1234" in chat.text
    )
    await chat.press("Absenden")
    assert [(o.organiser, o.contact) for o in await _offers(sessions)] == [
        ("Kirchengemeinde St. Blasii", "Telefon 03946 1234")
    ] * 2


async def test_a_draft_of_the_old_version_still_loads(sessions, places, now):
    chat = organiser(sessions, places, now)
    await chat.say("/start")
    old = {
        "v": 1,
        "field": "organiser",
        "offer_id": None,
        "category": "cafe",
        "title": "Adventscafé",
        "description": "Kaffee und Kuchen für alle.",
        "start": "2026-12-01T15:00:00",
        "duration_minutes": 120,
        "rrule": "FREQ=WEEKLY;BYDAY=TU",
        "exdates": [],
        "venue_name": "Pfarrhaus",
        "address": "Markt 1",
        "place_name": "Thale",
        "latitude": 51.75,
        "longitude": 11.04,
        "step_free": True,
        "accessible_toilet": None,
        "hearing_loop": None,
        "seating": None,
        "cost": "free",
        "price": "",
        "organiser": "",
        "contact": "",
        "revisit": False,
    }
    async with sessions() as session, session.begin():
        convo = await session.scalar(select(Conversation))
        convo.data, convo.state = {**convo.data, "draft": old}, "posting"
    await chat.say("Heimatverein Thale")  # the old draft's open question is answered
    assert (
        "Vorschau" in chat.text
        and "Heimatverein Thale" in chat.text
        and "💶 kostenlos" in chat.text
    )
    assert "♿ Rollstuhlgerecht" in chat.text  # the old yes/no flag as an OpenStreetMap value
    assert (
        Draft.load({"v": 1, "field": "nonsense", "cost": "gratis"}) is not None
    )  # odd values fall back
    assert Draft.load({"v": 99}) is None  # a newer one than this code knows: dropped, never a crash


async def test_a_name_beside_a_contact_at_the_preview_says_who_invites(sessions, places, now):
    chat = organiser(sessions, places, now)
    await chat.say("/neu")
    await chat.say(
        "Warme Stube jeden Dienstag 14-17 Uhr im Gemeindehaus, Kirchstraße 3, 06484 Quedlinburg, "
        "kostenlos"
    )
    await chat.say("Ein warmer Raum mit Tee, Zeitungen und Gesprächen. Alle sind willkommen.")
    assert "Noch nicht angegeben: Barrierefreiheit, Wer lädt ein, Kontakt" in chat.text
    await chat.say("Pfarrer Müller, Tel. 03946 12345")
    assert (
        "👥 Veranstaltet von: Pfarrer Müller" in chat.text
        and "☎️ Kontakt: Tel. 03946 12345" in chat.text
    )
    assert (
        "🔥 Warme Stube\n\n" in chat.text
    )  # the kind is not said twice under a title that names it
    assert "Noch nicht angegeben: Barrierefreiheit." in chat.text
