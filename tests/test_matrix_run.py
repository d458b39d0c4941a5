"""`nahbar run` as a process: Telegram and Matrix served together over one database, a clean
stop on SIGTERM, and a clear exit for credentials the homeserver refuses."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3

import pytest

from .fake_bot_api import FakeBotApi
from .synapse import MatrixResident
from .test_telegram_e2e import CHAT, START_TIMEOUT, STEP_TIMEOUT, TOKEN, BotProcess


@pytest.fixture
async def api():
    async with FakeBotApi(TOKEN) as fake:
        yield fake


def matrix_env(synapse, account, workdir, password: str | None = None) -> dict[str, str]:
    return {
        "MATRIX_HOMESERVER": synapse.url,
        "MATRIX_USER_ID": account.user_id,
        "MATRIX_PASSWORD": password or account.password,
        "MATRIX_STORE_PATH": str(workdir / "matrix-store"),
    }


async def test_telegram_and_matrix_in_one_process(api, synapse, tmp_path):
    account = await synapse.register("nahbar")
    resident = await MatrixResident.create(synapse, tmp_path)
    bot = BotProcess(tmp_path, api)
    bot.env.update(matrix_env(synapse, account, tmp_path))
    await bot.start()
    try:
        await api.wait_polling(START_TIMEOUT)
        api.push_command(CHAT, "/start")
        welcome = await api.next_bot_message(CHAT, STEP_TIMEOUT)
        assert "willkommen" in welcome.text.lower()

        await resident.open_dm(account.user_id)
        await resident.wait_for_reply(lambda m: "willkommen" in m.body.lower())
        await resident.ask("Wernigerode", lambda m: "Treffen bei Wernigerode" in m.body)

        with sqlite3.connect(bot.db) as db:
            platforms = sorted(row[0] for row in db.execute("SELECT platform FROM users"))
        assert platforms == ["matrix", "telegram"]

        bot.proc.send_signal(signal.SIGTERM)
        assert await bot.wait(15) == 0, bot.report(api)
        log = bot.stderr
        session = json.loads((tmp_path / "matrix-store" / "session.json").read_text())
        for secret in (account.password, session["access_token"], TOKEN.split(":")[1]):
            assert secret not in log, "a secret reached the log"
        assert resident.user_id not in log, "a resident's Matrix id reached the log"
        assert "Wernigerode" not in log, "a message text reached the log"
    finally:
        await bot.kill()
        await resident.stop()


async def test_a_refused_password_stops_with_a_clear_message(api, synapse, tmp_path):
    account = await synapse.register("nahbar")
    bot = BotProcess(tmp_path, api)
    for name in [k for k in bot.env if k.startswith("TELEGRAM_")]:
        del bot.env[name]
    bot.env.update(matrix_env(synapse, account, tmp_path, password="not-the-password"))
    await bot.start()
    try:
        code = await bot.wait(START_TIMEOUT)
        assert code == 3, bot.report()
        assert "MATRIX_PASSWORD" in bot.stderr and "Traceback" not in bot.stderr, bot.report()
        assert "not-the-password" not in bot.stderr
        assert not api.calls, "Telegram is not configured and must not be called"
    finally:
        await bot.kill()


async def test_sigterm_while_the_homeserver_is_unreachable(api, tmp_path):
    from .postgres import free_port

    bot = BotProcess(tmp_path, api)
    for name in [k for k in bot.env if k.startswith("TELEGRAM_")]:
        del bot.env[name]
    bot.env.update(
        {
            "MATRIX_HOMESERVER": f"http://127.0.0.1:{free_port()}",
            "MATRIX_USER_ID": "@nahbar:nahbar.test",
            "MATRIX_PASSWORD": "secret",
            "MATRIX_STORE_PATH": str(tmp_path / "store"),
        }
    )
    await bot.start()
    try:
        for _ in range(START_TIMEOUT * 10):  # started: it says it is retrying
            if "retrying" in bot.stderr or bot.proc.returncode is not None:
                break
            await asyncio.sleep(0.1)
        assert bot.proc.returncode is None, f"the bot must keep trying\n{bot.report()}"
        bot.proc.send_signal(signal.SIGTERM)
        assert await bot.wait(15) == 0, bot.report()
    finally:
        await bot.kill()
