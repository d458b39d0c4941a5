"""Dispatchers as real processes (`nahbar outbox dispatch`) against the test database and the
fake Bot API: two side by side send every message exactly once; one killed with SIGKILL again
and again still delivers everything, repeating at most one message per crash."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from models import OutboxMessage, OutboxStatus, utcnow

from .fake_bot_api import FakeBotApi
from .outbox_fakes import queue, reply_row

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token"
FIRST_CHAT = 100_000
START_TIMEOUT = 30


class DispatcherProcess:
    def __init__(self, workdir: Path, api: FakeBotApi, database_url: str, *args: str) -> None:
        self.workdir, self.args = workdir, args
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "NAHBAR_", "DATABASE_"))
            and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
        }
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=api.base_url,
            TELEGRAM_API_BASE_FILE_URL=api.base_file_url,
            DATABASE_URL=database_url,
            TELEGRAM_MESSAGES_PER_SECOND="1000",
            NAHBAR_LOG_LEVEL="INFO",
            NO_PROXY="127.0.0.1,localhost",
            PYTHONUNBUFFERED="1",
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        )
        self.env = env
        self.proc: asyncio.subprocess.Process | None = None
        self.log = workdir / f"dispatcher-{id(self)}.log"

    async def start(self) -> None:
        self._err = open(self.log, "wb")  # noqa: SIM115 - the child's log, closed in stop()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "outbox",
            "dispatch",
            *self.args,
            cwd=self.workdir,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._err,
            stderr=self._err,
        )

    async def wait_ready(self) -> None:
        for _ in range(START_TIMEOUT * 10):
            if "sending on telegram" in self.output:
                return
            assert self.proc.returncode is None, f"dispatcher exited\n{self.output}"
            await asyncio.sleep(0.1)
        raise AssertionError(f"dispatcher not ready within {START_TIMEOUT} s\n{self.output}")

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        code = await asyncio.wait_for(self.proc.wait(), 15)
        self._err.close()
        return code

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")


def delivered(api: FakeBotApi) -> Counter:
    return Counter(c.text for c in api.calls if c.method == "sendMessage" and not c.error)


async def fill(sessions, api: FakeBotApi, count: int) -> set[str]:
    now = utcnow()
    texts = set()
    rows = []
    for n in range(count):
        api.add_user(FIRST_CHAT + n)
        texts.add(f"Nachricht {n}")
        rows.append(
            reply_row(
                f"m{n}",
                f"telegram:{FIRST_CHAT + n}",
                f"Nachricht {n}",
                due_at=now - timedelta(seconds=1),
            )
        )
    assert await queue(sessions, *rows, now=now) == count
    return texts


async def statuses(sessions) -> Counter:
    async with sessions() as session:
        return Counter((await session.scalars(select(OutboxMessage.status))).all())


@pytest.fixture
async def api():
    async with FakeBotApi(TOKEN) as fake:
        yield fake


async def test_two_dispatchers_send_each_message_exactly_once(
    sessions, database_url, api, tmp_path
):
    """PostgreSQL: claims skip each other's locked rows; SQLite: one writer claims at a time."""
    api.send_delay = 0.01  # so both are busy at the same time
    pair = [
        DispatcherProcess(tmp_path, api, database_url, "--every", "0.2", "--batch", "10")
        for _ in range(2)
    ]
    try:
        for p in pair:
            await p.start()
        for p in pair:
            await p.wait_ready()
        texts = await fill(sessions, api, 400)
        await api.wait_until(lambda: set(delivered(api)) >= texts, 60, "all messages")
        await asyncio.sleep(0.5)  # anything sent twice would arrive now
        for p in pair:
            assert await p.stop() == 0, p.output
    finally:
        for p in pair:
            if p.proc and p.proc.returncode is None:
                await p.stop(signal.SIGKILL)
    counts = delivered(api)
    assert set(counts) == texts and set(counts.values()) == {1}, (
        f"sent twice: {[t for t, c in counts.items() if c > 1]}"
    )
    assert await statuses(sessions) == {OutboxStatus.SENT: 400}
    shares = [int(p.output.split("DispatchStats(sent=")[1].split(",")[0]) for p in pair]
    assert sum(shares) == 400 and min(shares) > 0, shares  # both did their part


@pytest.mark.parametrize("parallel", [1, 4])
async def test_sigkill_while_sending_loses_nothing_and_repeats_at_most_one_per_lane_and_crash(
    sessions, database_url, api, tmp_path, parallel
):
    """One chat's message in flight per lane: a crash repeats at most `parallel` messages."""
    api.send_delay = 0.005
    texts = await fill(sessions, api, 300)
    rng = random.Random(9)
    crashes = 0
    for _ in range(10):
        process = DispatcherProcess(
            tmp_path,
            api,
            database_url,
            "--every",
            "0.2",
            "--lease",
            "1",
            "--batch",
            "20",
            "--parallel",
            str(parallel),
        )
        await process.start()
        before = sum(delivered(api).values())
        wanted = before + rng.randint(1, 20)  # a random moment in the middle of sending
        await api.wait_until(
            lambda wanted=wanted: sum(delivered(api).values()) >= wanted,
            START_TIMEOUT,
            "sends before the kill",
        )
        await asyncio.sleep(rng.uniform(0, 0.02))
        await process.stop(signal.SIGKILL)
        crashes += 1
    assert set(delivered(api)) < texts, "the crashes should have come before the end"
    final = DispatcherProcess(tmp_path, api, database_url, "--every", "0.2", "--lease", "1")
    await final.start()
    try:
        await api.wait_until(lambda: set(delivered(api)) >= texts, 60, "all messages")
        await asyncio.sleep(1.5)  # a lease left over from the last crash runs out meanwhile
        assert await final.stop() == 0, final.output
    finally:
        if final.proc.returncode is None:
            await final.stop(signal.SIGKILL)
    counts = delivered(api)
    twice = sum(c - 1 for c in counts.values())
    assert set(counts) == texts
    assert twice <= crashes * parallel, f"{twice} repeats after {crashes} crashes"
    assert await statuses(sessions) == {OutboxStatus.SENT: 300}
