"""Every row of issue 13's table, as a resident would write it: whole sentences are read as a
whole (handlers/understanding) and answered from what they say.

On the main branch before the reader, each of these was answered "Das habe ich leider nicht
verstanden", "Den Ort „…“ kenne ich leider nicht", or the filters of an earlier list were kept
unsaid. NOW (conftest): Wednesday 25 November 2026, 10:00 in Berlin.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from handlers.loneliness import helplines
from models import User
from models.accessibility import Wheelchair

from .support import ChatDriver, add_offer

STENDAL = {"place_name": "Stendal", "latitude": 52.6058, "longitude": 11.8609}
DESSAU = {"place_name": "Dessau", "latitude": 51.8386, "longitude": 12.2455}
OSCHERSLEBEN = {"place_name": "Oschersleben", "latitude": 52.0304, "longitude": 11.229}
HOHENERXLEBEN = {"place_name": "Hohenerxleben", "latitude": 51.8519, "longitude": 11.6547}
GENTHIN = {"place_name": "Genthin", "latitude": 52.4067, "longitude": 12.1592}
HALLE = {"place_name": "Halle", "latitude": 51.4816, "longitude": 11.9795}
QUEDLINBURG = {"place_name": "Quedlinburg", "latitude": 51.7884, "longitude": 11.1501}
SANGERHAUSEN = {"place_name": "Sangerhausen", "latitude": 51.4722, "longitude": 11.2953}


def _warm_answer_with_helplines(text: str, opening: str = "Schön, dass Sie schreiben") -> None:
    assert opening in text
    for line in helplines():
        assert line.number in text


async def test_a_greeting_with_a_place_and_an_audience_shows_the_place(chat, sessions, now):
    await add_offer(sessions, now, title="Seniorencafé am Dom", **STENDAL)
    await chat.say("Hallo, ich wohne in Stendal und suche etwas für Senioren")
    assert "Treffen bei Stendal" in chat.text and "Seniorencafé am Dom" in chat.text


async def test_where_can_i_go_names_place_and_weekend(chat, sessions, now):
    await add_offer(
        sessions, now, title="Samstagsrunde", starts_local=datetime(2026, 11, 28, 15), **DESSAU
    )
    await add_offer(
        sessions, now, title="Donnerstagsrunde", starts_local=datetime(2026, 11, 26, 15), **DESSAU
    )
    await chat.say("Wo kann ich in Dessau am Wochenende hingehen?")
    assert "Treffen bei Dessau-Roßlau\nam Wochenende" in chat.text
    assert "Samstagsrunde" in chat.text and "Donnerstagsrunde" not in chat.text


async def test_near_a_town_with_a_compound_kind(chat, sessions, now):
    await add_offer(sessions, now, title="Seniorentreff Bode", category="cafe", **OSCHERSLEBEN)
    await add_offer(sessions, now, title="Bodewanderung", category="walk", **OSCHERSLEBEN)
    await chat.say("gibt es in der Nähe von Oschersleben einen Seniorentreff")
    assert "Treffen bei Oschersleben" in chat.text and "kenne ich leider nicht" not in chat.text
    assert "Seniorentreff Bode" in chat.text and "Bodewanderung" not in chat.text


async def test_coffee_and_cake_on_sunday_at_the_current_place(chat, sessions, now):
    await add_offer(
        sessions,
        now,
        title="Sonntagskaffee",
        category="cafe",
        starts_local=datetime(2026, 11, 29, 15),
    )
    await add_offer(
        sessions,
        now,
        title="Samstagskaffee",
        category="cafe",
        starts_local=datetime(2026, 11, 28, 15),
    )
    await add_offer(
        sessions,
        now,
        title="Sonntagsspaziergang",
        category="walk",
        starts_local=datetime(2026, 11, 29, 10),
    )
    await chat.say("Wernigerode")
    await chat.say("gibt es was mit kaffee und kuchen am sonntag?")
    assert "Treffen bei Wernigerode\nSo., 29. Nov. · 10 km · ☕" in chat.text
    assert "Sonntagskaffee" in chat.text
    assert "Samstagskaffee" not in chat.text and "Sonntagsspaziergang" not in chat.text


async def test_a_village_in_a_sentence_with_this_week(chat, sessions, now):
    await add_offer(sessions, now, title="Dorfcafé", **HOHENERXLEBEN)
    await chat.say("ich wohne in hohenerxleben, was gibt es diese woche")
    assert "Treffen bei Hohenerxleben, Stadt Staßfurt\ndiese Woche (bis Sonntag)" in chat.text
    assert "Dorfcafé" in chat.text


async def test_living_alone_in_a_town_gets_comfort_helplines_and_meetings_there(
    chat, sessions, now
):
    await add_offer(sessions, now, title="Genthiner Kaffeerunde", **GENTHIN)
    await chat.say("Ich bin 81 und lebe allein in Genthin, was gibt es da")
    _warm_answer_with_helplines(chat.text)
    assert "Treffen bei Genthin" in chat.text and "Genthiner Kaffeerunde" in chat.text
    assert "Schreiben Sie mir Ihren Ort" not in chat.text


@pytest.mark.parametrize(
    ("typed", "opening"),
    [
        (
            "seit mein Mann tot ist rede ich mit niemandem",
            "Das tut mir sehr leid",
        ),  # grief, said as grief
        ("Ich habe keinen mehr zum Reden", "Schön, dass Sie schreiben"),
        ("mir ist so langweilig, die tage sind lang", "Dann finden wir etwas"),
    ],
)
async def test_grief_and_loneliness_in_a_sentence_get_the_warm_answer(chat, typed, opening):
    await chat.say(typed)
    _warm_answer_with_helplines(chat.text, opening)
    assert "kenne ich leider nicht" not in chat.text and "nicht verstanden" not in chat.text


async def test_a_lonely_person_sees_the_nearest_meetings_rather_than_an_empty_list(
    chat, sessions, now
):
    # Nothing in Genthin this week; a café 17 km away in ten days.
    await add_offer(
        sessions,
        now,
        title="Burger Erzählcafé",
        place_name="Burg",
        latitude=52.30,
        longitude=11.98,
        starts_local=datetime(2026, 12, 5, 15),
    )
    await chat.say("ich bin so einsam in Genthin")
    _warm_answer_with_helplines(chat.text)
    assert "Burger Erzählcafé" in chat.text and "in den nächsten 14 Tagen · 25 km" in chat.text
    assert "keine Treffen gefunden" not in chat.text


async def test_a_lonely_person_who_names_a_radius_sees_the_meetings_within_it(chat, sessions, now):
    await add_offer(
        sessions,
        now,
        title="Burger Erzählcafé",
        place_name="Burg",
        latitude=52.30,
        longitude=11.98,
        starts_local=datetime(2026, 11, 27, 15),
    )
    await chat.say("ich bin so einsam in Genthin, im Umkreis von 25 km")
    _warm_answer_with_helplines(chat.text)
    assert "Treffen bei Genthin\nin den nächsten 7 Tagen · 25 km" in chat.text
    assert "Burger Erzählcafé" in chat.text


async def test_a_lonely_person_far_from_any_meeting_is_told_so_kindly(chat):
    await chat.say("ich bin so einsam in Genthin")
    _warm_answer_with_helplines(chat.text)
    assert "Ich kenne leider noch kein Treffen in Ihrer Nähe" in chat.text
    assert "Das ist in Ihrer Nähe los" not in chat.text


@pytest.mark.parametrize(
    "typed", ["Danke schön, das hilft mir sehr", "Vielen Dank für Ihre Hilfe!"]
)
async def test_thanks_in_a_sentence_get_a_friendly_reply(chat, typed):
    await chat.say(typed)
    assert "Gern geschehen" in chat.text


async def test_what_do_you_store_shows_my_data(chat):
    await chat.say("was speichern sie eigentlich über mich?")
    assert "Das hat Nahbar über Sie gespeichert" in chat.text
    assert "kenne ich leider nicht" not in chat.text


async def test_remind_me_of_it_offers_the_reminder_for_the_offer_just_shown(chat, sessions, now):
    await add_offer(sessions, now, title="Adventscafé", starts_local=datetime(2026, 11, 28, 15))
    await chat.say("bitte erinnern sie mich daran")  # nothing shown yet: says how
    assert "An welches Treffen soll ich Sie erinnern?" in chat.text
    await chat.say("Wernigerode")
    await chat.press("Adventscafé")
    await chat.say("bitte erinnern sie mich daran")
    assert "Wann soll ich Sie an „Adventscafé“ erinnern?" in chat.text
    assert not any(r.edit for r in chat.replies)  # a new message under the typed one
    await chat.press("2 Stunden vorher")
    assert "Erinnerung" in chat.text


async def test_please_delete_all_my_data_asks_the_deletion_question(chat):
    await chat.say("bitte löschen sie alle meine daten")
    assert "Möchten Sie wirklich alles löschen" in chat.text
    assert chat.labels() == ["Ja, alles löschen", "Nein"]


@pytest.mark.parametrize(
    ("typed", "heading", "title"),
    [
        ("am 24.12.", "Do., 24. Dez.", "Heiligabendcafé"),
        ("Heiligabend", "Do., 24. Dez.", "Heiligabendcafé"),
        ("Silvester", "Do., 31. Dez.", "Silvesterrunde"),
        ("am 3. Advent", "So., 13. Dez.", "Adventssingen"),
    ],
)
async def test_dates_and_named_days_are_that_day(chat, sessions, now, typed, heading, title):
    for day, name in (
        (datetime(2026, 12, 24, 15), "Heiligabendcafé"),
        (datetime(2026, 12, 31, 15), "Silvesterrunde"),
        (datetime(2026, 12, 13, 15), "Adventssingen"),
    ):
        await add_offer(sessions, now, title=name, starts_local=day)
    await chat.say("Wernigerode")
    await chat.say(typed)
    assert f"Treffen bei Wernigerode\n{heading}" in chat.text
    assert title in chat.text
    assert (
        sum(name in chat.text for name in ("Heiligabendcafé", "Silvesterrunde", "Adventssingen"))
        == 1
    )


async def test_a_date_is_kept_as_a_date_when_the_list_is_opened_again(chat, sessions, now):
    await add_offer(sessions, now, title="Heiligabendcafé", starts_local=datetime(2026, 12, 24, 15))
    await chat.say("Wernigerode am 24.12.")
    chat.now = datetime(2026, 11, 26, 9, tzinfo=now.tzinfo)  # the next day
    await chat.say("/angebote")
    assert "Treffen bei Wernigerode\nDo., 24. Dez." in chat.text and "Heiligabendcafé" in chat.text


@pytest.mark.parametrize(
    ("typed", "place", "offer"),
    [("Quedlinbrug", "Quedlinburg", QUEDLINBURG), ("Sangerhausn", "Sangerhausen", SANGERHAUSEN)],
)
async def test_a_typo_with_one_candidate_shows_the_offers_at_once(
    chat, sessions, now, typed, place, offer
):
    await add_offer(sessions, now, title="Stadtcafé", **offer)
    await chat.say(typed)
    assert f"(Sie meinten {place}.)\nTreffen bei {place}" in chat.text and "Stadtcafé" in chat.text


async def test_an_english_sentence_gets_an_english_answer_and_the_language_offered(
    chat, sessions, now
):
    await add_offer(
        sessions,
        now,
        title="Saturday walk",
        category="walk",
        starts_local=datetime(2026, 11, 28, 10),
        **HALLE,
    )
    await chat.say("hi, any events near Halle this weekend?")
    assert (
        "Meetings near Halle (Saale)\nat the weekend" in chat.text and "Saturday walk" in chat.text
    )
    assert "nicht verstanden" not in chat.text
    assert "Shall I write in English from now on?" in chat.text
    await chat.press("Yes, please")
    assert "I will speak English with you" in chat.text
    async with sessions() as session:
        assert (await session.scalars(select(User.language))).one() == "en"


async def test_an_english_sentence_we_do_not_understand_is_answered_in_english(chat):
    await chat.say("what is the weather like tomorrow in the mountains?")
    assert "nicht verstanden" not in chat.text
    assert "Shall I write in English from now on?" in chat.text


async def test_a_new_place_starts_a_fresh_search_and_says_which_filters_apply(chat, sessions, now):
    await add_offer(
        sessions, now, title="Dienstagscafé", starts_local=datetime(2026, 12, 1, 15), **QUEDLINBURG
    )
    await add_offer(sessions, now, title="Sonntagscafé", starts_local=datetime(2026, 11, 29, 15))
    await chat.say("Wernigerode am Sonntag")
    await chat.press("📏")
    await chat.press("50 km")
    assert "So., 29. Nov. · 50 km" in chat.text
    await chat.say("Quedlinburg")
    assert "Treffen bei Quedlinburg\nin den nächsten 7 Tagen · 10 km" in chat.text
    assert "Dienstagscafé" in chat.text
    await chat.say("Thale im Umkreis von 25 km am Wochenende")  # the same message names them: kept
    assert "Treffen bei Thale\nam Wochenende · 25 km" in chat.text


async def test_the_next_advent_cafe_looks_ahead(chat, sessions, now):
    await add_offer(
        sessions, now, title="Adventscafé", category="cafe", starts_local=datetime(2026, 12, 12, 15)
    )
    await chat.say("Wernigerode")
    await chat.say("das nächste Adventscafé")
    assert "in den nächsten 30 Tagen" in chat.text and "Adventscafé" in chat.text


async def test_part_of_the_day_and_step_free_are_filters_named_in_the_heading(chat, sessions, now):
    await add_offer(
        sessions,
        now,
        title="Morgenrunde",
        starts_local=datetime(2026, 11, 26, 9),
        wheelchair=Wheelchair.YES,
    )
    await add_offer(
        sessions,
        now,
        title="Nachmittagscafé",
        starts_local=datetime(2026, 11, 26, 15),
        wheelchair=Wheelchair.YES,
    )
    await add_offer(
        sessions,
        now,
        title="Treppencafé",
        starts_local=datetime(2026, 11, 26, 16),
        wheelchair=Wheelchair.NO,
    )
    await chat.say("morgen nachmittag in Wernigerode, bitte barrierefrei")
    assert "Treffen bei Wernigerode\nmorgen · nachmittags · 10 km · ♿ stufenlos" in chat.text
    assert "Nachmittagscafé" in chat.text
    assert "Morgenrunde" not in chat.text and "Treppencafé" not in chat.text


async def test_ordinary_words_are_no_places(chat):
    for typed in [
        "ich will mal schauen was es gibt",
        "Ich bin neu hier und kenne die Gegend nicht",
        "thanks very much",
        "hier ist alles so leer",
    ]:  # Much (NRW), Leer (Ostfriesland)
        await chat.say(typed)
        assert "Treffen bei" not in chat.text and "kenne ich leider nicht" not in chat.text, typed


async def test_the_home_place_step_reads_a_sentence(sessions, places, now):
    chat = ChatDriver(sessions, places, now)
    await chat.say("/einstellungen")
    await chat.press("Heimatort ändern")
    await chat.say("ich wohne jetzt in Genthin")
    assert "Ihr Heimatort ist jetzt Genthin" in chat.text
    await chat.say("mein Wohnort ist jetzt Stendal")
    assert "Ihr Heimatort ist jetzt Stendal" in chat.text


async def test_the_language_switch_is_offered_once_a_day(chat, now):
    await chat.say("hi, what's on in Thale tomorrow?")
    assert "Meetings near Thale\ntomorrow" in chat.text and "Shall I write in English" in chat.text
    await chat.say("and what about the weekend?")
    assert "Meetings near Thale\nat the weekend" in chat.text  # still answered in English
    assert "Shall I write in English" not in chat.text
    await chat.say("Danke, und was ist am Sonntag?")  # German again: German, nothing to offer
    assert "Treffen bei Thale\nSo., 29. Nov." in chat.text and "Shall I" not in chat.text


async def test_buttons_and_a_bare_place_after_an_english_sentence_stay_in_english(chat, now):
    await chat.say("hi, what's on in Thale tomorrow?")
    assert "Meetings near Thale\ntomorrow" in chat.text
    await chat.press("14 days")
    assert "Meetings near Thale\nin the next 14 days" in chat.text  # a button press has no words
    await chat.say("Quedlinburg")  # a name is no language: still English
    assert "Meetings near Quedlinburg" in chat.text
    await chat.say("Danke, und was ist am Sonntag?")
    assert "Treffen bei Quedlinburg" in chat.text
    await chat.press("14 Tage")  # German again, also for the buttons
    assert "Treffen bei Quedlinburg\nin den nächsten 14 Tagen" in chat.text
