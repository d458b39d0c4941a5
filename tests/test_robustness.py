"""Odd input from outside gets a friendly answer and changes nothing: far-away coordinates, ids
too large for the database, control characters, markup in every field, stored dialogue notes
from an older version, two members of one group chat."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from handlers.messages import Incoming
from models import Conversation, User
from models.search import Query

from .support import ChatDriver, add_offer, plain

NASTY = "<b>x</b>&amp;<script>alert(1)</script>\x1b[2J\u202e"


@pytest.mark.parametrize("typed", ["90, 180", "-85, 11", "89.99, 0", "0.5, 0.5", "-33.9, 151.2"])
async def test_coordinates_far_from_germany_get_a_friendly_answer_and_no_search(
    chat, typed, monkeypatch
):
    await chat.say("/einstellungen")
    await chat.press("50 km")  # the largest radius: the most cells to search

    async def no_search(*args, **kwargs):
        raise AssertionError("searched far from Germany")  # it took up to 105 s, then crashed

    monkeypatch.setattr("handlers.search.nearby", no_search)
    await chat.say(typed)
    assert "Nahbar kennt Treffen in Deutschland" in chat.text


async def test_a_shared_location_abroad_is_not_searched(chat, sessions):
    await chat.share_location(48.8566, 2.3522)  # Paris
    assert "Nahbar kennt Treffen in Deutschland" in chat.text
    async with sessions() as session:
        convo = await session.scalar(select(Conversation))
        assert "search" not in convo.data


def test_a_search_query_refuses_an_area_that_would_need_too_many_cells():
    with pytest.raises(ValueError, match="search area too large"):
        Query(
            lat=89.99,
            lon=0,
            radius_km=50,
            start=datetime.now().astimezone(),
            end=datetime.now().astimezone(),
        )
    with pytest.raises(ValueError, match="search radius out of range"):
        Query(
            lat=51.8,
            lon=10.8,
            radius_km=5000,
            start=datetime.now().astimezone(),
            end=datetime.now().astimezone(),
        )


@pytest.mark.parametrize("typed", ["39 104", "1 2", "14 30", "3,5", "1,2"])
async def test_two_plain_numbers_are_not_a_location(chat, sessions, typed):
    await chat.say(typed)
    async with sessions() as session:
        user = await session.scalar(select(User))
        convo = await session.scalar(select(Conversation))
        assert user.home_lat is None
        search = convo.data.get("search") or {}
        assert not search.get("position"), typed


@pytest.mark.parametrize(
    "argument", ["2147483648", "9999999999", "99999999999999999999", "0", "-1"]
)
async def test_ids_out_of_range_are_refused_before_the_database_sees_them(chat, argument):
    # PostgreSQL used to answer "value out of int32 range" with an error.
    await chat.say(f"/start offer_{argument}")
    assert "gibt es leider nicht" in chat.text
    for verb in ("o", "oc", "ov", "os"):
        await chat.send_button(f"{verb}:{argument}")
        assert "gibt es leider nicht" in chat.text or "nicht mehr" in chat.text, verb


async def test_control_and_bidi_characters_are_never_echoed(chat):
    await chat.say("Den Ort \x1b[2J\x00Xyzzy\u202eheim")
    assert "\x1b" not in chat.html and "\x00" not in chat.html and "\u202e" not in chat.html
    assert "Xyzzyheim" in chat.text


async def test_markup_in_every_field_is_shown_as_text(chat, sessions, now):
    fields = {
        "title": NASTY,
        "description": NASTY,
        "organiser": NASTY,
        "venue_name": NASTY,
        "address": NASTY,
        "place_name": NASTY,
        "contact": NASTY,
        "price": NASTY,
        "cost": "price",
    }
    offer = await add_offer(sessions, now, **fields)
    await chat.say("Wernigerode")
    seen = [chat.html]
    await chat.send_button(f"o:{offer.id}")
    seen.append(chat.html)
    venues = []
    for verb in ("ov", "os", "oc"):
        await chat.send_button(f"{verb}:{offer.id}")
        seen.append(chat.html)
        venues += [r.venue.title + r.venue.address for r in chat.replies if r.venue]  # plain text
    await chat.say(NASTY)  # typed, and echoed as an unknown place
    seen.append(chat.html)
    for html in seen:
        assert "<script>" not in html and "<b>x</b>" not in html, html
    for text in seen + venues:
        assert "\x1b" not in text and "\u202e" not in text, text
    assert "<b>x</b>&amp;<script>alert(1)</script>" in plain(seen[1])  # shown literally


@pytest.mark.parametrize(
    "stored",
    [
        {
            "search": {"place": "Wernigerode", "lat": 51.8, "lon": 10.7, "window": "week"}
        },  # version 1
        {"search": {"v": 2, "place": 5, "lat": "north", "at": "yesterday"}},
        {
            "search": "garbage",
            "pending": [1, 2],
            "step": {"v": 1, "asked_at": "never"},
            "choices": {"1": 5},
        },
        {"search": {"v": 99, "place": "Wernigerode"}},
    ],
)
async def test_dialogue_notes_from_another_version_never_crash(chat, sessions, stored):
    await chat.say("/start")
    async with sessions() as session, session.begin():
        convo = await session.scalar(select(Conversation))
        convo.data, convo.state = stored, "privacy.delete"
    for typed in ["mehr", "/angebote", "3", "ja"]:
        await chat.say(typed)
        assert chat.text.strip()
    await chat.send_button("dl:y")  # a note that does not load is no open question
    assert "nicht mehr" in chat.text
    async with sessions() as session:
        assert await session.scalar(select(User)) is not None


async def test_no_after_the_deletion_is_not_answered_as_if_nothing_happened(chat, sessions):
    await chat.say("/loeschen")
    await chat.press("Ja, alles löschen")
    await chat.send_button("dl:n")  # "Nein" on the earlier prompt
    assert "nichts gelöscht" not in chat.text and "nicht mehr" in chat.text


def _member(sessions, places, now, user: str) -> ChatDriver:
    member = ChatDriver(sessions, places, now, user=user, platform="telegram")
    member._incoming = lambda **kw: Incoming(
        platform="telegram", user_id=user, chat_id="-100777", language="de", group=True, **kw
    )
    return member


async def test_members_of_a_group_chat_keep_their_own_dialogue(sessions, places, now):
    await add_offer(sessions, now, title="Adventscafé")
    anna, bernd = _member(sessions, places, now, "11"), _member(sessions, places, now, "22")
    await anna.say("/einstellungen")
    await anna.press("Heimatort ändern")
    await bernd.say("Quedlinburg")  # Bernd's search is not Anna's home place
    assert "Treffen bei Quedlinburg" in bernd.text
    await anna.say("Wernigerode")
    assert "Ihr Heimatort ist jetzt Wernigerode" in anna.text
    async with sessions() as session:
        rows = (
            await session.scalars(
                select(Conversation).where(Conversation.chat == "telegram:-100777")
            )
        ).all()
        assert len(rows) == 2 and all(r.is_group for r in rows)

    await bernd.say("/loeschen")
    await bernd.press("Ja, alles löschen")
    async with sessions() as session:
        rows = (await session.scalars(select(Conversation))).all()
        users = (await session.scalars(select(User))).all()
    assert [u.platform_id for u in users] == ["11"]
    assert [(r.chat, r.user_id) for r in rows] == [("telegram:-100777", users[0].id)]
    await anna.say("/angebote")
    assert "Treffen bei Wernigerode" in anna.text


async def test_settings_that_make_no_sense_are_refused_at_start(tmp_path):
    from .test_terminal_chat import run_chat

    region = run_chat(tmp_path, [], "db", "upgrade", NAHBAR_HOME_REGION="Atlantis")
    assert region.returncode == 2 and "NAHBAR_HOME_REGION" in region.stderr
    level = run_chat(tmp_path, [], "db", "upgrade", NAHBAR_LOG_LEVEL="LOUD")
    assert level.returncode == 2 and "NAHBAR_LOG_LEVEL" in level.stderr
    assert "Traceback" not in region.stderr + level.stderr


def test_database_errors_do_not_log_their_parameters(database_url):
    from models.db import create_engine

    engine = create_engine(database_url)
    assert engine.sync_engine.hide_parameters
