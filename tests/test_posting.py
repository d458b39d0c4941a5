"""Organisers post an offer in chat: the whole dialogue, going back, starting afresh, odd
answers, a restart in the middle, and what the database holds afterwards."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from handlers.offer_form import has_link
from handlers.services import Limits
from models import Conversation, Occurrence, Offer, OfferStatus, User
from models.accessibility import Wheelchair
from models.moderation import LogEntry, Rights

from .support import ChatDriver, add_offer

RIGHTS = Rights(frozenset({"terminal:mod"}))


def organiser(sessions, places, now, user: str = "org") -> ChatDriver:
    return ChatDriver(sessions, places, now, user=user, rights=RIGHTS)


async def _offers(sessions) -> list[Offer]:
    async with sessions() as session:
        return list(await session.scalars(select(Offer).order_by(Offer.id)))


async def write_adventscafe(chat: ChatDriver) -> None:
    await chat.say("/neu")
    assert "Was für ein Treffen ist es?" in chat.text
    await chat.press("Begegnungscafé")
    assert "Wie heißt es?" in chat.text
    await chat.say("Adventscafé im Pfarrhaus")
    assert "Beschreiben Sie es" in chat.text
    await chat.say("Kaffee, Kuchen und Gespräche. Alle sind willkommen, auch wer neu im Dorf ist.")
    assert "Wann findet es statt?" in chat.text
    await chat.say("jeden Dienstag 15-17 Uhr")
    assert "✅ Verstanden: jeden Dienstag, 15:00–17:00 Uhr, ab Di., 1. Dez." in chat.text
    assert "Wo findet es statt?" in chat.text
    await chat.say("Pfarrhaus, Kirchstraße 3, 06484 Quedlinburg")
    assert (
        "Was hilft Menschen" in chat.text and "Kostet es etwas?" in chat.text
    )  # the details at once
    await chat.press("Rollstuhl: ja")
    assert "✅ Rollstuhl: ja" in chat.labels()
    await chat.press("Spende willkommen")
    assert "✅ Spende willkommen" in chat.labels()
    await chat.say("Kirchengemeinde St. Blasii, Telefon 03946 1234")


async def test_an_organiser_posts_an_offer_and_a_moderator_is_asked(sessions, places, now):
    chat = organiser(sessions, places, now)
    await write_adventscafe(chat)
    assert "Vorschau – so sehen es die Menschen vor Ort" in chat.text
    for line in [
        "☕ Adventscafé im Pfarrhaus",
        "🔁 jeden Dienstag",
        "Di., 1. Dez., 15:00–17:00 Uhr",
        "📍 Pfarrhaus, Kirchstraße 3, Quedlinburg",
        "♿ Rollstuhlgerecht: Eingang ohne Stufe, alle Räume stufenlos",
        "💶 Spende willkommen",
        "☎️ Kontakt: Telefon 03946 1234",
        "👥 Veranstaltet von: Kirchengemeinde St. Blasii",
    ]:
        assert line in chat.text, line
    assert chat.labels() == ["✅ Absenden", "✏️ Etwas ändern", "✖️ Abbrechen"]
    await chat.press("Absenden")
    assert "Die Moderation schaut sich „Adventscafé im Pfarrhaus“ bald an" in chat.text

    [offer] = await _offers(sessions)
    assert offer.status is OfferStatus.PENDING and offer.rrule == "FREQ=WEEKLY;BYDAY=TU"
    assert offer.starts_local == datetime(2026, 12, 1, 15) and offer.duration_minutes == 120
    assert (offer.place_name, offer.venue_name, offer.address) == (
        "Quedlinburg",
        "Pfarrhaus",
        "Kirchstraße 3",
    )
    assert (
        offer.wheelchair is Wheelchair.YES
        and offer.audio_loop is None
        and offer.cost.value == "donation"
    )
    async with sessions() as session:
        owner = await session.scalar(select(User).where(User.platform_id == "org"))
        assert offer.owner_id == owner.id
        assert (
            await session.scalar(select(Occurrence).where(Occurrence.offer_id == offer.id)) is None
        )
        assert [e.action for e in await session.scalars(select(LogEntry))] == ["submitted"]
        convo = await session.scalar(select(Conversation))
        assert convo.state == "idle" and "draft" not in convo.data

    resident = ChatDriver(sessions, places, now, user="resident")
    await resident.say("Quedlinburg")
    assert "Adventscafé im Pfarrhaus" not in resident.text  # not before a moderator approved it


async def test_a_trusted_organiser_publishes_directly(sessions, places, now):
    chat = organiser(sessions, places, now)
    await chat.say("/start")
    async with sessions() as session, session.begin():
        (await session.scalar(select(User))).trust = "trusted"
    await write_adventscafe(chat)
    await chat.press("Absenden")
    assert "ist veröffentlicht" in chat.text
    resident = ChatDriver(sessions, places, now, user="resident")
    await resident.say("Quedlinburg")
    assert "Adventscafé im Pfarrhaus" in resident.text


async def test_back_and_cancel_at_every_step_keep_what_was_typed(sessions, places, now):
    chat = organiser(sessions, places, now)
    await chat.say("/neu")
    await chat.press("Spaziergang")
    await chat.say("Runde um den Teich")
    await chat.press("Zurück")
    assert "Wie heißt es?" in chat.text
    await chat.say("zurück")  # typed works too
    assert "Was für ein Treffen ist es?" in chat.text
    await chat.press("Spaziergang")
    await chat.say("Runde um den Teich")
    await chat.say("Gemeinsam eine kleine Runde gehen, danach Tee.")
    await chat.say("/hilfe")  # something else in between: the draft waits
    assert "So geht es" in chat.text
    await chat.say("/neu")
    assert "„Runde um den Teich“. Wollen wir damit weitermachen?" in chat.text
    await chat.press("Weitermachen")
    assert "Wann findet es statt?" in chat.text
    await chat.say("abbrechen")  # typed, it asks first, as the button does
    assert "„Runde um den Teich“ verwerfen?" in chat.text and await _offers(sessions) == []
    await chat.say("nein")
    assert "Wann findet es statt?" in chat.text
    await chat.press("Abbrechen")
    assert "„Runde um den Teich“ verwerfen?" in chat.text
    await chat.say("ja")
    assert "der Entwurf ist verworfen" in chat.text
    await chat.say("/neu")
    assert "Was für ein Treffen ist es?" in chat.text and "weitermachen" not in chat.text
    assert await _offers(sessions) == []


async def test_a_restart_in_the_middle_continues_where_the_organiser_was(sessions, places, now):
    chat = organiser(sessions, places, now)
    await chat.say("/neu")
    await chat.press("Warme Stube")
    await chat.say("Warme Stube im Bürgerhaus")
    restarted = organiser(sessions, places, now)  # a new core on the same database
    await restarted.say("Ein warmer Raum mit Tee und Zeitungen, für alle.")
    assert "Wann findet es statt?" in restarted.text
    resumed = await restarted.core.resume(restarted._incoming(text=""))  # the terminal starts again
    assert "Wann findet es statt?" in resumed[0].text


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("20.11.2026 15 Uhr", "ist schon vorbei"),
        ("morgen 17-15 Uhr", "Ende"),
        ("Bratwurst mit Senf", "z. B."),
        ("30.2. 15 Uhr", "30"),
    ],
)
async def test_a_when_that_cannot_be_stored_is_explained_and_asked_again(
    sessions, places, now, typed, answer
):
    chat = organiser(sessions, places, now)
    await chat.say("/neu")
    await chat.press("Spaziergang")
    await chat.say("Runde um den Teich")
    await chat.say("Gemeinsam eine kleine Runde gehen, danach Tee.")
    await chat.say(typed)
    assert answer in chat.text, chat.text
    assert "Wann findet es statt?" in chat.text
    async with sessions() as session:
        convo = await session.scalar(select(Conversation))
        assert convo.data["draft"]["start"] is None and convo.data["draft"]["field"] == "when"


async def test_odd_answers_get_a_friendly_explanation(sessions, places, now):
    chat = organiser(sessions, places, now)
    await chat.say("/neu")
    await chat.say("irgendwas")
    assert "Bitte wählen Sie eine der Arten" in chat.text
    await chat.say("Kaffee")  # a kind typed in words
    assert "Wie heißt es?" in chat.text
    await chat.say("A")
    assert "etwas kurz" in chat.text
    await chat.say("x" * 130)
    assert "130 Zeichen; hier passen höchstens 120" in chat.text
    await chat.say("Café <b>am Markt</b> \x1b[2J")
    await chat.say("Besuchen Sie www.example.com für Rabatte!")
    assert "Internet-Links sind nur" in chat.text
    await chat.say(
        "Kaffee und Kuchen, jeden Freitag für alle. Mail: kaffee@example.de"
    )  # e-mail is fine
    await chat.say("Freitag 15 Uhr")
    assert (
        "einmalig am Fr., 27. Nov., 15:00–17:00 Uhr" in chat.text
        and "Das Ende habe ich geschätzt" in chat.text
    )
    await chat.say("Xyzzyhausen")
    assert "Den Ort habe ich nicht gefunden" in chat.text
    await chat.share_location(48.85, 2.35)
    assert "Nahbar kennt Treffen in Deutschland" in chat.text
    await chat.share_location(51.83524, 10.78521)
    assert "Wie heißt der Treffpunkt" in chat.text
    await chat.say("Bürgerhaus, Markt 1")
    assert "Was hilft Menschen" in chat.text
    await chat.say("3 € mit Kuchen")
    assert "Vorschau" in chat.text and "3 € mit Kuchen" in chat.text
    assert "kaffee@example.de" in chat.text  # the contact was read from the description
    assert "Café &lt;b&gt;am Markt&lt;/b&gt;" in chat.html and "\x1b" not in chat.html
    await chat.press("Absenden")
    [offer] = await _offers(sessions)
    assert (offer.latitude, offer.longitude) == (51.8352, 10.7852)  # a venue: to about 10 m
    assert (offer.place_name, offer.venue_name, offer.address) == (
        "Wernigerode",
        "Bürgerhaus",
        "Markt 1",
    )
    assert offer.title == "Café <b>am Markt</b> [2J" and offer.cost.value == "price"


async def test_changing_one_answer_from_the_preview(sessions, places, now):
    chat = organiser(sessions, places, now)
    await write_adventscafe(chat)
    await chat.press("Etwas ändern")
    await chat.press("Tag und Uhrzeit")
    await chat.say("jeden Mittwoch 14:30 bis 16 Uhr")
    assert "Vorschau" in chat.text and "Mi., 2. Dez., 14:30–16:00 Uhr" in chat.text
    assert "Kirchengemeinde St. Blasii" in chat.text  # nothing else was lost


async def test_earlier_venues_can_be_picked(sessions, places, now):
    chat = organiser(sessions, places, now)
    await write_adventscafe(chat)
    await chat.press("Absenden")
    await chat.say("/neu")
    await chat.press("Gesprächskreis")
    await chat.say("Erzählcafé")
    await chat.say("Wir erzählen uns, wie es früher war. Fotos gern mitbringen.")
    await chat.say("12.12. 14:30")
    assert "Oder wählen Sie einen Ihrer bisherigen Orte" in chat.text
    await chat.press("Pfarrhaus, Kirchstraße 3, Quedlinburg")
    assert "Was hilft Menschen" in chat.text
    assert "👥 Wie letztes Mal: Kirchengemeinde St. Blasii · Telefon 03946 1234" in chat.labels()
    await chat.say("wie letztes Mal")  # typed, as the button: never saved as a name
    assert (
        "Vorschau" in chat.text and "👥 Veranstaltet von: Kirchengemeinde St. Blasii" in chat.text
    )
    assert "☎️ Kontakt: Telefon 03946 1234" in chat.text and "wie letztes" not in chat.text


async def test_forged_posting_buttons_change_nothing(sessions, places, now):
    someone_else = await add_offer(sessions, now, title="Fremdes Angebot", owner_id=None)
    chat = organiser(sessions, places, now)
    for data in [
        "np:send",
        "np:skip",
        "nc:cafe",
        "na:s",
        "nk:free",
        "ne:title",
        f"nv:{someone_else.id}",
        "np:resume",
        "np:nonsense",
        "nc:" + "x" * 40,
    ]:
        await chat.send_button(data)
        assert "nicht mehr" in chat.text, data
    await chat.say("/neu")
    await chat.press("Begegnungscafé")
    await chat.send_button("np:send")  # nothing to send yet
    await chat.send_button("nk:free")  # not the cost question
    await chat.send_button(f"nv:{someone_else.id}")  # another organiser's venue
    assert "nicht mehr" in chat.text
    assert [o.title for o in await _offers(sessions)] == ["Fremdes Angebot"]


async def test_spam_limits(sessions, places, now):
    chat = ChatDriver(
        sessions, places, now, user="org", rights=RIGHTS, limits=Limits(max_offers_per_day=2)
    )
    for _ in range(2):
        await write_adventscafe(chat)
        await chat.press("Absenden")
    await write_adventscafe(chat)
    await chat.press("Absenden")
    assert "schon 2 Angebote eingetragen" in chat.text
    assert len(await _offers(sessions)) == 2
    chat.now = now.replace(day=26, hour=10)  # the next day the kept draft can go
    await chat.say("/neu")
    await chat.press("Weitermachen")
    await chat.press("Absenden")
    assert len(await _offers(sessions)) == 3


async def test_a_blocked_organiser_cannot_post(sessions, places, now):
    chat = organiser(sessions, places, now)
    await chat.say("/start")
    async with sessions() as session, session.begin():
        (await session.scalar(select(User))).trust = "blocked"
    await chat.say("/neu")
    assert "können Sie zurzeit keine Angebote eintragen" in chat.text


async def test_an_idea_starts_an_offer_with_its_words(sessions, places, now):
    chat = organiser(sessions, places, now)
    await chat.say("/ideen")
    await chat.press("Bei mir starten: Warme Stube")
    assert "Wann findet es statt?" in chat.text
    await chat.say("jeden Montag und Donnerstag 11-16 Uhr")
    await chat.say("Bürgerhaus, Markt 1, Ilsenburg")
    await chat.press("Kostenlos")
    await chat.press("Weiter")
    assert "🔥 Warme Stube" in chat.text and "Ein geheizter Raum" in chat.text


def test_links_are_told_from_e_mail_addresses():
    assert (
        has_link("mehr unter https://x.de")
        and has_link("www.verein.de")
        and has_link("t.me/gruppe")
    )
    assert has_link("siehe heimatverein-ditfurt.de")
    assert not has_link("kaffee@heimatverein.de") and not has_link("Telefon 03946 1234")
    assert not has_link("Kaffee, Kuchen. Danach Tee.")


async def test_a_long_description_can_be_typed(sessions, places, now):
    chat = organiser(sessions, places, now)
    await chat.say("/neu")
    await chat.press("Gesprächskreis")
    await chat.say("Erzählcafé")
    await chat.say("Wir erzählen. " * 120)
    assert "hier passen höchstens 1500" in chat.text
    await chat.say(
        "Wir erzählen. " * 80
    )  # 1,120 characters: longer than a place name, within limits
    assert "Wann findet es statt?" in chat.text


async def test_the_preview_names_no_distance_from_an_earlier_search(sessions, places, now):
    chat = organiser(sessions, places, now)
    await chat.say("Thale")  # the organiser looked around first
    await write_adventscafe(chat)
    assert "📍 Pfarrhaus, Kirchstraße 3, Quedlinburg\n" in chat.text and " km)" not in chat.text
