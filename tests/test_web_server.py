"""The web face as one more door of the same process: the terminal chat serves it and prints
its address; a second process that finds the address taken says so once and goes on."""

from __future__ import annotations

import asyncio
import io
import socket

import aiohttp

from bot.settings import Settings
from bot.terminal import run_terminal

from .test_outbox_terminal import TypedLines


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _chat_until(out: io.StringIO, word: str) -> None:
    for _ in range(300):
        if word in out.getvalue():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(out.getvalue())


async def test_the_terminal_chat_serves_the_web_face_and_a_second_one_goes_on_without(
    tmp_path, monkeypatch
):
    port = _free_port()
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'chat.sqlite3'}")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    monkeypatch.setenv("NAHBAR_WEB_LISTEN", f"127.0.0.1:{port}")
    first_out, first_in = io.StringIO(), TypedLines()
    first = asyncio.create_task(
        run_terminal(Settings(_env_file=None), first_in, first_out, user="anna")
    )
    second = None
    try:
        await _chat_until(first_out, "willkommen")
        assert f"Die Webseiten: http://127.0.0.1:{port}" in first_out.getvalue()
        async with (
            aiohttp.ClientSession() as client,
            client.get(f"http://127.0.0.1:{port}/ort/Wernigerode") as page,
        ):
            assert page.status == 200 and "Treffen bei Wernigerode" in await page.text()
            assert "(Beispiel)" in await page.text()  # the same store as the chat

        second_out, second_in = io.StringIO(), TypedLines()
        second = asyncio.create_task(
            run_terminal(Settings(_env_file=None), second_in, second_out, user="paul")
        )
        await _chat_until(second_out, "willkommen")
        said = second_out.getvalue()
        assert said.count(f"127.0.0.1:{port} ist schon belegt") == 1, said
        second_in.lines.put("Wernigerode\n")
        await _chat_until(second_out, "Treffen bei Wernigerode")  # the chat goes on
    finally:
        first_in.lines.put("/ende\n")
        assert await asyncio.wait_for(first, 30) == 0
        if second is not None:
            second_in.lines.put("/ende\n")
            assert await asyncio.wait_for(second, 30) == 0
    with socket.socket() as s:  # the address is free again
        s.bind(("127.0.0.1", port))
