"""The idea pool (`/ideen`): residents see the visible ideas in order and start one at their
place; moderators add, change, hide and move ideas in chat, and every one of those buttons,
forged by someone without the right, is refused, logged and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import select

from models import User
from models.db import alembic_config, upgrade
from models.ideas import Idea, add_idea
from models.moderation import LogEntry, Rights

from .support import ChatDriver
from .test_migrations import _fresh_engine
from .test_posting import RIGHTS

SEVEN = [
    "Adventscafé",
    "Warme Stube",
    "Gemeinsamer Spaziergang",
    "Backen für Nachbarn",
    "Generationen-Nachmittag",
    "Geschenkaktion",
    "Erzählcafé",
]


def person(sessions, places, now, user: str, **options) -> ChatDriver:
    return ChatDriver(sessions, places, now, user=user, rights=RIGHTS, **options)


async def _ideas(sessions) -> list[Idea]:
    async with sessions() as session:
        return list(await session.scalars(select(Idea).order_by(Idea.position, Idea.id)))


async def _rows(sessions) -> list[dict]:
    """Everything stored about the ideas, to compare before and after."""
    return [
        {c.name: getattr(i, c.name) for c in Idea.__table__.columns} for i in await _ideas(sessions)
    ]


def _order(chat: ChatDriver) -> list[str]:
    """The idea titles in the order of a resident's list."""
    return [b.label.split(": ", 1)[1] for b in chat.buttons() if b.data.startswith("ib:")]


async def _open(moderator: ChatDriver, title: str) -> None:
    await moderator.say("/pruefen")
    await moderator.press("💡 Ideen bearbeiten")
    await moderator.press(title)


# --- residents ------------------------------------------------------------------------------


async def test_the_seven_ideas_come_from_the_database_in_both_languages(sessions, places, now):
    ideas = await _ideas(sessions)
    assert [i.title_de for i in ideas] == SEVEN and all(i.title_en and i.text_en for i in ideas)
    assert [i.position for i in ideas] == list(range(1, 8)) and not any(i.hidden for i in ideas)
    assert all(i.changed_by is None for i in ideas)

    chat = ChatDriver(sessions, places, now)
    await chat.say("/ideen")
    assert _order(chat) == SEVEN
    assert (
        "🔥 Warme Stube – Ein geheizter Raum, in den an kalten Nachmittagen alle kommen können."
        in chat.text
    )
    assert "Ideen bearbeiten" not in chat.text + " ".join(chat.labels())  # residents cannot edit
    english = ChatDriver(sessions, places, now, user="en", language="en")
    await english.say("/ideas")
    assert _order(english)[:2] == ["Advent café", "Warm room"]
    assert "Over coffee, people tell what the village used to be like." in english.text


async def test_starting_an_idea_opens_the_offer_dialogue_with_its_words(sessions, places, now):
    chat = person(sessions, places, now, "org", language="en")
    await chat.say("/ideas")
    await chat.press("Start at my place: Story café")
    assert "When does it take place?" in chat.text
    async with sessions() as session:
        user = await session.scalar(select(User).where(User.platform_id == "org"))
        from models.users import Conversation

        convo = await session.scalar(select(Conversation).where(Conversation.user_id == user.id))
    draft = convo.data["draft"]
    assert (draft["category"], draft["title"]) == ("talk", "Story café")
    assert draft["description"].startswith("Over coffee, people tell")


async def test_a_hidden_or_unknown_idea_cannot_be_started(sessions, places, now):
    resident = ChatDriver(sessions, places, now)
    await resident.say("/ideen")
    button = next(b.data for b in resident.buttons() if "Warme Stube" in b.label)
    moderator = person(sessions, places, now, "mod")
    await _open(moderator, "Warme Stube")
    await moderator.press("Verbergen")

    await resident.send_button(button)  # pressed in the old list
    assert "Diese Idee ist nicht mehr im Ideenpool." in resident.text
    for forged in ("ib:999999", "ib:0", "ib:abc", "ib:", "is:1"):
        await resident.send_button(forged)
        assert "Wann findet es statt?" not in resident.text, forged
    await resident.say("/ideen")
    assert "Warme Stube" not in resident.text and len(_order(resident)) == 6


