"""The outbox and its dispatcher on SQLite and PostgreSQL: what is sent when, what is retried,
parked or dropped, and what moderators and operators see."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.messages import Reply
from models import OutboxMessage, OutboxStatus, PausedChat
from models.outbox import (
    Outgoing,
    claim,
    counts,
    enqueue,
    not_paused,
    parked,
    paused_among,
    release_parked,
)
from scheduler import Dispatcher, Drop, RateLimiter, build_scheduler
from scheduler.compose import Composers, compose_reply
from scheduler.delivery import Rejected, RetryAfter, TransientError, Unreachable
from scheduler.jobs import dispatch

from .outbox_fakes import Clock, FakeMessenger, outbox_dispatcher, queue, reply_row


async def rows(sessions) -> dict[str, OutboxMessage]:
    async with sessions() as session:
        return {r.key: r for r in await session.scalars(select(OutboxMessage))}


@pytest.fixture
def clock(now):
    return Clock(now)


def dispatcher(sessions, clock, *messengers, **options) -> Dispatcher:
    return outbox_dispatcher(sessions, messengers or [FakeMessenger()], clock=clock, **options)


async def test_due_messages_go_out_once_and_future_ones_wait(sessions, clock):
    now = clock.now
    assert (
        await queue(
            sessions,
            reply_row("a", "telegram:1", "Hallo", "Zweite Nachricht", due_at=now),
            reply_row("b", "telegram:2", "Später", due_at=now + timedelta(hours=1)),
            now=now,
        )
        == 2
    )
    # The same key again adds nothing: planners may run as often as they like.
    assert await queue(sessions, reply_row("a", "telegram:1", "Doppelt", due_at=now), now=now) == 0
    messenger = FakeMessenger()
    d = dispatcher(sessions, clock, messenger)
    assert await d.drain() == 1
    assert messenger.delivered == [("1", "Hallo"), ("1", "Zweite Nachricht")]
    assert await d.drain() == 0  # sent is sent
    found = await rows(sessions)
    assert found["a"].status is OutboxStatus.SENT and found["a"].sent_at == now
    assert found["b"].status is OutboxStatus.QUEUED
    clock.advance(hours=1)
    await d.drain()
    assert messenger.texts("2") == ["Später"]
    assert (await rows(sessions))["b"].status is OutboxStatus.SENT


async def test_after_downtime_reminders_for_events_already_begun_are_dropped(sessions, clock):
    start = clock.now + timedelta(hours=2)  # the gathering
    await queue(
        sessions,
        reply_row(
            "early",
            "telegram:1",
            "Morgen: Adventscafé",
            due_at=clock.now - timedelta(days=1),
            too_late_at=start,
        ),
        reply_row(
            "late",
            "telegram:2",
            "Gleich: Spaziergang",
            due_at=clock.now - timedelta(hours=4),
            too_late_at=clock.now - timedelta(hours=3),
        ),
        now=clock.now,
    )
    messenger = FakeMessenger()
    await dispatcher(sessions, clock, messenger).drain()
    assert messenger.delivered == [("1", "Morgen: Adventscafé")]  # late, but before the start
    late = (await rows(sessions))["late"]
    assert late.status is OutboxStatus.DROPPED and late.reason == "too late"


async def test_retry_after_waits_as_asked_without_counting_an_attempt(sessions, clock):
    await queue(sessions, reply_row("a", "telegram:1", "Hallo", due_at=clock.now), now=clock.now)
    limiter = RateLimiter()
    messenger = FakeMessenger(failures=[RetryAfter(7)])
    d = dispatcher(sessions, clock, messenger, limiters={"telegram": limiter})
    await d.drain()
    row = (await rows(sessions))["a"]
    assert row.status is OutboxStatus.QUEUED and row.attempts == 0
    assert row.due_at == clock.now + timedelta(seconds=7)
    assert limiter.chat_wait("99") > 6  # the whole platform waits, not just this chat
    assert messenger.delivered == []


async def test_network_errors_back_off_then_park_and_retry_releases(sessions, clock):
    await queue(sessions, reply_row("a", "telegram:1", "Hallo", due_at=clock.now), now=clock.now)
    messenger = FakeMessenger(failures=[TransientError("timed out")] * 3)
    d = dispatcher(sessions, clock, messenger, max_attempts=3, backoff=timedelta(seconds=10))
    due = []
    for _ in range(3):
        await d.drain()
        row = (await rows(sessions))["a"]
        due.append(row.due_at - clock.now)
        clock.now = row.due_at
    assert due[:2] == [timedelta(seconds=10), timedelta(seconds=20)]  # exponential back-off
    assert row.status is OutboxStatus.PARKED and row.attempts == 3
    assert row.reason == "TransientError: timed out"
    async with sessions() as session:
        shown = await parked(session)
        assert [(p.key, p.reason) for p in shown] == [("a", "TransientError: timed out")]
        assert (await counts(session, clock.now))["parked"] == 1
    async with sessions() as session, session.begin():
        assert await release_parked(session, clock.now) == 1
    await d.drain()
    assert messenger.delivered == [("1", "Hallo")]
    assert (await rows(sessions))["a"].status is OutboxStatus.SENT


async def test_a_blocked_bot_pauses_the_chat_without_retrying(sessions, clock, chat):
    chat.platform = "telegram"  # the ChatDriver's user is telegram:4711
    await chat.say("/start")
    now = clock.now
    await queue(
        sessions,
        reply_row("a", "telegram:4711", "Erinnerung", due_at=now),
        reply_row("b", "telegram:4711", "Noch eine", due_at=now + timedelta(days=1)),
        reply_row("c", "telegram:5", "Andere Person", due_at=now),
        now=now,
    )
    messenger = FakeMessenger(failures=[Unreachable("Forbidden: bot was blocked by the user")])
    await dispatcher(sessions, clock, messenger).drain()
    assert messenger.calls == 2 and messenger.texts() == ["Andere Person"]
    found = await rows(sessions)
    assert found["a"].status is OutboxStatus.DROPPED and found["b"].status is OutboxStatus.DROPPED
    async with sessions() as session, session.begin():
        assert await paused_among(session, ["telegram:4711"]) == {"telegram:4711"}
        # Planners skip paused chats, and enqueue refuses them.
        assert (
            await enqueue(session, Outgoing("d", "telegram:4711", "reply", [], now), now=now) == 0
        )
        chats = set(
            await session.scalars(select(OutboxMessage.chat).where(not_paused(OutboxMessage.chat)))
        )
        assert chats == {"telegram:5"}
    await chat.say("Hallo")  # they unblocked the bot and write again
    async with sessions() as session:
        assert not await paused_among(session, ["telegram:4711"])


async def test_rejected_content_is_parked_at_once(sessions, clock):
    await queue(
        sessions, reply_row("a", "telegram:1", "<b>kaputt", due_at=clock.now), now=clock.now
    )
    messenger = FakeMessenger(failures=[Rejected("Bad Request: can't parse entities")])
    await dispatcher(sessions, clock, messenger).drain()
    row = (await rows(sessions))["a"]
    assert row.status is OutboxStatus.PARKED and row.attempts == 1
    assert row.reason == "Rejected: Bad Request: can't parse entities"


async def test_composers_decide_at_send_time(sessions, clock):
    registry = Composers()
    registry.register("reply", compose_reply)
    offers = {"1": "Adventscafé, 15:00", "2": None}  # the state of the world at send time

    @registry.composer("remind")
    async def remind(session, row, now):
        text = offers[row.payload["offer"]]
        if text is None:
            raise Drop("offer cancelled")
        return [Reply(f"Erinnerung: {text}")]

    @registry.composer("empty")
    async def nothing(session, row, now):
        return None

    now = clock.now
    await queue(
        sessions,
        *(
            Outgoing(key, "telegram:1", kind, payload, now)
            for key, kind, payload in [
                ("r1", "remind", {"offer": "1"}),
                ("r2", "remind", {"offer": "2"}),
                ("e", "empty", {}),
                ("x", "unknown", {}),
            ]
        ),
        now=now,
    )
    offers["1"] = "Adventscafé, 16:00 (verschoben)"  # changed after the row was queued
    messenger = FakeMessenger()
    await dispatcher(sessions, clock, messenger, composers=registry).drain()
    assert messenger.texts() == ["Erinnerung: Adventscafé, 16:00 (verschoben)"]
    found = await rows(sessions)
    assert (found["r2"].status, found["r2"].reason) == (OutboxStatus.DROPPED, "offer cancelled")
    assert (found["e"].status, found["e"].reason) == (OutboxStatus.DROPPED, "nothing to send")
    assert (found["x"].status, found["x"].reason) == (
        OutboxStatus.PARKED,
        "no composer for kind 'unknown'",
    )


async def test_a_crashed_claim_becomes_claimable_when_its_lease_runs_out(sessions, clock):
    await queue(sessions, reply_row("a", "telegram:1", "Hallo", due_at=clock.now), now=clock.now)
    async with sessions() as session, session.begin():
        first = await claim(session, now=clock.now, lease=timedelta(seconds=30), limit=10)
    assert [r.key for r in first] == ["a"]  # ... and then that dispatcher died
    async with sessions() as session, session.begin():
        assert (
            await claim(
                session,
                now=clock.now + timedelta(seconds=29),
                lease=timedelta(seconds=30),
                limit=10,
            )
            == []
        )
    clock.advance(seconds=31)
    messenger = FakeMessenger()
    await dispatcher(sessions, clock, messenger).drain()
    assert messenger.texts() == ["Hallo"]
    assert (await rows(sessions))["a"].attempts == 2


async def test_concurrent_claims_never_share_a_row(sessions, clock):
    await queue(
        sessions,
        *(reply_row(f"m{i}", f"telegram:{i}", "x", due_at=clock.now) for i in range(50)),
        now=clock.now,
    )
    claimed = []

    async def claim_some(limit):
        async with sessions() as session, session.begin():
            claimed.extend(
                await claim(session, now=clock.now, lease=timedelta(minutes=1), limit=limit)
            )

    async with sessions() as one:
        if one.get_bind().dialect.name == "sqlite":  # one writer at a time: they take turns
            await asyncio.gather(claim_some(20), claim_some(40))
        else:
            async with one.begin():
                claimed += await claim(one, now=clock.now, lease=timedelta(minutes=1), limit=20)
                await claim_some(40)  # while the first transaction still holds its rows
    keys = [r.key for r in claimed]
    assert len(keys) == len(set(keys)) == 50


async def test_messages_for_a_platform_without_messenger_stay_queued(sessions, clock):
    await queue(
        sessions,
        reply_row("t", "telegram:1", "T", due_at=clock.now),
        reply_row("m", "matrix:!room:example.org", "M", due_at=clock.now),
        now=clock.now,
    )
    messenger = FakeMessenger()
    await dispatcher(sessions, clock, messenger).drain()
    found = await rows(sessions)
    assert found["t"].status is OutboxStatus.SENT
    assert found["m"].status is OutboxStatus.QUEUED and found["m"].attempts == 0
    matrix = FakeMessenger(platform="matrix")
    await dispatcher(sessions, clock, matrix).drain()
    assert matrix.delivered == [("!room:example.org", "M")]


async def test_queued_replies_resume_after_the_ones_already_delivered(sessions, clock):
    await queue(
        sessions,
        reply_row("r", "telegram:1", "eins", "zwei", "drei", due_at=clock.now),
        now=clock.now,
    )

    def after_one(messenger, chat_id, replies):
        messenger.delivered.append((chat_id, replies[0].text))
        error = TransientError("connection reset")
        error.delivered = 1
        return error

    messenger = FakeMessenger(failures=[after_one])
    d = dispatcher(sessions, clock, messenger)
    await d.drain()
    clock.advance(minutes=1)
    await d.drain()
    assert messenger.texts() == ["eins", "zwei", "drei"]  # nothing twice


async def test_a_busy_chat_lets_other_chats_go_first(sessions, clock):
    now = clock.now
    await queue(
        sessions,
        *(reply_row(f"a{i}", "telegram:1", f"A{i}", due_at=now) for i in range(5)),
        reply_row("b", "telegram:2", "B", due_at=now),
        now=now,
    )
    limiter = RateLimiter(overall_per_second=1000, chat_per_second=1, chat_burst=2)
    messenger = FakeMessenger()
    # One lane, so the order is the dispatcher's alone (several lanes take chats side by side).
    d = dispatcher(sessions, clock, messenger, limiters={"telegram": limiter}, parallel=1)
    await d.drain()
    assert messenger.texts() == ["A0", "A1", "B"]  # chat 1's burst, then chat 2 without waiting
    found = await rows(sessions)
    waiting = [found[f"a{i}"] for i in range(2, 5)]
    assert all(
        r.status is OutboxStatus.QUEUED and r.attempts == 0 and r.due_at > now for r in waiting
    )


async def test_erasure_removes_queued_messages_and_the_pause(sessions, clock, chat):
    await chat.say("/start")
    now = clock.now
    await queue(
        sessions,
        reply_row("mine", "terminal:4711", "Erinnerung", due_at=now + timedelta(days=1)),
        reply_row("other", "terminal:9", "Andere", due_at=now),
        now=now,
    )
    async with sessions() as session, session.begin():
        session.add(PausedChat(chat="terminal:4711", paused_at=now, reason="test"))
    await chat.say("/loeschen")
    await chat.press("Ja, alles löschen")
    assert "gelöscht" in chat.text
    assert set(await rows(sessions)) == {"other"}
    async with sessions() as session:
        assert (await session.scalars(select(PausedChat))).all() == []


async def test_the_scheduler_runs_one_dispatcher_pass_at_a_time(sessions, clock):
    scheduler = build_scheduler(sessions, dispatcher=dispatcher(sessions, clock))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"maintenance", "dispatcher", "reminders", "notices", "digests"}
    # A second run may start while a backlog is sent, and returns at once (next test).
    assert jobs["dispatcher"].max_instances == 2 and jobs["dispatcher"].coalesce
    assert jobs["dispatcher"].trigger.interval == timedelta(seconds=2)


async def test_a_backlog_is_sent_in_passes_without_a_pause_and_one_pass_at_a_time(sessions, clock):
    now = clock.now
    await queue(
        sessions,
        *(reply_row(f"k{i}", f"telegram:{i}", "Hallo", due_at=now) for i in range(25)),
        now=now,
    )
    messenger = SlowMessenger()
    d = dispatcher(sessions, clock, messenger, batch=5, parallel=1)
    first = asyncio.create_task(dispatch(d, budget=0.02))
    await asyncio.sleep(0.005)
    await dispatch(d, budget=0.02)  # triggered while the first pass runs: leaves it to that one
    assert d.draining and len(messenger.delivered) < 25
    await first
    # Many passes of 0.02 s, one after the other: everything went out in one job run.
    assert len(messenger.delivered) == 25 and messenger.most_at_once == 1
    assert not d.draining


class SlowMessenger(FakeMessenger):
    """Each delivery waits for the platform's answer; records how many were in flight at once
    and whether one chat ever had two."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight: set[str] = set()
        self.most_at_once = 0
        self.chat_twice = False

    async def deliver(self, chat_id, replies) -> None:
        self.chat_twice |= chat_id in self.in_flight
        self.in_flight.add(chat_id)
        self.most_at_once = max(self.most_at_once, len(self.in_flight))
        try:
            await asyncio.sleep(0.01)
            await super().deliver(chat_id, replies)
        finally:
            self.in_flight.discard(chat_id)


