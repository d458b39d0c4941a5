"""The terminal chat loads the reader's dictionaries while the person types their first words
(after the first prompt), not when they have sent them; a pipe gets no such head start."""

from __future__ import annotations

import asyncio
import io
import threading

import pytest

from bot.settings import Settings
from bot.terminal import run_terminal
from handlers import understanding

from .test_outbox_terminal import TypedLines


class Keyboard(TypedLines):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty", [True, False], ids=["at a terminal", "from a pipe"])
async def test_the_reader_is_loaded_after_the_first_prompt_at_a_terminal(
    tty, tmp_path, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'chat.sqlite3'}")
    monkeypatch.setenv("NAHBAR_DEMO_DATA", "false")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    loaded = threading.Event()
    monkeypatch.setattr(understanding, "warm_up", loaded.set)
    out, stdin = io.StringIO(), Keyboard(tty)
    chat = asyncio.create_task(run_terminal(Settings(_env_file=None), stdin, out))
    try:
        for _ in range(300):  # the welcome and the first prompt
            if out.getvalue().rstrip().endswith(">"):
                break
            await asyncio.sleep(0.1)
        assert "willkommen" in out.getvalue()
        assert await asyncio.to_thread(loaded.wait, 10 if tty else 1) is tty
    finally:
        stdin.lines.put("/ende\n")
        assert await asyncio.wait_for(chat, 30) == 0