async def test_a_long_pool_is_shown_page_by_page(sessions, places, now):
    async with sessions() as session, session.begin():
        me = User(platform="terminal", platform_id="mod")
        session.add(me)
        await session.flush()
        for number in range(1, 5):
            await add_idea(
                session,
                emoji="🌻",
                category="other",
                title_de=f"Idee {number}",
                text_de="Ein Text, lang genug.",
                by=me,
                now=now,
            )
    chat = ChatDriver(sessions, places, now)
    await chat.say("/ideen")
    assert _order(chat) == [*SEVEN, "Idee 1"]
    await chat.press("Weitere Ideen")
    assert chat.replies[0].edit and _order(chat) == ["Idee 2", "Idee 3", "Idee 4"]
    assert "Weitere Ideen ▶" not in chat.labels()
    await chat.send_button("id:99")  # past the end: the last page
    assert _order(chat) == ["Idee 2", "Idee 3", "Idee 4"]


# --- moderators -----------------------------------------------------------------------------


async def test_a_moderator_adds_an_idea_with_friendly_checks(sessions, places, now):
    moderator = person(sessions, places, now, "mod")
    await moderator.say("/pruefen")
    await moderator.press("💡 Ideen bearbeiten")
    assert [b.label for b in moderator.buttons()][:2] == ["1. ☕ Adventscafé", "2. 🔥 Warme Stube"]
    await moderator.press("Neue Idee")
    assert "Was für ein Treffen ist es?" in moderator.text
    await moderator.say("irgendwas")
    assert "Bitte wählen Sie eine der Arten mit einem Knopf." in moderator.text
    await moderator.press("Spaziergang & Bewegung")
    assert "Welches Bild soll davor stehen?" in moderator.text
    await moderator.say("🐙")
    assert "Bitte wählen Sie ein Bild mit einem Knopf." in moderator.text
    await moderator.press("🌻")
    assert "Der Titel auf Deutsch" in moderator.text

    await moderator.say("überspringen")
    assert "Der deutsche Titel und Text werden gebraucht" in moderator.text
    await moderator.say("Ab")
    assert "etwas kurz" in moderator.text and "Der Titel auf Deutsch" in moderator.text
    await moderator.say("Garten " * 20)
    assert "139 Zeichen" in moderator.text and "höchstens 120" in moderator.text
    await moderator.say("Gartenrunde www.garten.de")
    assert "Bitte lassen Sie Internet-Links in Ideen weg" in moderator.text
    await moderator.say("Gartenrunde <b>mit</b> & ohne Stock")
    assert "Der Text auf Deutsch" in moderator.text
    await moderator.say(
        "Einmal im Monat durch die Gärten im Dorf gehen, Kontakt: garten@verein.de."
    )
    assert "Der Titel auf Englisch" in moderator.text
    await moderator.say("Garden round")
    assert "Der Text auf Englisch" in moderator.text
    await moderator.press("Überspringen")
    assert "✅ Die Idee ist im Ideenpool" in moderator.text
    assert (
        "&lt;b&gt;mit&lt;/b&gt; &amp; ohne Stock" in moderator.html
    )  # stored as typed, shown escaped
    assert "🇬🇧 Englischer Text: (keiner – der deutsche wird gezeigt)" in moderator.text

    idea = (await _ideas(sessions))[-1]
    assert (
        idea.emoji,
        idea.category,
        idea.title_de,
        idea.title_en,
        idea.text_en,
        idea.position,
    ) == ("🌻", "walk", "Gartenrunde <b>mit</b> & ohne Stock", "Garden round", "", 8)
    assert idea.changed_by is not None and idea.changed_at == now

    resident = ChatDriver(sessions, places, now)
    await resident.say("/ideen")
    assert "🌻 Gartenrunde <b>mit</b> & ohne Stock – Einmal im Monat" in resident.text
    assert "<b>mit</b>" not in resident.html
    english = ChatDriver(sessions, places, now, user="en", language="en")
    await english.say("/ideas")
    assert (
        "🌻 Garden round – Einmal im Monat durch die Gärten" in english.text
    )  # German text as fallback
    await english.press("Garden round")
    assert "When does it take place?" in english.text


async def test_the_dialogue_works_by_typed_numbers_and_can_be_cancelled(sessions, places, now):
    moderator = person(sessions, places, now, "mod")  # the terminal numbers its buttons
    await moderator.send_button("ia")
    await moderator.say("2")  # the second kind: warm room
    assert "Welches Bild" in moderator.text
    await moderator.say("3")
    await moderator.say("abbrechen")
    assert "In Ordnung, nichts wurde geändert." in moderator.text
    assert len(await _ideas(sessions)) == 7
    await moderator.send_button("in:cancel")  # nothing open any more
    assert "Dieser Knopf gilt leider nicht mehr." in moderator.text


