"""The inbox (models.inbox) on SQLite and PostgreSQL: messages and the sync position are stored
together, an event is taken in once, unanswered messages come back in arrival order, answered
ones lose their text, old ones are purged, and /loeschen takes a person's rows with it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from handlers.core import Nahbar
from handlers.messages import Incoming
from handlers.services import Services
from models import inbox
from models.inbox import InboxMessage, Received

from .conftest import NOW

ACCOUNT = "matrix:@nahbar:nahbar.test"
DM = "matrix:!dm:nahbar.test"
ALICE = "@alice:nahbar.test"


def message(
    event_id: str, minutes: int = 0, chat: str = DM, text: str | None = "Wernigerode", **fields
) -> Received:
    return Received(event_id, chat, ALICE, NOW + timedelta(minutes=minutes), text, **fields)


async def rows(sessions) -> list[InboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(InboxMessage).order_by(InboxMessage.id)))


async def test_messages_and_the_position_after_them_are_stored_together(sessions):
    async with sessions() as session:
        assert await inbox.position(session, ACCOUNT) is None
    async with sessions() as session, session.begin():
        new = await inbox.receive(
            session,
            ACCOUNT,
            "s1",
            [
                message("$1", text="Quedlinburg"),
                message("$2", location=(51.8365, 10.7822), text=None, group=True),
            ],
        )
    assert [m.event_id for m in new] == ["$1", "$2"]
    async with sessions() as session:
        assert await inbox.position(session, ACCOUNT) == "s1"
    stored = await rows(sessions)
    assert [
        (r.event_id, r.chat, r.sender, r.text, r.latitude, r.longitude, r.group) for r in stored
    ] == [
        ("$1", DM, ALICE, "Quedlinburg", None, None, False),
        ("$2", DM, ALICE, None, 51.8365, 10.7822, True),
    ]
    assert stored[0].received_at == NOW and stored[0].answered_at is None


async def test_a_batch_that_is_not_committed_moves_nothing(sessions):
    async with sessions() as session, session.begin():
        await inbox.receive(session, ACCOUNT, "s1", [message("$1")])
    try:
        async with sessions() as session, session.begin():
            await inbox.receive(session, ACCOUNT, "s2", [message("$2")])
            raise RuntimeError("the process died here")
    except RuntimeError:
        pass
    async with sessions() as session:
        assert await inbox.position(session, ACCOUNT) == "s1"
    assert [r.event_id for r in await rows(sessions)] == ["$1"]


async def test_an_event_is_taken_in_once(sessions):
    async with sessions() as session, session.begin():
        await inbox.receive(session, ACCOUNT, "s1", [message("$1"), message("$1")])
    async with sessions() as session, session.begin():
        await inbox.mark_answered(session, "$1", NOW)
    async with sessions() as session, session.begin():
        new = await inbox.receive(session, ACCOUNT, "s2", [message("$1"), message("$2", 1)])
    assert [m.event_id for m in new] == ["$2"]
    stored = await rows(sessions)
    assert [(r.event_id, r.answered_at) for r in stored] == [("$1", NOW), ("$2", None)]
    async with sessions() as session:
        assert await inbox.position(session, ACCOUNT) == "s2"
        assert await inbox.position(session, "matrix:@other:nahbar.test") is None


async def test_unanswered_messages_come_back_in_arrival_order(sessions):
    other_room = "matrix:!group:nahbar.test"
    async with sessions() as session, session.begin():
        await inbox.receive(
            session,
            ACCOUNT,
            "s1",
            [
                message("$old", minutes=-25 * 60),
                message("$b", 2),
                message("$a", 1),
                message("$g", 3, chat=other_room, text="Thale", group=True, sender_is_admin=True),
                message("$tg", 4, chat="telegram:4711"),
            ],
        )
    async with sessions() as session, session.begin():
        assert await inbox.mark_answered(session, "$b", NOW + timedelta(minutes=5))
        assert not await inbox.mark_answered(session, "$b", NOW + timedelta(minutes=6))
    async with sessions() as session:
        left = await inbox.unanswered(session, "matrix:", since=NOW - timedelta(hours=24))
    # Arrival order is the order they were stored in, whatever their timestamps say.
    assert [m.event_id for m in left] == ["$a", "$g"]
    assert left[1] == Received(
        "$g",
        other_room,
        ALICE,
        NOW + timedelta(minutes=3),
        "Thale",
        group=True,
        sender_is_admin=True,
    )


@pytest.mark.parametrize(
    "message",
    [
        Incoming(
            platform="matrix",
            user_id=ALICE,
            chat_id="!dm:nahbar.test",
            text="Thale",
            location_sharing="menu",
            buttons=False,
        ),
        Incoming(
            platform="matrix",
            user_id=ALICE,
            chat_id="!g:nahbar.test",
            location=(51.8, 10.7),
            group=True,
            sender_is_admin=True,
            buttons=False,
        ),
        Incoming(
            platform="matrix",
            user_id=ALICE,
            chat_id="!g:nahbar.test",
            text="",
            group=True,
            buttons=False,
        ),
    ],
)
async def test_a_message_comes_out_of_the_inbox_as_it_went_in(sessions, message):
    from bot.matrix.convert import from_inbox, to_inbox

    async with sessions() as session, session.begin():
        await inbox.receive(session, ACCOUNT, "s1", [to_inbox("$1", message, NOW)])
    async with sessions() as session:
        [item] = await inbox.unanswered(session, "matrix:", NOW)
    assert from_inbox(item) == message


async def test_an_answered_message_keeps_only_when_it_came(sessions):
    async with sessions() as session, session.begin():
        await inbox.receive(
            session, ACCOUNT, "s1", [message("$1", text=None, location=(51.8365, 10.7822))]
        )
        await inbox.mark_answered(session, "$1", NOW)
    [row] = await rows(sessions)
    assert (row.text, row.latitude, row.longitude) == (None, None, None)
    assert (row.event_id, row.received_at, row.answered_at) == ("$1", NOW, NOW)


async def test_messages_older_than_a_day_are_purged(sessions):
    async with sessions() as session, session.begin():
        await inbox.receive(
            session,
            ACCOUNT,
            "s1",
            [message("$answered", -26 * 60), message("$too-old", -25 * 60), message("$new", -60)],
        )
        await inbox.mark_answered(session, "$answered", NOW)
    async with sessions() as session, session.begin():
        assert await inbox.purge(session, NOW - inbox.KEEP) == 2
    assert [r.event_id for r in await rows(sessions)] == ["$new"]


async def test_the_nightly_maintenance_purges_the_inbox(sessions):
    from scheduler import run_maintenance

    async with sessions() as session, session.begin():
        await inbox.receive(session, ACCOUNT, "s1", [message("$old", -25 * 60), message("$new")])
    counts = await run_maintenance(sessions, NOW)
    assert counts["inbox_purged"] == 1
    assert [r.event_id for r in await rows(sessions)] == ["$new"]
    async with sessions() as session:
        assert await inbox.position(session, ACCOUNT) == "s1"  # the position is no message


async def test_deleting_my_data_takes_my_messages_out_of_the_inbox(sessions, places):
    core = Nahbar(sessions, Services(places), clock=lambda: NOW)
    group = "matrix:!group:nahbar.test"
    async with sessions() as session, session.begin():
        await inbox.receive(
            session,
            ACCOUNT,
            "s1",
            [
                message("$1"),
                message("$2", 1, text="/loeschen"),
                message("$3", 2, chat=group, group=True),
                Received("$4", DM.replace("dm", "neighbour"), "@bob:nahbar.test", NOW),
            ],
        )

    def said(**what) -> Incoming:
        return Incoming(platform="matrix", user_id=ALICE, chat_id=DM.partition(":")[2], **what)

    await core.handle(said(text="Wernigerode"))
    question = await core.handle(said(text="/loeschen"))
    [yes] = [
        b for r in question for row in r.buttons for b in row if b.label == "Ja, alles löschen"
    ]
    goodbye = await core.handle(said(button=yes.data))
    assert "Alles ist gelöscht" in goodbye[0].text
    # The private chat's rows go; the group's and the neighbour's stay.
    assert [r.event_id for r in await rows(sessions)] == ["$3", "$4"]
    async with sessions() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(InboxMessage).where(InboxMessage.chat == DM)
            )
            == 0
        )


async def test_my_data_counts_my_messages_in_the_inbox(sessions, places):
    core = Nahbar(sessions, Services(places), clock=lambda: NOW)
    chat_id = DM.partition(":")[2]
    async with sessions() as session, session.begin():
        await inbox.receive(
            session,
            ACCOUNT,
            "s1",
            [
                message("$1"),
                message("$2", 1, text="/meinedaten"),
                message("$3", 2, chat="matrix:!group:nahbar.test", group=True),
            ],
        )
        await inbox.mark_answered(session, "$1", NOW)
    [reply] = await core.handle(
        Incoming(platform="matrix", user_id=ALICE, chat_id=chat_id, text="/meinedaten")
    )
    assert (
        "📨 Ihre Nachrichten der letzten 24 Stunden: 2 – mit Text, bis wir geantwortet "
        "haben, danach nur, wann sie kamen"
    ) in reply.text

    [reply] = await core.handle(
        Incoming(platform="terminal", user_id="4711", chat_id="4711", text="/meinedaten")
    )
    assert "📨" not in reply.text  # nothing of theirs waits in the inbox
