"""Loading the sender and their dialogue state for a turn (models.conversations.load_turn): the
person and their conversation as stored, in the session (changes are written with the turn),
created on first contact, followed into a new private chat, a paused chat resumed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import Conversation, PausedChat, User
from models.conversations import _TURN, load_turn

CHAT = "telegram:4711"


async def turn(session, now, chat=CHAT, group=False):
    return await load_turn(
        session,
        platform="telegram",
        platform_id="4711",
        chat=chat,
        group=group,
        language="de",
        radius_km=10,
        now=now,
    )


async def test_a_returning_person_is_loaded_as_stored_and_changes_are_written(sessions, now):
    async with sessions() as session, session.begin():
        first = await turn(session, now)
        first.user.home_place_name = "Thale"
        first.user.home_lat, first.user.home_lon = 51.75, 11.04
        first.user.consent_precise_location = True
        first.convo.state = "asking"
        first.convo.data = {"choices": {"1": "o:7"}, "page": 2}
    async with sessions() as session:
        orm_user, orm_convo, paused = (
            await session.execute(
                _TURN, {"chat": CHAT, "platform": "telegram", "platform_id": "4711"}
            )
        ).one()
        expected = (
            {c.key: getattr(orm_user, c.key) for c in User.__mapper__.column_attrs},
            {c.key: getattr(orm_convo, c.key) for c in Conversation.__mapper__.column_attrs},
        )
    assert paused is None
    async with sessions() as session, session.begin():
        loaded = await turn(session, now + timedelta(minutes=5))
        got = (
            {c.key: getattr(loaded.user, c.key) for c in User.__mapper__.column_attrs},
            {c.key: getattr(loaded.convo, c.key) for c in Conversation.__mapper__.column_attrs},
        )
        assert got == expected
        # Same types, not only equal values (a bool stays a bool, times stay aware).
        for loaded_values, orm_values in zip(got, expected, strict=True):
            assert {k: type(v) for k, v in loaded_values.items()} == {
                k: type(v) for k, v in orm_values.items()
            }
        assert loaded.user.last_seen_at.tzinfo is not None
        assert loaded.new_private_chat is False
        # In the session as if a query had loaded them: found again without a query, unchanged.
        assert await session.get(User, loaded.user.id) is loaded.user
        assert await session.get(Conversation, (CHAT, loaded.user.id)) is loaded.convo
        assert not session.dirty and not session.new
        loaded.user.language = "en"  # and a change is written with the turn
    async with sessions() as session:
        assert await session.scalar(select(User.language)) == "en"
        assert (await session.scalars(select(User))).all()[0].home_place_name == "Thale"


async def test_a_person_is_created_once_and_followed_into_a_new_private_chat(sessions, now):
    async with sessions() as session, session.begin():
        assert (await turn(session, now)).new_private_chat is False  # first contact
    async with sessions() as session, session.begin():
        again = await turn(session, now, chat="telegram:room-2")
        assert again.new_private_chat is True  # someone we know, in another private chat
        assert again.convo.state == "idle"
    async with sessions() as session, session.begin():
        assert (
            await turn(session, now, chat="telegram:-100", group=True)
        ).new_private_chat is False
    async with sessions() as session:
        assert len((await session.scalars(select(User))).all()) == 1
        chats = set(await session.scalars(select(Conversation.chat)))
    assert chats == {CHAT, "telegram:room-2", "telegram:-100"}


async def test_a_paused_chat_resumes_when_its_person_writes(sessions, now):
    async with sessions() as session, session.begin():
        await turn(session, now)
        session.add(PausedChat(chat=CHAT, paused_at=now, reason="blocked"))
    async with sessions() as session, session.begin():
        await turn(session, now + timedelta(days=1))
    async with sessions() as session:
        assert (await session.scalars(select(PausedChat))).all() == []