async def test_a_restart_in_the_middle_asks_the_same_question_again(sessions, places, now):
    moderator = person(sessions, places, now, "mod")
    await moderator.send_button("ia")
    await moderator.press("Warme Stube")
    await moderator.press("🔥")
    await moderator.say("Offene Stube")
    restarted = person(sessions, places, now, "mod")
    restarted.replies = await restarted.core.resume(restarted._incoming())
    assert "Der Text auf Deutsch" in restarted.text
    await restarted.say("Ein warmer Raum mit Tee, jeden Nachmittag offen.")
    await restarted.say("überspringen")
    assert "✅ Die Idee ist im Ideenpool" in restarted.text
    idea = (await _ideas(sessions))[-1]
    assert (idea.title_de, idea.category, idea.emoji, idea.title_en) == (
        "Offene Stube",
        "warm_room",
        "🔥",
        "",
    )


async def test_a_moderator_changes_one_part_at_a_time(sessions, places, now):
    moderator = person(sessions, places, now, "mod")
    await _open(moderator, "Erzählcafé")
    await moderator.press("✏️ Titel")
    assert "Bisher: Erzählcafé" in moderator.text
    await moderator.say("Erzählcafé mit alten Fotos")
    assert "✅ Gespeichert." in moderator.text and "Erzählcafé mit alten Fotos" in moderator.text
    await moderator.press("✏️ Art und Bild")
    await moderator.press("Gesprächskreis")
    await moderator.press("🎲")
    assert "Art: 💬 Gesprächskreis" in moderator.text
    await moderator.press("🇬🇧 Text")
    await moderator.say("Visit http://example.org")
    assert "Internet-Links" in moderator.text
    await moderator.press("Englisch entfernen")
    assert "🇬🇧 Englischer Text: (keiner – der deutsche wird gezeigt)" in moderator.text
    await moderator.press("✏️ Text")
    await moderator.say("kurz")
    assert "etwas kurz" in moderator.text
    await moderator.say("überspringen")  # while changing one part: it stays as it was
    assert "In Ordnung, nichts wurde geändert." in moderator.text

    idea = (await _ideas(sessions))[-1]
    assert (idea.title_de, idea.emoji, idea.category, idea.title_en, idea.text_en) == (
        "Erzählcafé mit alten Fotos",
        "🎲",
        "talk",
        "Story café",
        "",
    )
    assert idea.text_de.startswith("Bei Kaffee erzählen alle")
    english = ChatDriver(sessions, places, now, user="en", language="en")
    await english.say("/ideas")
    assert "🎲 Story café – Bei Kaffee erzählen alle" in english.text


async def test_hide_show_and_move(sessions, places, now):
    moderator = person(sessions, places, now, "mod")
    resident = ChatDriver(sessions, places, now)
    await _open(moderator, "Backen für Nachbarn")
    await moderator.press("Nach oben")
    assert "Jetzt an Stelle 3." in moderator.text
    await moderator.press("Verbergen")
    assert (
        "🙈 Verborgen: „Backen für Nachbarn“ erscheint nicht mehr unter /ideen." in moderator.text
    )
    await resident.say("/ideen")
    assert _order(resident) == [
        "Adventscafé",
        "Warme Stube",
        "Gemeinsamer Spaziergang",
        "Generationen-Nachmittag",
        "Geschenkaktion",
        "Erzählcafé",
    ]
    await moderator.press("Wieder zeigen")
    await resident.say("/ideen")
    assert _order(resident)[2] == "Backen für Nachbarn"

    await _open(moderator, "Adventscafé")
    await moderator.press("Nach oben")  # already first
    assert "Jetzt an Stelle 1." in moderator.text
    for _ in range(8):
        await moderator.press("Nach unten")
    assert "Jetzt an Stelle 7." in moderator.text
    await resident.say("/ideen")
    assert _order(resident)[0] == "Warme Stube" and _order(resident)[-1] == "Adventscafé"
    assert [i.position for i in await _ideas(sessions)] == list(range(1, 8))


