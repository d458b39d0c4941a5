"""Several `nahbar chat --user NAME` terminals open at once on one SQLite file: one of them
plans (holds the leader lease), each shows only its own person's messages, and when the
planning one closes, another takes over."""

from __future__ import annotations

import asyncio
import sqlite3
import time

from .outbox_fakes import queue, reply_row
from .test_terminal_roles import Terminal


def lease_holder(database) -> str | None:
    with sqlite3.connect(database) as db:
        row = db.execute(
            "SELECT holder FROM leases WHERE name = 'leader' AND expires_at > ?", (time.time(),)
        ).fetchone()
    return row[0] if row else None


def pid_of(holder: str) -> int:
    return int(holder.split(":")[1])  # "<host>:<pid>:<random>"


def test_terminals_on_one_file_share_the_planning_and_keep_their_own_messages(tmp_path):
    database = tmp_path / "nahbar.sqlite3"
    anna, ben = Terminal(tmp_path, "anna"), Terminal(tmp_path, "ben")
    try:
        anna.wait_for("willkommen")
        ben.wait_for("willkommen")
        holder = lease_holder(database)
        assert holder is not None and pid_of(holder) in (anna.proc.pid, ben.proc.pid)

        async def two_messages():
            from models import utcnow
            from models.db import create_engine, session_factory

            now = utcnow()
            engine = create_engine(f"sqlite+aiosqlite:///{database}")
            try:
                await queue(
                    session_factory(engine),
                    reply_row("for-anna", "terminal:anna", "Post für Anna", due_at=now),
                    reply_row("for-ben", "terminal:ben", "Post für Ben", due_at=now),
                    now=now,
                )
            finally:
                await engine.dispose()

        asyncio.run(two_messages())
        anna.wait_for("Post für Anna")
        ben.wait_for("Post für Ben")
        assert "Post für Ben" not in anna.output and "Post für Anna" not in ben.output

        planner, other = (anna, ben) if pid_of(holder) == anna.proc.pid else (ben, anna)
        planner.quit()
        for _ in range(150):  # the lease is handed over on quitting; the other takes it
            holder = lease_holder(database)
            if holder is not None and pid_of(holder) == other.proc.pid:
                break
            time.sleep(0.1)
        assert holder is not None and pid_of(holder) == other.proc.pid
        other.say("Wernigerode", "Wernigerode")  # and it keeps answering
        other.quit()
    finally:
        for terminal in (anna, ben):
            if terminal.proc.poll() is None:
                terminal.kill()
