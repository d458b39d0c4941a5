"""Several `nahbar run` workers with a Telegram webhook on one database, as real processes
behind the fake Bot API (which posts each update to the workers in turn, as a reverse proxy
would, and again until one answers 200, as Telegram does).

Started at the same moment they migrate one after the other; each answers what it receives;
one leads (plans) and another takes over within 30 s when it is killed; a worker killed at
random moments under load loses no update, and each kill repeats at most one answer.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections import Counter

import pytest
from sqlalchemy import select

from models.db import create_engine, session_factory
from models.leases import LEADER, Lease

from .fake_bot_api import FakeBotApi
from .outbox_fakes import queue, reply_row
from .test_shared_budget import most_in_any_window
from .workers import TOKEN, Worker, fresh_database

HELP = "So geht es"  # the answer to /hilfe
FIRST_CHAT = 500_000


@pytest.fixture
async def api():
    async with FakeBotApi(TOKEN) as fake:
        yield fake


@pytest.fixture
async def database(database_url, tmp_path):
    async with fresh_database(database_url, tmp_path) as url:
        yield url


def answers(api: FakeBotApi) -> Counter:
    """Chat -> how many /hilfe answers it got."""
    return Counter(
        c.chat_id for c in api.calls if c.method == "sendMessage" and not c.error and HELP in c.text
    )


async def leader_row(url: str) -> Lease | None:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return await session.scalar(select(Lease).where(Lease.name == LEADER))
    finally:
        await engine.dispose()


def counter(metrics: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = (
        rf"^{re.escape(name)}\{{{re.escape(wanted)}\}} (\S+)$"
        if labels
        else rf"^{re.escape(name)} (\S+)$"
    )
    found = re.search(pattern, metrics, re.M)
    return float(found.group(1)) if found else 0.0


async def queue_messages(url: str, api: FakeBotApi, count: int) -> set[str]:
    """`count` due outbox messages, each to a chat of its own; returns their texts."""
    from models import utcnow

    engine = create_engine(url)
    try:
        now = utcnow()
        rows = []
        for n in range(count):
            api.add_user(FIRST_CHAT + 10_000 + n)
            rows.append(
                reply_row(
                    f"budget:{n}",
                    f"telegram:{FIRST_CHAT + 10_000 + n}",
                    f"Nachricht {n}",
                    due_at=now,
                )
            )
        await queue(session_factory(engine), *rows, now=now)
    finally:
        await engine.dispose()
    return {f"Nachricht {n}" for n in range(count)}


async def stop_all(workers: list[Worker]) -> None:
    await asyncio.gather(*(w.stop() for w in workers), return_exceptions=True)


async def test_workers_started_at_once_migrate_share_the_work_and_hand_over(
    api, database, tmp_path
):
    # One serves its probes beside the web face, the other (web face off) on a port of their own.
    workers = [
        Worker(
            tmp_path,
            api,
            database,
            web=n == 0,
            TELEGRAM_MESSAGES_PER_SECOND="30",
            NAHBAR_LOG_FORMAT="json",
        )
        for n in range(2)
    ]
    try:
        await asyncio.gather(*(w.start() for w in workers))  # the same moment, a fresh database
        ready = await asyncio.gather(*(w.wait_ready() for w in workers))
        assert {r["database"] for r in ready} == {"ok"} and {r["migrations"] for r in ready} == {
            "current"
        }
        assert sorted(r["role"] for r in ready) == ["leader", "standby"], ready
        assert all("Traceback" not in w.output for w in workers), [w.output for w in workers]
        assert await workers[0].page("/") == 200 and await workers[1].page("/") == 404

        # Each answers what it receives: the "proxy" alternates between them.
        api.deliver_by_webhook([w.webhook_url for w in workers])
        chats = range(FIRST_CHAT, FIRST_CHAT + 20)
        for chat in chats:
            api.push_text(chat, "/hilfe")
        await api.wait_until(lambda: set(answers(api)) >= set(chats), 30, "every answer")
        handled = [
            counter(
                await w.metrics(), "nahbar_updates_total", platform="telegram", outcome="answered"
            )
            for w in workers
        ]
        assert sum(handled) == 20 and min(handled) > 0, handled

        # Only the leader plans; the standby skips its planner runs.
        leader = next(w for w, r in zip(workers, ready, strict=True) if r["role"] == "leader")
        standby = next(w for w in workers if w is not leader)
        assert (
            counter(
                await leader.metrics(), "nahbar_planner_runs_total", job="reminders", outcome="ok"
            )
            >= 1
        )
        standby_metrics = await standby.metrics()
        assert (
            counter(standby_metrics, "nahbar_planner_runs_total", job="reminders", outcome="ok")
            == 0
        )
        assert counter(standby_metrics, "nahbar_leader") == 0

        # Both dispatch the outbox, and together keep to the bot's 30 messages a second.
        texts = await queue_messages(database, api, 150)
        mark = api.mark()
        await api.wait_until(lambda: texts <= {c.text for c in api.calls[mark:]}, 60, "the outbox")
        moments = sorted(
            c.at for c in api.calls[mark:] if c.method == "sendMessage" and not c.error
        )
        # 150 messages at 30 a second take at least 149/30 s, whichever worker sends them; a
        # second's window may hold a few more when a busy machine wakes two senders late.
        assert moments[-1] - moments[0] >= 149 / 30 * 0.98, moments[-1] - moments[0]
        assert most_in_any_window(moments, 1.0) <= 36, most_in_any_window(moments, 1.0)
        sent = [
            counter(await w.metrics(), "nahbar_sends_total", platform="telegram", outcome="sent")
            for w in workers
        ]
        assert sum(sent) == 150 and min(sent) > 0, sent

        # The leader dies without a word: the standby takes over within 30 s, and plans.
        before = (await leader_row(database)).holder
        await leader.kill()
        killed_at = time.monotonic()
        for _ in range(400):
            row = await leader_row(database)
            if row is not None and row.holder != before:
                break
            await asyncio.sleep(0.1)
        took = time.monotonic() - killed_at
        assert row.holder != before and took <= 30, f"no takeover after {took:.1f} s"
        ready = await standby.readyz()
        assert ready["role"] == "leader"
        for _ in range(100):
            if counter(
                await standby.metrics(), "nahbar_planner_runs_total", job="reminders", outcome="ok"
            ):
                break
            await asyncio.sleep(0.1)
        assert (
            counter(
                await standby.metrics(), "nahbar_planner_runs_total", job="reminders", outcome="ok"
            )
            >= 1
        )
        assert await standby.stop() == 0, standby.output
    finally:
        await stop_all(workers)
    # The logs: one JSON object per line, and nothing about the residents in them.
    for worker in workers:
        records = [json.loads(line) for line in worker.output.splitlines() if line.strip()]
        assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
        for personal in ("Erika", "Muster", str(FIRST_CHAT), str(FIRST_CHAT + 10_000), "/hilfe"):
            assert personal not in worker.output, personal


async def test_a_worker_killed_under_load_loses_no_update_and_repeats_at_most_one_per_kill(
    api, postgres_url, tmp_path
):
    """On PostgreSQL, the production store (the same code serves SQLite, tested above)."""
    async with fresh_database(postgres_url, tmp_path) as database:
        await _kill_under_load(api, database, tmp_path)


async def _kill_under_load(api, database, tmp_path) -> None:
    api.send_delay = 0.003  # sends take a moment, so kills land in the middle of answers
    workers = [Worker(tmp_path, api, database) for _ in range(2)]
    residents = range(FIRST_CHAT, FIRST_CHAT + 240)
    rng = random.Random(18)
    kills = 0
    try:
        for w in workers:
            await w.start()
            await w.wait_ready()
        api.deliver_by_webhook([w.webhook_url for w in workers], connections=6)
        for round_ in range(3):
            # Each round's residents write, and a worker is killed while it answers them (how
            # fast the workers are does not matter: the load is new in every round).
            for chat in residents[round_ * 80 : (round_ + 1) * 80]:
                api.push_text(chat, "/hilfe")
            victim = workers[round_ % 2]
            wanted = round_ * 80 + rng.randint(10, 40)
            await api.wait_until(
                lambda wanted=wanted: len(answers(api)) >= wanted, 60, "answers before the kill"
            )
            await asyncio.sleep(rng.uniform(0, 0.05))
            await victim.kill()
            kills += 1
            replacement = Worker(tmp_path, api, database)
            replacement.port, replacement.ops_port = (
                victim.port,
                victim.ops_port,
            )  # same place behind the proxy
            replacement.env.update(
                TELEGRAM_WEBHOOK_PORT=str(victim.port),
                NAHBAR_OPS_LISTEN=f"127.0.0.1:{victim.ops_port}",
            )
            await replacement.start()
            workers[round_ % 2] = replacement
            await replacement.wait_ready()
        await api.wait_until(lambda: set(answers(api)) >= set(residents), 120, "every answer")
        await asyncio.sleep(1.0)  # a late repeat would arrive now
    finally:
        await stop_all(workers)
    got = answers(api)
    repeats = sum(n - 1 for n in got.values())
    assert set(got) == set(residents)
    assert repeats <= kills, f"{repeats} repeated answers after {kills} kills"
    assert api.acknowledged >= set(api.webhook_attempts)  # every update acknowledged
