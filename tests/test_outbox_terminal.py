"""In the terminal chat, outbox messages for the person at the terminal appear when due."""

from __future__ import annotations

import asyncio
import io
import queue as threads
from datetime import timedelta

from sqlalchemy import select

from bot.settings import Settings
from bot.terminal import TerminalChat, TerminalMessenger, _login_name, run_terminal
from models import OutboxStatus, utcnow
from models.db import create_engine, session_factory
from models.outbox import OutboxMessage

from .outbox_fakes import Clock, outbox_dispatcher, queue, reply_row


async def test_due_messages_appear_in_the_chat_and_others_wait(sessions, places, now):
    from handlers.core import Nahbar
    from handlers.services import Services

    out = io.StringIO()
    chat = TerminalChat(Nahbar(sessions, Services(places)), out, user="erika", language="de")
    clock = Clock(now)
    await queue(
        sessions,
        reply_row("mine", "terminal:erika", "🔔 <b>Morgen</b>: Adventscafé", due_at=now),
        reply_row("later", "terminal:erika", "Übermorgen", due_at=now + timedelta(days=1)),
        reply_row("theirs", "terminal:paul", "Für Paul", due_at=now),
        now=now,
    )
    await outbox_dispatcher(sessions, [TerminalMessenger(chat)], clock=clock).drain()
    assert "🔔 Morgen: Adventscafé" in out.getvalue()
    assert "Übermorgen" not in out.getvalue() and "Für Paul" not in out.getvalue()
    async with sessions() as session:
        paul = await session.scalar(select(OutboxMessage).where(OutboxMessage.key == "theirs"))
    assert paul.status is OutboxStatus.QUEUED and paul.attempts == 0  # Paul's terminal shows it


class TypedLines:
    """stdin for run_terminal: lines typed later, by the test."""

    def __init__(self) -> None:
        self.lines: threads.Queue[str] = threads.Queue()

    def readline(self) -> str:
        return self.lines.get(timeout=60)


async def test_the_terminal_chat_runs_the_dispatcher(tmp_path, monkeypatch):
    url = f"sqlite+aiosqlite:///{tmp_path / 'chat.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("NAHBAR_DEMO_DATA", "false")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("NAHBAR_OUTBOX_EVERY_SECONDS", "0.5")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    out, stdin = io.StringIO(), TypedLines()
    session = asyncio.create_task(run_terminal(Settings(_env_file=None), stdin, out))
    try:
        for _ in range(300):  # the welcome means the store is migrated and the chat is open
            if "willkommen" in out.getvalue():
                break
            await asyncio.sleep(0.1)
        engine = create_engine(url)
        try:
            await queue(
                session_factory(engine),
                reply_row(
                    "r", f"terminal:{_login_name()}", "🔔 Erinnerung: Spaziergang", due_at=utcnow()
                ),
                now=utcnow(),
            )
        finally:
            await engine.dispose()
        for _ in range(300):
            if "🔔 Erinnerung: Spaziergang" in out.getvalue():
                break
            await asyncio.sleep(0.1)
        assert "🔔 Erinnerung: Spaziergang" in out.getvalue(), out.getvalue()
    finally:
        stdin.lines.put("/ende\n")
        assert await asyncio.wait_for(session, 30) == 0
