"""Settings, language, privacy and deleting one's data, as a resident would go through them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.commands import MENUS, command_menu
from handlers.core import ROUTES
from models import Base, Conversation, User

from .support import ChatDriver, add_offer

COMMANDS = ROUTES.commands

ME, NEIGHBOUR = "770001", "880002"


async def _user(sessions, platform_id: str = ME) -> User | None:
    async with sessions() as session:
        return await session.scalar(select(User).where(User.platform_id == platform_id))


async def _convo(sessions, chat: str = f"terminal:{ME}") -> Conversation | None:
    async with sessions() as session:
        return await session.scalar(select(Conversation).where(Conversation.chat == chat))


async def _search_and_keep_as_home(chat: ChatDriver, place: str) -> None:
    await chat.say(place)
    await chat.press("Als Heimatort merken")
    assert "Ihr Heimatort ist jetzt" in chat.text


def _assert_buttons_are_well_formed(chat: ChatDriver) -> None:
    for button in chat.buttons():
        assert len(button.data.encode()) <= 64, button
        assert ROUTES.takes(button.data), button


# --- language -------------------------------------------------------------------------------


async def test_switching_language_answers_in_the_new_language(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user=ME)
    await chat.say("/sprache")
    assert "Welche Sprache möchten Sie?" in chat.text
    assert chat.labels() == ["✓ Deutsch", "English"]

    await chat.press("English")
    assert "I will speak English with you" in chat.text
    keyboard = [b.label for row in chat.replies[0].keyboard for b in row]
    assert "📍 Send location" in keyboard  # the big buttons change language too
    assert (await _user(sessions)).language == "en"

    await chat.say("/language")
    assert chat.labels() == ["Deutsch", "✓ English"]
    await chat.press("Deutsch")
    assert "ich spreche ab jetzt Deutsch mit Ihnen" in chat.text
    assert (await _user(sessions)).language == "de"


async def test_forged_language_changes_nothing(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user=ME)
    for data in ["lg:fr", "lg:", "lg:de-DE", "lg:" + "e" * 40]:
        await chat.send_button(data)
        assert "nicht mehr" in chat.text, data
    assert (await _user(sessions)).language == "de"


# --- settings -------------------------------------------------------------------------------


async def test_settings_show_and_change_the_radius(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user=ME)
    await chat.say("/einstellungen")
    assert "Ihre Einstellungen" in chat.text
    assert "📏 Umkreis: 10 km" in chat.text
    assert "🏠 Heimatort: noch nicht festgelegt" in chat.text
    assert "🌐 Sprache: Deutsch" in chat.text
    assert chat.labels()[:4] == ["5 km", "✓ 10 km", "25 km", "50 km"]
    _assert_buttons_are_well_formed(chat)

    await chat.press("25 km")
    assert chat.replies[0].edit  # the same message changes
    assert "📏 Umkreis: 25 km" in chat.text and "✓ 25 km" in chat.labels()
    assert (await _user(sessions)).radius_km == 25

    await chat.send_button("sr:7")  # not one of the offered radii
    assert "nicht mehr" in chat.text
    assert (await _user(sessions)).radius_km == 25


async def test_new_radius_applies_to_the_running_search(sessions, places, now):
    await add_offer(
        sessions,
        now,
        title="Warme Stube Ilsenburg",
        place_name="Ilsenburg",
        latitude=51.8666,
        longitude=10.6791,
    )
    chat = ChatDriver(sessions, places, now, user=ME)
    await chat.say("/settings")
    await chat.press("5 km")
    await chat.say("Wernigerode")
    assert "5 km" in chat.text and "keine Treffen" in chat.text
    await chat.say("/einstellungen")
    await chat.press("10 km")
    await chat.say("/angebote")
    assert "Warme Stube Ilsenburg" in chat.text


async def test_home_place_is_asked_for_and_survives_a_restart(sessions, places, now):
    await add_offer(
        sessions,
        now,
        title="Erzählcafé Quedlinburg",
        place_name="Quedlinburg",
        latitude=51.7904,
        longitude=11.1418,
    )
    chat = ChatDriver(sessions, places, now, user=ME)
    await chat.say("Wernigerode")
    await chat.say("/einstellungen")
    assert "🏠 Heimatort: noch nicht festgelegt" in chat.text  # a search is not a home place
    await chat.say("Wernigerode")
    await chat.press("Als Heimatort merken")
    await chat.say("/einstellungen")
    assert "🏠 Heimatort: Wernigerode" in chat.text
    await chat.press("Heimatort ändern")
    assert "Bitte schreiben Sie Ihren Ort oder Ihre Postleitzahl" in chat.text
    assert (await _convo(sessions)).state == "settings.home"

    restarted = ChatDriver(sessions, places, now, user=ME)  # a new core on the same store
    await restarted.say("Quedlinburg")
    assert "Ihr Heimatort ist jetzt Quedlinburg" in restarted.text
    user = await _user(sessions)
    assert user.home_place_name == "Quedlinburg"
    quedlinburg = places.resolve("Quedlinburg").place
    assert (user.home_lat, user.home_lon) == (quedlinburg.lat, quedlinburg.lon)
    assert (await _convo(sessions)).state == "idle"

    await restarted.press("Treffen dort")
    assert (
        "Treffen bei Quedlinburg" in restarted.text and "Erzählcafé Quedlinburg" in restarted.text
    )

    await restarted.say("Wernigerode")  # after the dialogue, a place is a search again
    assert "Treffen bei Wernigerode" in restarted.text


async def test_home_place_dialogue_can_be_cancelled(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user=ME)
    await _search_and_keep_as_home(chat, "Wernigerode")
    await chat.say("/einstellungen")
    await chat.press("Heimatort ändern")
    await chat.say("Xyzzyhausen")
    assert "kenne ich leider nicht" in chat.text and "abbrechen" in chat.text
    assert (await _convo(sessions)).state == "settings.home"  # still waiting
    await chat.say("Abbrechen")
    assert "Ihr Heimatort bleibt, wie er ist" in chat.text
    assert (await _user(sessions)).home_place_name == "Wernigerode"
    assert (await _convo(sessions)).state == "idle"


async def test_home_place_dialogue_offers_a_choice_and_takes_a_location(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user=ME)
    await chat.say("/einstellungen")
    await chat.press("Heimatort ändern")
    await chat.say("Gernrode")  # in Quedlinburg, and a village in Thuringia
    assert "Welchen Ort meinen Sie?" in chat.text
    _assert_buttons_are_well_formed(chat)
    await chat.press("Quedlinburg")
    assert "Ihr Heimatort ist jetzt Gernrode" in chat.text

    await chat.say("/einstellungen")
    await chat.press("Heimatort ändern")
    await chat.share_location(51.83527, 10.78531)
    assert "Ihr Heimatort ist jetzt Ihr Standort bei Wernigerode" in chat.text
    user = await _user(sessions)
    assert (user.home_lat, user.home_lon) == (51.84, 10.79)  # coarse, about 1 km
    assert (user.home_place_id, user.home_place_name) == ("c51.84,10.79", "Wernigerode")

    await chat.say("/einstellungen")  # typed coordinates are a location too: rounded alike
    await chat.press("Heimatort ändern")
    await chat.say("51.79123, 11.14123")
    user = await _user(sessions)
    assert (user.home_lat, user.home_lon, user.home_place_id) == (51.79, 11.14, "c51.79,11.14")
    await chat.say("/einstellungen")  # a forged coordinate button is rounded as well
    await chat.press("Heimatort ändern")
    await chat.send_button("hp:c51.81234,11.05678")
    user = await _user(sessions)
    assert (user.home_lat, user.home_lon, user.home_place_id) == (51.81, 11.06, "c51.81,11.06")


async def test_a_command_leaves_the_home_place_dialogue(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user=ME)
    await chat.say("/einstellungen")
    await chat.press("Heimatort ändern")
    await chat.say("/hilfe")
    assert "So geht es" in chat.text
    assert (await _convo(sessions)).state == "idle"
    await chat.say("Quedlinburg")
    assert "Treffen bei Quedlinburg" in chat.text  # a search, not a settings change


async def test_forged_home_place_button_changes_nothing(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user=ME)
    await _search_and_keep_as_home(chat, "Wernigerode")
    quedlinburg = places.resolve("Quedlinburg").place
    await chat.send_button(f"hp:{quedlinburg.id}")  # nobody asked for a home place
    assert "nicht mehr" in chat.text
    assert (await _user(sessions)).home_place_name == "Wernigerode"
    await chat.say("/einstellungen")
    await chat.press("Heimatort ändern")
    await chat.send_button("hp:nowhere")
    assert "nicht mehr" in chat.text
    assert (await _user(sessions)).home_place_name == "Wernigerode"


# --- privacy --------------------------------------------------------------------------------


async def test_privacy_says_plainly_what_is_stored(chat):
    await chat.say("/datenschutz")
    text = chat.text
    for phrase in [
        "Ihre Nummer beim Chat-Dienst",
        "Ihre Sprache",
        "etwa 1 km",
        "Suchumkreis",
        "letzte Suche, höchstens 30 Tage",
        "nach Ihrem Namen fragen wir nie",
        "bis sie beantwortet sind (höchstens einen Tag)",
        "ohne Ihren Kontakt",
        "nach 30 Tagen",
        "/loeschen",
        "ohne Verbindung zu Ihnen",
        "/meinedaten",
    ]:
        assert phrase in text, phrase
    await chat.say("/privacy")
    assert "Ihre Daten bei Nahbar" in chat.text


async def test_my_data_shows_what_the_database_holds_in_plain_words(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user=ME)
    await _search_and_keep_as_home(chat, "Wernigerode")
    await chat.say("/meinedaten")
    text = chat.text
    assert "Das hat Nahbar über Sie gespeichert" in text
    assert "💬 Sie schreiben uns über dieses Terminal." in text
    assert f"🔢 Ihre Nummer dort: {ME} (damit unsere Antworten Sie erreichen)" in text
    assert "🌐 Sprache: Deutsch" in text
    assert "🏠 Heimatort: Wernigerode" in text
    assert "📏 Suchumkreis: 10 km" in text
    assert "📍 Genauer Standort: nicht erlaubt" in text
    assert "🗓 Erste Nachricht: 25. Nov. 2026" in text
    assert (
        "• Letzte Suche: bei Wernigerode, in den nächsten 7 Tagen, 10 km – wird spätestens am "
        "25. Dez. 2026 gelöscht" in text
    )
    for internal in [
        "Interne Nummer",
        "Kennung",
        "g2",
        "Sprache: de",
        "terminal:",
        "home_",
        "None",
    ]:
        assert internal not in text, internal


def test_my_data_covers_every_column_and_table():
    """A new column or table that refers to users cannot slip past /meinedaten unexplained."""
    from handlers.privacy import NOT_SHOWN, TABLES, USER_FIELDS
    from models.erasure import referencing_columns

    assert {c.name for c in User.__table__.columns} == set(USER_FIELDS) | set(NOT_SHOWN)
    referring = {table.name for table, _ in referencing_columns(User.__table__)}
    assert referring - {"conversations"} <= set(TABLES)


async def test_my_data_of_a_new_user(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user=ME, language="en")
    await chat.say("/mydata")
    assert "What Nahbar has stored about you" in chat.text
    assert "🏠 Home place: not set yet" in chat.text
    assert "Nothing from our conversation is stored." in chat.text


async def test_my_data_tells_a_precise_home_place_from_a_rough_one(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user=ME)
    await chat.share_location(51.83527, 10.78531)
    await chat.press("Als Heimatort merken")
    await chat.say("/meinedaten")
    assert (
        "🏠 Heimatort: Ihr Standort bei Wernigerode (nur auf etwa 1 km genau gespeichert)"
        in chat.text
    )
    assert "51.8" not in chat.text


# --- deleting -------------------------------------------------------------------------------


async def _everything(sessions) -> dict[str, list[dict]]:
    async with sessions() as session:
        return {
            table.name: [dict(row) for row in (await session.execute(select(table))).mappings()]
            for table in Base.metadata.sorted_tables
        }


async def test_delete_removes_everything_about_the_user_and_nothing_else(sessions, places, now):
    me = ChatDriver(sessions, places, now, user=ME)
    neighbour = ChatDriver(sessions, places, now, user=NEIGHBOUR)
    await me.say("Wernigerode")
    await neighbour.say("Quedlinburg")
    my_id = (await _user(sessions, ME)).id
    neighbour_id = (await _user(sessions, NEIGHBOUR)).id
    mine = await add_offer(sessions, now, title="Mein Adventscafé", owner_id=my_id)
    theirs = await add_offer(sessions, now, title="Nachbars Spaziergang", owner_id=neighbour_id)
    before = await _everything(sessions)

    await me.say("/loeschen")
    assert "wirklich alles löschen" in me.text
    assert "Ihre eingetragenen Angebote (1) bleiben sichtbar" in me.text
    assert me.labels() == ["Ja, alles löschen", "Nein"]
    _assert_buttons_are_well_formed(me)
    await me.press("Ja, alles löschen")
    assert "Alles ist gelöscht. Auf Wiedersehen!" in me.text

    after = await _everything(sessions)
    users = User.__table__
    for table in Base.metadata.sorted_tables:
        rows = after[table.name]
        for fk in table.foreign_keys:
            if fk.column.table is users:
                assert all(row[fk.parent.name] != my_id for row in rows), table.name
        for row in rows:
            assert f"terminal:{ME}" not in repr(row), table.name
            assert ME not in repr(row), table.name
    assert not [u for u in after["users"] if u["id"] == my_id]

    # Every row that was not about me is still there, unchanged.
    for table in Base.metadata.sorted_tables:
        about_me = [
            c.name
            for c in table.columns
            if any(fk.column.table is users for fk in c.foreign_keys)
            or (table is users and c.primary_key)
        ]
        for row in before[table.name]:
            if ME in repr(row) or any(row[name] == my_id for name in about_me):
                continue
            assert row in after[table.name], (table.name, row)
    offers = {o["id"]: o for o in after["offers"]}
    assert offers[mine.id]["owner_id"] is None and offers[mine.id]["title"] == "Mein Adventscafé"
    assert offers[theirs.id]["owner_id"] == neighbour_id
    assert len(after["occurrences"]) == len(before["occurrences"])

    await neighbour.say("/angebote")
    assert "Treffen bei Quedlinburg" in neighbour.text

    await me.say("/start")  # writing again starts afresh
    assert "willkommen bei Nahbar" in me.text and "Letztes Mal" not in me.text
    fresh = await _user(sessions, ME)
    assert fresh.id != my_id and fresh.home_place_name is None


async def test_no_keeps_everything(sessions, places, now):
    me = ChatDriver(sessions, places, now, user=ME)
    await _search_and_keep_as_home(me, "Wernigerode")
    await me.say("/loeschen")
    before = await _everything(sessions)
    await me.press("Nein")
    assert "es wurde nichts gelöscht" in me.text
    after = await _everything(sessions)
    assert [u["id"] for u in after["users"]] == [u["id"] for u in before["users"]]
    assert (await _user(sessions)).home_place_name == "Wernigerode"
    assert (await _convo(sessions)).state == "idle"
    await me.send_button("dl:y")  # the old "yes" no longer counts
    assert "nicht mehr" in me.text
    assert await _user(sessions) is not None


async def test_a_typed_no_keeps_everything(sessions, places, now):
    me = ChatDriver(sessions, places, now, user=ME)
    await me.say("/loeschen")
    await me.say("nein")
    assert "es wurde nichts gelöscht" in me.text
    await me.send_button("dl:y")
    assert "nicht mehr" in me.text and await _user(sessions) is not None


async def test_a_yes_nobody_asked_for_deletes_nothing(sessions, places, now):
    me = ChatDriver(sessions, places, now, user=ME)
    await _search_and_keep_as_home(me, "Wernigerode")
    for data in ["dl:y", "dl:yes", "dl", "dl:" + "y" * 40]:
        await me.send_button(data)
        assert "nicht mehr" in me.text, data
        assert (await _user(sessions)).home_place_name == "Wernigerode"


async def test_a_yes_after_something_else_or_too_late_deletes_nothing(sessions, places, now):
    me = ChatDriver(sessions, places, now, user=ME)
    await me.say("/loeschen")
    await me.say("Wernigerode")  # the user moved on
    await me.send_button("dl:y")
    assert "nicht mehr" in me.text
    assert await _user(sessions) is not None

    await me.say("/loeschen")
    me.now = now + timedelta(days=2)
    await me.send_button("dl:y")
    assert "nicht mehr" in me.text
    assert await _user(sessions) is not None


async def test_deleting_in_english(sessions, places, now):
    me = ChatDriver(sessions, places, now, user=ME, language="en")
    await me.say("/delete")
    await me.press("Yes, delete everything")
    assert "Everything is deleted" in me.text
    assert await _user(sessions) is None
    assert await _convo(sessions) is None


# --- help, menus, ideas ---------------------------------------------------------------------


async def test_help_mentions_the_new_commands(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user=ME)
    await chat.say("/hilfe")
    for command in ["/einstellungen", "/sprache", "/ideen", "/datenschutz"]:
        assert command in chat.text
    english = ChatDriver(sessions, places, now, user=NEIGHBOUR, language="en")
    await english.say("/help")
    for command in ["/settings", "/language", "/ideas", "/privacy", "/offers"]:
        assert command in english.text


def test_command_menus_list_working_commands_in_both_languages():
    german, english = command_menu("de"), command_menu("en")
    assert [c for c, _ in german] == [
        "start",
        "angebote",
        "heute",
        "woche",
        "erinnerungen",
        "wochenpost",
        "einstellungen",
        "sprache",
        "hilfe",
        "datenschutz",
        "meinedaten",
        "loeschen",
        "ideen",
        "neu",
        "meine",
    ]
    assert [c for c, _ in english] == [
        "start",
        "offers",
        "today",
        "week",
        "reminders",
        "weeklypost",
        "settings",
        "language",
        "help",
        "privacy",
        "mydata",
        "delete",
        "ideas",
        "new",
        "mine",
    ]
    assert dict(german)["loeschen"] == "Alles über Sie löschen"
    assert dict(english)["delete"] == "Delete everything about you"
    for menu in (german, english):
        for command, description in menu:
            assert command in COMMANDS
            assert (
                command.isascii() and command.islower() and len(command) <= 32
            )  # Telegram's rules
            assert 3 <= len(description) <= 256
    assert command_menu("fr") == german
    assert set(MENUS) == {"de", "en"}


async def test_ideas_from_an_empty_list_and_back(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user=ME)
    await chat.say("Wernigerode")
    assert "keine Treffen" in chat.text
    await chat.press("Ideen für eigene Treffen")
    assert chat.replies[0].edit
    for idea in [
        "Adventscafé",
        "Warme Stube",
        "Gemeinsamer Spaziergang",
        "Backen für Nachbarn",
        "Generationen-Nachmittag",
        "Geschenkaktion",
        "Erzählcafé",
    ]:
        assert idea in chat.text, idea
    assert (
        "Möchten Sie eins starten?" in chat.text
        and "☕ Bei mir starten: Adventscafé" in chat.labels()
    )
    await chat.press("Zurück")
    assert "Treffen bei Wernigerode" in chat.text


async def test_ideas_by_command(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user=ME)
    await chat.say("/ideen")
    assert "Ideen für eigene Treffen" in chat.text and "🔙 Zurück" not in chat.labels()
    english = ChatDriver(sessions, places, now, user=NEIGHBOUR, language="en")
    await english.say("/ideas")
    assert "Story café" in english.text


async def test_settings_buttons_before_any_search_are_safe(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user=ME)
    await chat.send_button("sm")  # "meetings there" without a home place
    assert "nicht mehr" in chat.text
    await chat.send_button("st")
    assert "Ihre Einstellungen" in chat.text
    await chat.send_button("sh?")
    assert "Bitte schreiben Sie Ihren Ort" in chat.text


async def test_precise_location_needs_consent_and_withdrawing_it_coarsens_the_data(chat, sessions):
    await chat.share_location(51.83527, 10.78531)
    await chat.say("/einstellungen")
    assert "Genauer Standort: aus" in chat.text
    await chat.press("Genauen Standort erlauben")
    assert "Genauer Standort: an" in chat.text
    await chat.share_location(51.79123, 11.14123)
    await chat.press("Als Heimatort merken")
    async with sessions() as session:
        user = await session.scalar(select(User))
        assert (user.home_lat, user.home_lon, user.home_place_id) == (
            51.7912,
            11.1412,
            "c51.7912,11.1412",
        )
    await chat.say("/einstellungen")
    await chat.press("nur ungefähr")
    assert "Genauer Standort: aus" in chat.text
    async with sessions() as session:
        user = await session.scalar(select(User))
        assert (user.home_lat, user.home_lon) == (51.79, 11.14)
        assert (user.home_place_id, user.home_place_name) == ("c51.79,11.14", "Quedlinburg")
        convo = await session.scalar(select(Conversation))
        search = convo.data["search"]
        assert (search["lat"], search["lon"], search["place_id"]) == (51.79, 11.14, "c51.79,11.14")
        assert "51.7912" not in repr(convo.data) + repr(user.__dict__)
