"""The real `nahbar run` process, driven end to end through a fake Bot API on 127.0.0.1.

Nothing here reaches the internet: the bot's TELEGRAM_API_BASE_URL points at FakeBotApi.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from .fake_bot_api import FakeBotApi

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token"
CHAT = 4711
WERNIGERODE = (51.8365, 10.7822)
START_TIMEOUT = 30  # the first start imports a lot, migrates and seeds the examples
STEP_TIMEOUT = 15


class BotProcess:
    """`python -m bot run` in `workdir`, its output in files (a full pipe would block it)."""

    def __init__(self, workdir: Path, api: FakeBotApi, token: str = TOKEN) -> None:
        self.workdir = workdir
        self.db = workdir / "nahbar.sqlite3"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "NAHBAR_", "DATABASE_"))
            and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
        }
        env.update(
            TELEGRAM_BOT_TOKEN=token,
            TELEGRAM_API_BASE_URL=api.base_url,
            TELEGRAM_API_BASE_FILE_URL=api.base_file_url,
            DATABASE_URL=f"sqlite:///{self.db}",
            NAHBAR_DEMO_DATA="true",
            LANG="de_DE.UTF-8",
            NO_PROXY="127.0.0.1,localhost",
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
            PYTHONUNBUFFERED="1",
        )
        self.env = env
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        # The child's output, closed when it stops.
        self._out = open(self.workdir / "stdout.txt", "wb")  # noqa: SIM115
        self._err = open(self.workdir / "stderr.txt", "wb")  # noqa: SIM115
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=self.workdir,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._err,
        )

    async def wait(self, timeout: float) -> int | None:
        """The exit code, or None if the process is still running after `timeout` seconds."""
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            return None

    async def kill(self) -> None:
        if self.proc and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        for f in (self._out, self._err):
            f.close()

    @property
    def stderr(self) -> str:
        self._err.flush()
        return (self.workdir / "stderr.txt").read_text(errors="replace")

    def report(self, api: FakeBotApi | None = None) -> str:
        """Everything needed to understand a failure: exit code, output, the calls it made."""
        parts = [
            f"exit code: {self.proc.returncode if self.proc else 'not started'}",
            f"--- stderr (tail) ---\n{self.stderr[-4000:]}",
        ]
        if api:
            parts.append(f"--- Bot API calls ---\n{api.describe()}")
        return "\n".join(parts)


@pytest.fixture
async def api():
    async with FakeBotApi(TOKEN) as fake:
        yield fake


async def test_a_resident_finds_an_offer_and_deletes_their_data(api, tmp_path):
    bot = BotProcess(tmp_path, api)
    await bot.start()
    try:

        async def step(description: str, coro):
            try:
                return await coro
            except AssertionError as exc:
                raise AssertionError(f"{description}: {exc}\n{bot.report()}") from None

        polling = asyncio.ensure_future(api.wait_polling(START_TIMEOUT))
        exited = asyncio.ensure_future(bot.proc.wait())
        await asyncio.wait([polling, exited], return_when=asyncio.FIRST_COMPLETED)
        exited.cancel()
        assert polling.done(), f"the bot exited before polling\n{bot.report(api)}"
        await step("start polling", polling)
        assert any(c.method == "getMe" for c in api.calls)

        # /start: a welcome and the big reply keyboard with the location button.
        api.push_command(CHAT, "/start")
        welcome = await step("/start", api.next_bot_message(CHAT, STEP_TIMEOUT))
        assert welcome.method == "sendMessage"
        assert re.search(r"(?i)willkommen", welcome.text), welcome
        assert "Mit /neu bieten Sie Ihr Treffen" in welcome.text, welcome
        assert "Oder tippen Sie unten auf „📍 Standort senden“." in welcome.text, welcome
        keyboard = await step("reply keyboard", api.wait_until(lambda: api.keyboard(CHAT), 5))
        location_button = [b for b in keyboard if b["text"] == "📍 Standort senden"]
        assert location_button and location_button[0].get("request_location"), keyboard

        # Share a location near Wernigerode: a short list with one button per offer.
        api.push_location(CHAT, *WERNIGERODE)
        listing = await step(
            "location",
            api.wait_for(
                lambda c: c.method == "sendMessage" and "Treffen bei" in c.text,
                STEP_TIMEOUT,
                since=welcome.index + 1,
            ),
        )
        list_id = listing.result["message_id"]
        screen = api.screen(CHAT, list_id)
        assert screen.buttons, f"the list has no inline buttons: {listing}"
        offers = [label for label in screen.labels if re.match(r"1\. ", label)]
        assert offers, f"no offer button '1. …' in {screen.labels}"

        # The first offer: the list message is edited in place into the details.
        mark = api.mark()
        api.press(CHAT, offers[0], list_id)
        detail = await step(
            "offer button",
            api.wait_for(
                lambda c: c.method in ("editMessageText", "sendMessage") and c.chat_id == CHAT,
                STEP_TIMEOUT,
                since=mark,
            ),
        )
        assert detail.method == "editMessageText", f"expected an edit, got {detail}"
        assert detail.params["message_id"] == list_id
        assert "Treffen bei" not in detail.text, detail

        # Into the calendar: an .ics file.
        mark = api.mark()
        api.press(CHAT, "📅 In meinen Kalender", list_id)
        document = await step(
            "calendar button",
            api.wait_for(lambda c: c.method == "sendDocument", STEP_TIMEOUT, since=mark),
        )
        upload = document.params["document"]
        assert upload.filename.endswith(".ics"), upload.filename
        assert b"BEGIN:VEVENT" in upload.content, upload.content[:300]

        # Back to the list, then a wider window: the same message changes, no new one.
        mark = api.mark()
        api.press(CHAT, "🔙 Zurück", list_id)
        back = await step(
            "back button",
            api.wait_for(
                lambda c: c.method == "editMessageText" and "Treffen bei" in c.text,
                STEP_TIMEOUT,
                since=mark,
            ),
        )
        assert back.params["message_id"] == list_id
        mark = api.mark()
        api.press(CHAT, "14 Tage", list_id)
        wider = await step(
            "14 Tage",
            api.wait_for(
                lambda c: c.method in ("editMessageText", "sendMessage") and c.chat_id == CHAT,
                STEP_TIMEOUT,
                since=mark,
            ),
        )
        assert wider.method == "editMessageText", f"a filter must edit in place, got {wider}"
        assert wider.params["message_id"] == list_id and "14 Tagen" in wider.text, wider

        # /loeschen, confirmed: goodbye, and nothing about the user is left in the store.
        mark = api.mark()
        api.push_command(CHAT, "/loeschen")
        question = await step(
            "/loeschen",
            api.wait_for(
                lambda c: c.method == "sendMessage" and c.chat_id == CHAT, STEP_TIMEOUT, since=mark
            ),
        )
        mark = api.mark()
        api.press(CHAT, "Ja, alles löschen", question.result["message_id"])
        goodbye = await step(
            "delete confirmation",
            api.wait_for(
                lambda c: c.method in ("sendMessage", "editMessageText") and c.chat_id == CHAT,
                STEP_TIMEOUT,
                since=mark,
            ),
        )
        assert re.search(r"(?i)gelöscht|wiedersehen", goodbye.text), goodbye
        await asyncio.sleep(0.5)  # let the answerCallbackQuery arrive
        assert not api.unanswered_callbacks(), f"unanswered button presses\n{api.describe()}"
        with sqlite3.connect(bot.db) as db:
            assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 0

        # SIGTERM: a clean stop.
        bot.proc.send_signal(signal.SIGTERM)
        code = await bot.wait(10)
        assert code == 0, f"after SIGTERM\n{bot.report(api)}"
        # The token is a password: it must not reach the log (httpx logs every URL at INFO).
        leaks = [line for line in bot.stderr.splitlines() if TOKEN.split(":")[1] in line]
        assert not leaks, f"the bot token is in the log, {len(leaks)} lines, e.g.\n{leaks[0]}"
    finally:
        await bot.kill()


async def test_a_rejected_token_stops_the_bot_with_a_clear_message(api, tmp_path):
    bot = BotProcess(tmp_path, api, token="654321:WRONG-token")
    await bot.start()
    try:
        code = await bot.wait(START_TIMEOUT)
        assert code is not None, f"still running with a rejected token\n{bot.report(api)}"
        assert code != 0, bot.report(api)
        assert "token" in bot.stderr.lower(), bot.report(api)
        assert "Traceback" not in bot.stderr, f"expected a clear message\n{bot.report(api)}"
        assert not any(c.method == "getUpdates" for c in api.calls)
    finally:
        await bot.kill()


async def test_webhook_mode_checks_the_secret_token(api, tmp_path):
    """With TELEGRAM_WEBHOOK_URL set, updates arrive by HTTP POST and need the secret header."""
    import aiohttp

    from .postgres import free_port

    port = free_port()
    bot = BotProcess(tmp_path, api)
    bot.env.update(
        TELEGRAM_WEBHOOK_URL="https://nahbar.example.invalid/hook",
        TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
        TELEGRAM_WEBHOOK_PORT=str(port),
        TELEGRAM_WEBHOOK_PATH="hook",
        TELEGRAM_WEBHOOK_SECRET="s3cret-token",
    )
    await bot.start()
    try:
        await api.wait_until(lambda: api.webhook, START_TIMEOUT)
        assert api.webhook["url"] == "https://nahbar.example.invalid/hook"
        assert api.webhook["secret_token"] == "s3cret-token"
        assert not any(c.method == "getUpdates" for c in api.calls)

        update = api.webhook_message(CHAT, "/hilfe")
        url = f"http://127.0.0.1:{port}/hook"
        async with aiohttp.ClientSession() as http:
            for _attempt in range(100):  # the webhook server starts right after setWebhook
                try:
                    async with http.post(
                        url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
                    ) as forged:
                        assert forged.status == 403
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            async with http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
            ) as real:
                assert real.status == 200
        try:
            answer = await api.next_bot_message(CHAT, STEP_TIMEOUT)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{bot.report()}") from None
        assert "So geht es" in answer.text
        assert (
            len([c for c in api.calls if c.method == "sendMessage"]) == 1
        )  # the forged one did nothing

        bot.proc.send_signal(signal.SIGTERM)
        assert await bot.wait(10) == 0, bot.report(api)
    finally:
        await bot.kill()


async def test_a_new_resident_writes_whole_sentences(api, tmp_path):
    """Issue 13, tried as a new user: sentences, not keywords, in German and in English."""
    bot = BotProcess(tmp_path, api)
    await bot.start()
    try:
        await api.wait_polling(START_TIMEOUT)
        mark = api.mark()
        api.push_text(CHAT, "Hallo, ich wohne in Stendal und suche etwas für Senioren")
        listing = await api.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == CHAT, STEP_TIMEOUT, since=mark
        )
        assert (
            "Treffen bei Stendal" in listing.text and "Vorlesen für Groß und Klein" in listing.text
        ), f"{listing}\n{bot.report(api)}"

        mark = api.mark()
        api.push_text(CHAT, "hi, any events near Halle this weekend?")
        offer = await api.wait_for(
            lambda c: c.method == "sendMessage" and "Shall I write in English" in c.text,
            STEP_TIMEOUT,
            since=mark,
        )
        answers = [
            c.text for c in api.calls[mark:] if c.method == "sendMessage" and c.chat_id == CHAT
        ]
        assert any("Meetings near Halle (Saale)\nat the weekend" in text for text in answers), (
            answers
        )
        assert not any("nicht verstanden" in text for text in answers), answers
        mark = api.mark()
        api.press(CHAT, "Yes, please", offer.result["message_id"])
        switched = await api.wait_for(
            lambda c: c.method in ("sendMessage", "editMessageText") and c.chat_id == CHAT,
            STEP_TIMEOUT,
            since=mark,
        )
        assert "I will speak English with you" in switched.text, switched
        with sqlite3.connect(bot.db) as db:
            assert db.execute("SELECT language FROM users").fetchone()[0] == "en"
    finally:
        await bot.kill()