async def test_who_changed_an_idea_is_kept_until_they_delete_their_data(sessions, places, now):
    moderator = person(sessions, places, now + timedelta(hours=1), "mod")
    await _open(moderator, "Geschenkaktion")
    await moderator.press("Verbergen")
    assert "✏️ Zuletzt geändert am Mi., 25. Nov., 11:00 Uhr von Moderation Nr." in moderator.text
    await moderator.say("/meinedaten")
    assert "💡 Ideen im Ideenpool, die Sie zuletzt geändert haben: 1" in moderator.text
    await moderator.say("/loeschen")
    await moderator.press("Ja, alles löschen")
    idea = next(i for i in await _ideas(sessions) if i.title_de == "Geschenkaktion")
    assert idea.changed_by is None and idea.hidden  # the idea stays, without the link to the person


FORGED = [
    "ix",
    "iv:{idea}",
    "ia",
    "ie:{idea}.title_de",
    "ie:{idea}.kind",
    "ih:{idea}.hide",
    "ih:{idea}.show",
    "im:{idea}.up",
    "im:{idea}.down",
    "ik:cafe",
    "ij:0",
    "in:cancel",
    "in:skip",
    "in:clear",
]


@pytest.mark.parametrize("data", FORGED)
async def test_every_idea_button_forged_by_someone_else_is_refused_and_logged(
    sessions, places, now, data
):
    idea = (await _ideas(sessions))[2]
    before = await _rows(sessions)
    forged = data.format(idea=idea.id)
    for intruder in (
        person(sessions, places, now, "org"),
        ChatDriver(sessions, places, now, user="resident"),
    ):
        await intruder.send_button(forged)
        assert "Das dürfen nur Moderatorinnen und Moderatoren." in intruder.text, forged
        await intruder.say("Unsinn mit Titel")  # typed afterwards, it changes nothing either
    assert await _rows(sessions) == before
    async with sessions() as session:
        refused = (
            await session.scalars(select(LogEntry).where(LogEntry.action == "refused"))
        ).all()
    assert len(refused) == 2


async def test_a_moderator_whose_right_was_taken_away_mid_dialogue_changes_nothing(
    sessions, places, now
):
    moderator = person(sessions, places, now, "mod")
    await _open(moderator, "Adventscafé")
    await moderator.press("✏️ Titel")
    before = await _rows(sessions)
    demoted = ChatDriver(sessions, places, now, user="mod", rights=Rights())
    await demoted.say("Ein neuer Titel")
    assert "Das dürfen nur Moderatorinnen und Moderatoren." in demoted.text
    assert await _rows(sessions) == before
    await moderator.say("Noch ein Titel")  # the step was left: this is a place name again
    assert await _rows(sessions) == before


async def test_stale_dialogue_buttons_of_a_moderator_are_answered_safely(sessions, places, now):
    moderator = person(sessions, places, now, "mod")
    idea = (await _ideas(sessions))[0].id
    for data in (
        "ik:cafe",
        "ij:0",
        "in:skip",
        "ie:999999.title_de",
        f"ih:{idea}.sideways",
        f"im:{idea}.left",
        f"ie:{idea}.position",
        "ih:999999.hide",
    ):
        await moderator.send_button(data)
        assert "Dieser Knopf gilt leider nicht mehr." in moderator.text, data
    await moderator.send_button(f"ie:{idea}.kind")
    await moderator.send_button("ij:0")  # the kind is asked first
    assert "Dieser Knopf gilt leider nicht mehr." in moderator.text
    await moderator.send_button("ik:cafe")
    await moderator.send_button("ij:99")
    assert "Dieser Knopf gilt leider nicht mehr." in moderator.text
    await moderator.send_button("iv:999999")
    assert "Diese Idee gibt es nicht." in moderator.text
    assert len(await _ideas(sessions)) == 7


# --- the migration ----------------------------------------------------------------------------


async def test_the_migration_seeds_the_pool_and_goes_back(database_url, tmp_path):
    engine = await _fresh_engine(database_url, tmp_path)
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(Idea.title_de, Idea.title_en, Idea.position).order_by(Idea.position)
                )
            ).all()
        assert [r.title_de for r in rows] == SEVEN and rows[-1].title_en == "Story café"
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0006"))
            tables = await connection.run_sync(lambda c: c.dialect.get_table_names(c))
        assert "ideas" not in tables
    finally:
        await engine.dispose()