async def test_several_chats_are_sent_to_at_once_each_chat_in_its_order(sessions, clock):
    now = clock.now
    for chat in range(12):
        for n in range(3):
            await queue(
                sessions,
                reply_row(f"{chat}-{n}", f"telegram:{chat}", f"Nachricht {n}", due_at=now),
                now=now,
            )
    messenger = SlowMessenger()
    assert await dispatcher(sessions, clock, messenger, parallel=4).drain() == 36
    assert messenger.most_at_once == 4  # four lanes waited for the platform together
    assert not messenger.chat_twice  # never two messages to one chat at the same time
    for chat in range(12):
        assert messenger.texts(str(chat)) == ["Nachricht 0", "Nachricht 1", "Nachricht 2"]
    assert {r.status for r in (await rows(sessions)).values()} == {OutboxStatus.SENT}


async def test_one_lane_sends_one_message_at_a_time(sessions, clock):
    now = clock.now
    for chat in range(5):
        await queue(
            sessions, reply_row(f"k{chat}", f"telegram:{chat}", "Hallo", due_at=now), now=now
        )
    messenger = SlowMessenger()
    assert await dispatcher(sessions, clock, messenger, parallel=1).drain() == 5
    assert messenger.most_at_once == 1 and len(messenger.delivered) == 5
