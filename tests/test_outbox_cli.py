"""`nahbar outbox` for operators: what is queued, parked and why, and `retry`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from models import OutboxStatus, utcnow
from models.db import create_engine, session_factory, upgrade
from models.outbox import OutboxMessage

from .outbox_fakes import queue, reply_row

ROOT = Path(__file__).resolve().parents[1]


def nahbar(tmp_path: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ops.sqlite3'}",
        "TELEGRAM_BOT_TOKEN": "",
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "outbox", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )


async def test_operators_see_parked_messages_and_release_them(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'ops.sqlite3'}")
    await upgrade(engine)
    sessions = session_factory(engine)
    now = utcnow()
    await queue(
        sessions,
        reply_row("p", "telegram:4711", "Geheim", due_at=now),
        reply_row("q", "telegram:4712", "Später", due_at=now + timedelta(hours=1)),
        now=now,
    )
    async with sessions() as session, session.begin():
        row = await session.get(OutboxMessage, 1)
        row.status, row.reason, row.attempts = OutboxStatus.PARKED, "TransientError: Bad Gateway", 8
    shown = nahbar(tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "1 queued, 0 sending, 0 sent, 1 parked, 0 dropped" in shown.stdout
    assert "TransientError: Bad Gateway" in shown.stdout and "telegram" in shown.stdout
    assert "4711" not in shown.stdout and "Geheim" not in shown.stdout  # no personal data
    released = nahbar(tmp_path, "retry", "1")
    assert released.returncode == 0 and "1 parked message(s) queued again" in released.stdout
    async with sessions() as session:
        row = await session.get(OutboxMessage, 1)
        assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 0)
    assert nahbar(tmp_path, "retry", "1").returncode == 1  # nothing parked with that id any more
    await engine.dispose()
