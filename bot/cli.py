"""`nahbar run | chat | db upgrade` (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from pydantic import ValidationError

from .settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nahbar", description="Nahbar: meeting offers near you.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the bot on every configured platform (Telegram, Matrix), "
                                    "else the terminal chat")
    commands.add_parser("chat", help="chat with the bot in this terminal")
    db = commands.add_parser("db", help="database tasks")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="migrate the schema to the newest version")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        # Field and reason only: the rejected value may be a secret.
        problems = "\n".join(f"  {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"nahbar: invalid settings (see .env.example):\n{problems}", file=sys.stderr)
        return 2
    serves_platforms = settings.has_telegram or settings.has_matrix
    terminal = args.command == "chat" or (args.command == "run" and not serves_platforms)
    _configure_logging(settings.log_level, to_file=terminal)
    if args.command == "db":
        from models.db import upgrade_sync

        upgrade_sync(settings.database_url)
        print("database is up to date")
        return 0
    if not terminal:
        from .app import run_platforms

        return asyncio.run(run_platforms(settings))
    from .terminal import run_terminal

    try:
        return asyncio.run(run_terminal(settings))
    except KeyboardInterrupt:
        return 0


def _configure_logging(level: str, to_file: bool) -> None:
    """Log to stderr; the terminal chat logs to var/nahbar.log so the conversation stays clean."""
    target = {"stream": sys.stderr}
    if to_file:
        Path("var").mkdir(exist_ok=True)
        target = {"filename": "var/nahbar.log"}
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        **target,
    )
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # nio names rooms, senders and devices in its messages, even in warnings.
    for name in ("nio", "peewee"):
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
