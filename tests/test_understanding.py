"""Residents write the way they talk: small talk, feelings, days, kinds and places together.

Each conversation here was answered with "Den Ort … kenne ich leider nicht" (or a town in
another state) before the core learnt these words.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from handlers.loneliness import helplines

from .support import ChatDriver, add_offer

THALE = {"place_name": "Thale", "latitude": 51.7490, "longitude": 11.0410}
QUEDLINBURG = {"place_name": "Quedlinburg", "latitude": 51.7904, "longitude": 11.1418}
# NOW in conftest: Wednesday 25 November 2026, 10:00 in Berlin.


@pytest.mark.parametrize(
    "typed",
    [
        "danke",
        "Danke schön!",
        "ja",
        "nein",
        "ok",
        "zurück",
        "Menü",
        "tschüss",
        "Guten Morgen",
        "Hallo",
        "Vielen Dank",
        "alles klar",
        "Auf Wiedersehen",
        "moin",
    ],
)
async def test_small_talk_is_not_taken_for_a_place(chat, typed):
    await chat.say(typed)
    assert "kenne ich leider nicht" not in chat.text
    assert "Meinten Sie" not in chat.text and "Treffen bei" not in chat.text
    assert chat.text.strip()


async def test_small_talk_gets_a_fitting_answer(chat):
    await chat.say("danke")
    assert "Gern geschehen" in chat.text
    await chat.say("Tschüss!")
    assert "Auf Wiedersehen" in chat.text
    await chat.say("ja")
    assert "keine offene Frage" in chat.text
    await chat.say("Guten Morgen")
    assert "willkommen bei Nahbar" in chat.text


async def test_back_returns_to_the_list(chat, sessions, now):
    await add_offer(sessions, now, title="Adventscafé")
    await chat.say("Wernigerode")
    await chat.press("Adventscafé")
    await chat.say("zurück")
    assert "Treffen bei Wernigerode" in chat.text and "1. ☕ Adventscafé" in chat.text


async def test_a_typed_yes_to_delete_points_to_the_button(chat, sessions):
    await chat.say("/loeschen")
    await chat.say("ja")
    assert "tippen Sie bitte auf „Ja, alles löschen“" in chat.text
    assert chat.labels() == ["Ja, alles löschen", "Nein"]
    await chat.press("Ja, alles löschen")  # the question is still open
    assert "Alles ist gelöscht" in chat.text


@pytest.mark.parametrize(
    ("typed", "opening"),
    [
        ("ich bin einsam", "Schön, dass Sie schreiben"),
        ("allein", "Schön, dass Sie schreiben"),
        ("mir ist langweilig", "Dann finden wir etwas für Sie"),
        ("Ich fühle mich so allein, seit mein Mann gestorben ist.", "Das tut mir sehr leid"),
    ],
)
async def test_loneliness_gets_a_warm_answer_and_someone_to_talk_to(chat, typed, opening):
    await chat.say(typed)
    assert opening in chat.text
    for line in helplines():
        assert line.number in chat.text
    assert "0800 4 70 80 90" in chat.text and "0800 111 0 111" in chat.text
    assert "Ort oder Ihre Postleitzahl" in chat.text  # no place known yet: asks for one


async def test_loneliness_shows_meetings_near_a_known_place(chat, sessions, now):
    await add_offer(sessions, now, title="Erzählcafé", starts_local=datetime(2026, 11, 27, 15))
    await chat.say("Wernigerode")
    await chat.say("ich bin so einsam")
    assert "Schön, dass Sie schreiben" in chat.text
    assert "Erzählcafé" in chat.text and "0800 111 0 222" in chat.text


async def _three_days(sessions, now) -> None:
    for day, title in [
        (25, "Mittwochscafé"),
        (26, "Donnerstagsrunde"),
        (28, "Samstagsspaziergang"),
        (29, "Sonntagskaffee"),
        (30, "Montagsstube"),
        (12 + 31, "Späterer Treff"),
    ]:
        month, date = (11, day) if day <= 30 else (12, day - 30)
        await add_offer(sessions, now, title=title, starts_local=datetime(2026, month, date, 15))


async def test_days_people_name(chat, sessions, now):
    await _three_days(sessions, now)
    await chat.say("Wernigerode")
    await chat.say("morgen")
    assert "Treffen bei Wernigerode\nmorgen" in chat.text
    assert "Donnerstagsrunde" in chat.text and "Mittwochscafé" not in chat.text
    await chat.say("Wochenende")
    assert "am Wochenende" in chat.text
    assert "Samstagsspaziergang" in chat.text and "Sonntagskaffee" in chat.text
    assert "Montagsstube" not in chat.text and "Donnerstagsrunde" not in chat.text
    await chat.say("am Samstag")
    assert "Sa., 28. Nov." in chat.text and "Samstagsspaziergang" in chat.text
    assert "Sonntagskaffee" not in chat.text
    await chat.say("Sonntag")
    assert "Sonntagskaffee" in chat.text and "Samstagsspaziergang" not in chat.text
    await chat.say("nächste Woche")
    assert "nächste Woche" in chat.text and "Montagsstube" in chat.text
    assert "Sonntagskaffee" not in chat.text


async def test_this_week_means_until_sunday(chat, sessions, now):
    await _three_days(sessions, now)
    await chat.say("Wernigerode diese Woche")
    assert "diese Woche (bis Sonntag)" in chat.text
    assert "Sonntagskaffee" in chat.text and "Montagsstube" not in chat.text
    await chat.say("/woche")
    assert "diese Woche (bis Sonntag)" in chat.text and "Montagsstube" not in chat.text
    await chat.press("7 Tage")
    assert "in den nächsten 7 Tagen" in chat.text and "Montagsstube" in chat.text


async def test_a_time_span_and_a_place_together(chat, sessions, now):
    await add_offer(
        sessions, now, title="Bodetal-Runde", starts_local=datetime(2026, 12, 5, 10), **THALE
    )
    await chat.say("nächste 14 Tage in Thale")
    assert (
        "Treffen bei Thale\nin den nächsten 14 Tagen" in chat.text and "Bodetal-Runde" in chat.text
    )
    await chat.say("/heute Quedlinburg")
    assert "Treffen bei Quedlinburg\nheute" in chat.text


async def test_a_kind_and_a_place_together(chat, sessions, now):
    await add_offer(sessions, now, title="Kaffeeklatsch", category="cafe", **QUEDLINBURG)
    await add_offer(sessions, now, title="Runde um den Schlossberg", category="walk")
    await add_offer(sessions, now, title="Adventscafé", category="cafe")
    await chat.say("Spaziergang in Wernigerode")
    assert "Treffen bei Wernigerode" in chat.text and "🚶 Spaziergang & Bewegung" in chat.text
    assert "Runde um den Schlossberg" in chat.text and "Adventscafé" not in chat.text
    await chat.say("Kaffee Quedlinburg")
    assert "Treffen bei Quedlinburg" in chat.text and "Kaffeeklatsch" in chat.text
    assert "Runde um den Schlossberg" not in chat.text


async def test_a_kind_typed_before_the_place_is_remembered(chat, sessions, now):
    await add_offer(sessions, now, title="Runde um den Schlossberg", category="walk")
    await add_offer(sessions, now, title="Adventscafé", category="cafe")
    await chat.say("Spaziergang")
    assert "Wo soll ich nach 🚶 Spaziergang & Bewegung suchen?" in chat.text
    await chat.say("Wernigerode")
    assert "Runde um den Schlossberg" in chat.text and "Adventscafé" not in chat.text


async def test_a_new_place_clears_a_kind_filter_from_before(chat, sessions, now):
    await add_offer(sessions, now, title="Kaffeeklatsch", category="cafe", **QUEDLINBURG)
    await add_offer(sessions, now, title="Stadtspaziergang", category="walk", **QUEDLINBURG)
    await add_offer(sessions, now, title="Runde um den Schlossberg", category="walk")
    await chat.say("Wernigerode")
    await chat.press("Art")
    await chat.press("Spaziergang")
    assert "Treffen bei Wernigerode" in chat.text and "🚶 Spaziergang" in chat.text
    await chat.say("Quedlinburg")
    assert "Kaffeeklatsch" in chat.text and "Stadtspaziergang" in chat.text
    assert "🚶" not in chat.text.split("\n")[1]  # the heading names no kind any more


async def test_settings_words_as_plain_words(chat, sessions):
    await chat.say("english")
    assert "I will speak English with you" in chat.text
    await chat.say("Deutsch")
    assert "ich spreche ab jetzt Deutsch" in chat.text
    await chat.say("Sprache")
    assert "Welche Sprache möchten Sie?" in chat.text
    await chat.say("Einstellungen")
    assert "Ihre Einstellungen" in chat.text
    await chat.say("löschen")
    assert "wirklich alles löschen" in chat.text
    await chat.say("nein")
    assert "es wurde nichts gelöscht" in chat.text


async def test_a_sentence_that_is_no_place_is_not_called_an_unknown_place(chat):
    await chat.say("Ich suche etwas für meine Mutter, sie ist 84")
    assert "Wo soll ich suchen?" in chat.text and "kenne ich leider nicht" not in chat.text
    await chat.say("Ich habe Rücken")
    assert "nicht verstanden" in chat.text and "kenne ich leider nicht" not in chat.text


async def test_english_words_work_for_english_speakers(sessions, places, now):
    await add_offer(
        sessions, now, title="Walk", category="walk", starts_local=datetime(2026, 11, 26, 10)
    )
    chat = ChatDriver(sessions, places, now, language="en")
    await chat.say("walks in Wernigerode tomorrow")
    assert "Meetings near Wernigerode\ntomorrow" in chat.text and "Walk" in chat.text
    await chat.say("thanks")
    assert "You're welcome" in chat.text
    await chat.say("I feel so alone")
    assert "0800 4 70 80 90" in chat.text and "just to talk" in chat.text


@pytest.mark.parametrize("typed", ["Kirche", "Alle", "Nähe", "danke schön Kirche", "Kuchen"])
async def test_common_words_are_never_matched_to_far_away_places(chat, typed):
    await chat.say(typed)
    assert "Meinten Sie" not in chat.text and "Treffen bei" not in chat.text
    assert "kenne ich leider nicht" not in chat.text  # words, not an unknown place
