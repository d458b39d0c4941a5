"""Conversations with the core, written as a resident would have them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from models import Conversation, User

from .support import ChatDriver, add_offer

ILSENBURG = {"place_name": "Ilsenburg", "latitude": 51.8666, "longitude": 10.6791}


async def test_welcome_offers_big_buttons(chat):
    await chat.say("/start")
    assert "willkommen bei Nahbar" in chat.text
    keyboard = [b for row in chat.replies[0].keyboard for b in row]
    assert [b.label for b in keyboard] == [
        "📍 Standort senden",
        "🔎 Ort oder PLZ eingeben",
        "❓ Hilfe",
    ]
    assert keyboard[0].kind == "location"


async def test_place_name_gives_a_short_list_then_details(chat, sessions, now):
    await add_offer(
        sessions,
        now,
        title="Adventscafé im Pfarrhaus",
        rrule="FREQ=WEEKLY;BYDAY=TU",
        starts_local=datetime(2026, 1, 6, 15),
        wheelchair="yes",
        cost="donation",
    )
    await add_offer(
        sessions,
        now,
        title="Warme Stube",
        category="warm_room",
        starts_local=datetime(2026, 11, 26, 11),
        **ILSENBURG,
    )

    await chat.say("wernigerode")
    assert "Treffen bei Wernigerode" in chat.text
    assert "in den nächsten 7 Tagen · 10 km" in chat.text
    assert "1. 🔥 Warme Stube\n    Do., 26. Nov., 11:00 Uhr · Ilsenburg · 7,8 km" in chat.text
    assert (
        "2. ☕ Adventscafé im Pfarrhaus\n    Di., 1. Dez., 15:00 Uhr · Wernigerode · 100 m"
        in chat.text
    )

    await chat.press("Adventscafé")
    assert chat.replies[0].edit
    assert "🔁 jeden Dienstag" in chat.text
    assert "Di., 1. Dez., 15:00–17:00 Uhr" in chat.text
    assert "Di., 8. Dez., 15:00–17:00 Uhr" in chat.text
    assert "♿ Rollstuhlgerecht: Eingang ohne Stufe" in chat.text
    assert "Spende willkommen" in chat.text

    await chat.press("Zurück")
    assert "Treffen bei Wernigerode" in chat.text


async def test_filters_change_the_list_in_place(chat, sessions, now):
    await add_offer(sessions, now, title="Heute-Café", starts_local=datetime(2026, 11, 25, 15))
    await add_offer(
        sessions, now, title="Spaziergang", category="walk", starts_local=datetime(2026, 12, 5, 10)
    )
    await chat.say(
        "38855 Wernigerode"
    )  # the postcode with its town (38855 alone: a choice, it spans Nordharz too)
    assert "Heute-Café" in chat.text and "Spaziergang" not in chat.text

    await chat.press("14 Tage")
    assert chat.replies[0].edit
    assert "in den nächsten 14 Tagen" in chat.text and "Spaziergang" in chat.text
    assert "✓ 14 Tage" in chat.labels()

    await chat.press("Art")
    await chat.press("Spaziergang")
    assert "Spaziergang" in chat.text and "Heute-Café" not in chat.text

    await chat.say("heute")  # typed words work as well as buttons
    assert "heute" in chat.text and "keine Treffen" in chat.text


async def test_empty_result_offers_a_wider_radius(chat, sessions, now):
    await add_offer(sessions, now, title="Weiter weg", **ILSENBURG)
    await chat.say("Wernigerode")
    await chat.press("📏")
    await chat.press("5 km")
    assert "keine Treffen" in chat.text
    await chat.press("Umkreis 10 km")
    assert "Weiter weg" in chat.text


async def test_more_pages_on_request(chat, sessions, now):
    for n in range(7):
        await add_offer(
            sessions, now, title=f"Treffen {n}", starts_local=datetime(2026, 11, 26, 8 + n)
        )
    await chat.say("Wernigerode")
    assert "5. " in chat.text and "Treffen 5" not in chat.text
    await chat.say("mehr")
    assert "6. ☕ Treffen 5" in chat.text and "7. ☕ Treffen 6" in chat.text
    assert "Treffen 0" not in chat.text


async def test_typed_numbers_on_page_two_open_the_entry_with_that_number(chat, sessions, now):
    # The terminal and Matrix have no buttons: "7" must mean entry 7, not the 7th button.
    for n in range(7):
        await add_offer(
            sessions, now, title=f"Treffen {n}", starts_local=datetime(2026, 11, 26, 8 + n)
        )
    await chat.say("Wernigerode")
    await chat.say("mehr")
    await chat.say("7")
    assert "Treffen 6" in chat.text and "Heimatverein" in chat.text  # the details of entry 7
    await chat.say("99")  # not offered: a place search, which finds nothing
    assert "Treffen 6" not in chat.text


async def test_ambiguous_place_offers_a_choice(chat, sessions, now):
    await add_offer(
        sessions,
        now,
        title="Dorfnachmittag",
        place_name="Gernrode",
        latitude=51.7257,
        longitude=11.1388,
    )
    await chat.say("Gernrode")  # in Quedlinburg, and a village in Thuringia
    assert "mehrere Orte" in chat.text
    assert chat.labels()[0] == "Gernrode (Stadt Quedlinburg)"
    await chat.press("Quedlinburg")
    assert "Dorfnachmittag" in chat.text


async def test_a_typo_with_one_clear_candidate_shows_the_list_at_once(chat):
    await chat.say("Wernigerod")
    assert "(Sie meinten Wernigerode.)\nTreffen bei Wernigerode" in chat.text


async def test_a_typo_with_several_candidates_gets_a_choice(chat):
    await chat.say("Barleby")
    assert "Meinten Sie Barby?" in chat.text
    assert chat.labels() == ["Barby (Landkreis Salzwedel)", "Barleben (Landkreis Börde)"] or {
        "Barby",
        "Barleben",
    } <= {label.split(" (")[0] for label in chat.labels()}
    await chat.press("Barleben")
    assert "Treffen bei Barleben" in chat.text


async def test_unknown_place_is_answered_kindly(chat):
    await chat.say("Xyzzyhausen an der Quatsch")
    assert "kenne ich leider nicht" in chat.text
    assert "Postleitzahl" in chat.text


async def test_shared_location_is_stored_coarsely_and_is_not_a_home_place(chat, sessions, now):
    await add_offer(sessions, now, title="Nah dran")
    await chat.share_location(51.83527, 10.78531)
    assert "Ihrem Standort nahe Wernigerode" in chat.text and "Nah dran" in chat.text
    async with sessions() as session:
        user = await session.scalar(select(User))
        assert user.home_place_id is None and user.home_lat is None  # a search is not a home
        convo = await session.scalar(select(Conversation))
        search = convo.data["search"]
        assert (search["lat"], search["lon"], search["place_id"]) == (51.84, 10.79, "c51.84,10.79")
        assert "51.835" not in str(convo.data)


async def test_remembered_place_makes_commands_work_later(sessions, places, now):
    await add_offer(sessions, now, title="Heute-Café", starts_local=datetime(2026, 11, 25, 15))
    first = ChatDriver(sessions, places, now)
    await first.say("Quedlinburg")
    await first.press("Als Heimatort merken")
    assert "Ihr Heimatort ist jetzt Quedlinburg" in first.text
    async with sessions() as session, session.begin():  # dialogue state forgotten (purged)
        for convo in (await session.scalars(select(Conversation))).all():
            await session.delete(convo)
    again = ChatDriver(sessions, places, now)  # a restart: a new core on the same store
    await again.say("/heute")
    assert "Treffen bei Quedlinburg" in again.text and "heute" in again.text


async def test_commands_without_place_ask_for_one(chat):
    await chat.say("/woche")
    assert "Wo soll ich suchen?" in chat.text


async def test_english_speakers_get_english(sessions, places, now):
    await add_offer(sessions, now, title="Café", starts_local=datetime(2026, 11, 26, 15))
    chat = ChatDriver(sessions, places, now, language="en-GB")
    await chat.say("Wernigerode")
    assert "Meetings near Wernigerode" in chat.text
    assert "Thu, 26 Nov, 15:00 · Wernigerode · 100 m" in chat.text


async def test_forged_and_stale_buttons_change_nothing(chat, sessions, now):
    await add_offer(sessions, now, title="Entwurf", status="draft")
    for data in [
        "o:999999",
        "o:abc",
        "w:forever",
        "r:7",
        "c:nope",
        "pg:-1",
        "zz",
        "",
        "x" * 500,
        "pg:99999999",
        "pl:g0",
        "o:" + "9" * 40,
    ]:
        await chat.send_button(data)
        assert chat.replies and (
            "nicht mehr" in chat.text or "gibt es leider nicht" in chat.text
        ), data
    async with sessions() as session:
        assert (await session.scalar(select(Conversation))).data == {}


async def test_draft_offer_cannot_be_opened_by_id(chat, sessions, now):
    draft = await add_offer(sessions, now, title="Geheimer Entwurf", status="draft")
    await chat.say(f"/start offer_{draft.id}")
    assert "Geheimer Entwurf" not in chat.text
    assert "gibt es leider nicht" in chat.text


async def test_deep_link_opens_the_offer(chat, sessions, now):
    offer = await add_offer(sessions, now, title="Spielenachmittag")
    await chat.say(f"/start offer_{offer.id}")
    assert "Spielenachmittag" in chat.text and "Nächste Termine" not in chat.text


async def test_user_supplied_text_is_escaped(chat, sessions, now):
    await add_offer(sessions, now, title="<b>Hi</b> & <a href=x>", description="<script>")
    await chat.say("<b>Xyzzyhausen</b>")
    assert "kenne ich leider nicht" in chat.text
    assert "<b>Xyzzyhausen</b>" not in chat.html
    await chat.say("Wernigerode")
    assert "&lt;b&gt;Hi&lt;/b&gt; &amp; &lt;a href=x&gt;" in chat.html
    await chat.press("Hi")
    assert "&lt;script&gt;" in chat.html and "<script>" not in chat.html


async def test_garbage_input_never_crashes(chat):
    for text in [
        "",
        "   ",
        "\x00\x01",
        "🙂" * 50,
        "a" * 10_000,
        "/",
        "!",
        "/start@nahbar_bot",
        "/unbekannt",
        "91.0, 10.0",
        "1e308, 1e308",
        "' OR 1=1 --",
    ]:
        replies = await chat.say(text)
        assert replies and replies[0].text.strip(), text


async def test_a_place_and_a_time_in_one_sentence(chat, sessions, now):
    await add_offer(sessions, now, title="Heute-Café", starts_local=datetime(2026, 11, 25, 15))
    await add_offer(sessions, now, title="Spaziergang", starts_local=datetime(2026, 12, 5, 10))
    await chat.say("Wernigerode heute")
    assert "Treffen bei Wernigerode\nheute" in chat.text and "Heute-Café" in chat.text
    await chat.say("Was ist los in Wernigerode in den nächsten 14 Tagen?")
    assert "in den nächsten 14 Tagen" in chat.text and "Spaziergang" in chat.text
    await chat.say(
        "Was ist los in Quedlinburg?"
    )  # a new place: a fresh search, said in the heading
    assert "Treffen bei Quedlinburg\nin den nächsten 7 Tagen" in chat.text
    await chat.say("Was ist los in Xyzzyhausen?")
    assert "Den Ort „Xyzzyhausen“ kenne ich leider nicht" in chat.text


async def test_a_time_asked_before_the_place_is_used_once(chat, sessions, now):
    await chat.say("/heute")
    assert "Wo soll ich suchen?" in chat.text
    await chat.say("Wernigerode")
    assert "Treffen bei Wernigerode\nheute" in chat.text
    await chat.press("14 Tage")
    await chat.say("Quedlinburg")  # a new place starts a fresh search, and says so
    assert "Treffen bei Quedlinburg\nin den nächsten 7 Tagen" in chat.text
