"""Messages the bot sends on its own keep their buttons in the terminal chat, numbered: typing
the number under a reminder says "Ich komme", under a weekly post or an alert it opens the
meeting. The words still work ("Diesmal nicht").

The first test is the real `nahbar chat` process (tests/test_terminal_roles.py `Terminal`),
whose clock the test moves with time-machine: on SIGUSR1 a `sitecustomize` written here makes
the process's clock jump to the moment in a file, and it runs on from there, so the scheduler
in that process sends the reminder when its time has come.
"""

from __future__ import annotations

import asyncio
import io
import signal
import sqlite3
from datetime import datetime, time, timedelta

from bot.terminal import TerminalChat, TerminalMessenger
from models import utcnow
from models.db import create_engine, session_factory, upgrade
from models.schedule import to_local, to_utc
from scheduler import run_digests

from .outbox_fakes import outbox_dispatcher
from .support import ChatDriver, add_offer
from .test_alerts import WED_17, _new, _subscriber
from .test_digest import MONDAY_9, _offers_of_the_week, _switch_on, _with_home
from .test_terminal_roles import Terminal

MOVABLE_CLOCK = '''"""Written by tests/test_terminal_reminders.py: SIGUSR1 moves this
process's clock to the moment (a POSIX timestamp) in the file NAHBAR_TEST_CLOCK names; it runs
on from there."""
import os
import signal

if os.environ.get("NAHBAR_TEST_CLOCK"):
    import time_machine

    def _move(signum, frame):
        with open(os.environ["NAHBAR_TEST_CLOCK"]) as moment:
            time_machine.travel(float(moment.read()), tick=True).start()

    signal.signal(signal.SIGUSR1, _move)
'''


async def _a_cafe_tomorrow(database) -> datetime:
    """A migrated database with a one-off café in Wernigerode tomorrow at 15:00; its start (UTC)."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        await upgrade(engine)
        now = utcnow()
        starts_local = datetime.combine(to_local(now).date() + timedelta(days=1), time(15))
        await add_offer(
            session_factory(engine), now, title="Kaffee im Gemeindehaus", starts_local=starts_local
        )
        return to_utc(starts_local)
    finally:
        await engine.dispose()


def _answers(database) -> list[tuple[str, int]]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT starts_at, coming FROM attendance").fetchall()


def test_typing_the_number_under_a_reminder_says_i_am_coming(tmp_path, monkeypatch):
    database = tmp_path / "nahbar.sqlite3"
    start = asyncio.run(_a_cafe_tomorrow(database))
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(MOVABLE_CLOCK)
    monkeypatch.setenv("PYTHONPATH", str(site))
    clock = tmp_path / "clock"
    resident = Terminal(tmp_path, "anwohnerin", NAHBAR_TEST_CLOCK=str(clock))
    resident.wait_for("willkommen")
    resident.say("Wernigerode", "Treffen bei Wernigerode")
    resident.choose("Kaffee im Gemeindehaus", "🔔 Erinnern")
    resident.choose("Erinnern", "Wann soll ich Sie an „Kaffee im Gemeindehaus“ erinnern?")
    resident.choose("2 Stunden vorher", "✅ Erledigt: Ich erinnere Sie an „Kaffee im Gemeindehaus“")

    # Tomorrow, a minute after 13:00: the process's scheduler sends the reminder.
    clock.write_text(str((start - timedelta(hours=2, minutes=-1)).timestamp()))
    resident.mark = len(resident.output)
    resident.proc.send_signal(signal.SIGUSR1)
    resident.wait_for("[3] ℹ️ Details")
    resident.mark = resident.output.index("🔔 Gleich geht es los", resident.mark)
    reminder = resident.output[resident.mark :]
    assert "🔔 Gleich geht es los, um 15:00 Uhr:\n☕ Kaffee im Gemeindehaus\n" in reminder
    assert "Kommen Sie?\n[1] 👍 Ich komme   [2] Diesmal nicht   [3] ℹ️ Details" in reminder
    assert _answers(database) == []

    answered = resident.choose("Ich komme", "👍 Schön – bis dann!")
    assert "[1] ✓ 👍 Ich komme" in answered
    [(day, coming)] = _answers(database)
    assert (day[:16], coming) == (start.strftime("%Y-%m-%d %H:%M"), 1)
    resident.say(
        "Diesmal nicht", "Alles klar – vielleicht beim nächsten Mal."
    )  # the words work too
    assert [coming for _, coming in _answers(database)] == [0]
    resident.quit()


# --- in this process: the weekly post and the alerts (tests/test_digest.py, test_alerts.py) -----


async def _shown_at_the_terminal(sessions, chat: ChatDriver, at: datetime) -> str:
    """What the dispatcher shows at this person's terminal when the clock says `at`."""
    out = io.StringIO()
    terminal = TerminalChat(chat.core, out, user=chat.user, language="de")
    await outbox_dispatcher(sessions, [TerminalMessenger(terminal)], clock=lambda: at).drain()
    chat.now = at
    return out.getvalue()


async def test_the_number_under_a_weekly_post_opens_that_meeting(sessions, places, now):
    await _offers_of_the_week(sessions, now)
    chat = await _with_home(sessions, places, now)
    await _switch_on(chat)
    await run_digests(sessions, MONDAY_9)
    shown = await _shown_at_the_terminal(sessions, chat, MONDAY_9)
    assert (
        "[1] ☕ Adventscafé   [2] 🚶 Spaziergang am Schloss" in shown
        and "⚙️ Wochenpost ändern" in shown
    )
    await chat.say("2")
    assert chat.text.startswith("🚶 Spaziergang am Schloss")
    await chat.say("/woche")  # the commands work as before
    assert "Spaziergang am Schloss" in chat.text


async def test_the_number_under_an_alert_opens_that_offer(sessions, places, now):
    chat = await _subscriber(sessions, places, now)
    await _new(sessions, now, now + timedelta(hours=1), "Spaziergang", category="walk")
    await run_digests(sessions, WED_17)
    shown = await _shown_at_the_terminal(sessions, chat, WED_17)
    assert (
        "🆕 Neu in Ihrer Nähe:" in shown and "[1] 🚶 Spaziergang   [2] ⚙️ Meldungen ändern" in shown
    )
    await chat.say("1")
    assert chat.text.startswith("🚶 Spaziergang")
