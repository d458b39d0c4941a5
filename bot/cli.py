"""`nahbar run | chat [--user NAME] | db upgrade | import FILE | export --json | demo remove |
aushang PLACE | bericht [--kreis K] [--monat M] | outbox [retry | dispatch | plan]`
(also `python -m bot`).

Exit codes: 0 done, 1 a file that cannot be imported (nothing changed), 2 usage or settings,
3 a token the platform rejects, 4 the platform cannot be reached, 5 nothing to run (no chat
platform configured and no terminal).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import re
import sys
from pathlib import Path

from contracts.platform import EXIT_NOTHING_TO_RUN


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nahbar", description="Nahbar: meeting offers near you.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run",
        help="run the bot on every configured platform (Telegram, Matrix), else the terminal chat",
    )
    chat = commands.add_parser(
        "chat",
        help="chat with the bot in this terminal",
        description="Chat with the bot in this terminal. Several people can take turns on one "
        "database: `--user org` posts an offer, `--user mod` (listed in "
        "NAHBAR_MODERATORS as terminal:mod) reviews it, `--user anna` finds it.",
    )
    chat.add_argument(
        "--user",
        type=_user_name,
        metavar="NAME",
        help="speak as this person (default: your login name); their chat address is terminal:NAME",
    )
    db = commands.add_parser("db", help="database tasks")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="migrate the schema to the newest version")
    exports = commands.add_parser(
        "export",
        help="write offers, organisers and ideas as JSON (for `nahbar import FILE.json`)",
        description="Offers, the accounts that organise or moderate them (chat addresses: keep "
        "the file safe) and the idea pool, as one JSON document (docs/operations.md).",
    )
    exports.add_argument(
        "--json", action="store_true", required=True, help="as JSON (the one format)"
    )
    exports.add_argument(
        "--output", type=Path, metavar="FILE", help="write to FILE (default: stdout)"
    )
    imports = commands.add_parser(
        "import",
        help="import offers from an iCalendar (.ics) or CSV file (see docs/import.md), "
        "or restore a `nahbar export --json` document (.json) into a new store",
        description="Import offers as the operator: published at once (or --review). Importing "
        "the same source again updates its offers and cancels those no longer in it.",
    )
    imports.add_argument("file", type=Path, help="the .ics, .csv or .json file")
    imports.add_argument(
        "--dry-run", action="store_true", help="report what would change, change nothing"
    )
    imports.add_argument(
        "--organiser", default="", metavar="NAME", help="organiser for events that name none"
    )
    imports.add_argument(
        "--source", metavar="NAME", help="stable name of this feed (default: the file name)"
    )
    imports.add_argument(
        "--review",
        action="store_true",
        help="send new and changed offers to the review queue instead of publishing",
    )
    demo = commands.add_parser("demo", help="the example offers")
    demo_commands = demo.add_subparsers(dest="demo_command", required=True)
    demo_commands.add_parser("remove", help="delete all example offers")
    notice = commands.add_parser(
        "aushang",
        help="a printable A4 notice (PDF) of the coming meetings near a place",
        description="Make the notice for a village notice board: the coming offers near the "
        "place in large print, a QR code that opens the bot there, tear-off strips.",
    )
    notice.add_argument("place", help="town, village, municipality or postcode")
    notice.add_argument(
        "--tage",
        dest="days",
        type=_days,
        default=14,
        metavar="DAYS",
        help="how many days ahead (1-62, default 14)",
    )
    notice.add_argument("--out", type=Path, metavar="FILE", help="where to write the PDF")
    notice.add_argument(
        "--blatt",
        dest="newsletter",
        action="store_true",
        help="column text for the municipal newsletter instead of the poster",
    )
    report = commands.add_parser(
        "bericht",
        help="the monthly report for coordinators and mayors (PDF, A4)",
        description="The coordinators' monthly report: the map of offers per 10,000 residents, "
        "white spots and searches without a result (small counts hidden).",
    )
    report.add_argument(
        "--kreis",
        dest="district",
        default="",
        metavar="DISTRICT",
        help="a district, e.g. Harz (default: the whole state)",
    )
    report.add_argument(
        "--monat",
        dest="month",
        type=_month,
        metavar="YYYY-MM",
        help="the month (default: the current one)",
    )
    report.add_argument("--out", type=Path, metavar="FILE", help="where to write the PDF")
    from . import outbox_cli

    outbox_cli.add_parser(commands)
    return parser


def _month(value: str) -> str:
    if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError("a month such as 2026-12")
    return value


def _days(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 62:
        raise argparse.ArgumentTypeError("a number of days from 1 to 62")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    # Start-up makes a great many objects that live as long as the process, and hardly any
    # garbage: the collector would only walk them again and again (a fifth of the start).
    # It is back on once the app is open (bot.app.open_app), or when this returns.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _main(argv)
    finally:
        if was_enabled:
            gc.enable()


def _main(argv: list[str] | None) -> int:
    from pydantic import ValidationError

    from . import outbox_cli
    from .settings import Settings

    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        # Field and reason only: the rejected value may be a secret.
        problems = "\n".join(f"  {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"nahbar: invalid settings (see .env.example):\n{problems}", file=sys.stderr)
        return 2
    terminal = args.command == "chat" or (args.command == "run" and not settings.has_messenger)
    if args.command == "run" and terminal and not sys.stdin.isatty():
        # A service manager or a pipe: nobody could type into the terminal chat.
        print(
            "nahbar: no chat platform is configured (set TELEGRAM_BOT_TOKEN or the MATRIX_ "
            "settings, see .env.example), and there is no terminal for the terminal chat. "
            "`nahbar chat` reads from a pipe if that is what you want.",
            file=sys.stderr,
        )
        return EXIT_NOTHING_TO_RUN
    _configure_logging(
        settings.log_level, to_file=terminal, json_lines=settings.log_format == "json"
    )
    if args.command == "aushang":
        from .operator_tasks import notice_command

        logging.getLogger("alembic").setLevel(logging.WARNING)
        return asyncio.run(notice_command(settings, args))
    if args.command == "bericht":
        from .operator_tasks import report_command

        logging.getLogger("alembic").setLevel(logging.WARNING)
        return asyncio.run(report_command(settings, args))
    if args.command in ("import", "export", "demo"):
        from .operator_tasks import export_command, import_command, remove_demo_command

        logging.getLogger("alembic").setLevel(logging.WARNING)  # keep the report readable
        if args.command == "import":
            return asyncio.run(import_command(settings, args))
        if args.command == "export":
            return asyncio.run(export_command(settings, args.output))
        return asyncio.run(remove_demo_command(settings))
    if args.command == "db":
        from models.db import upgrade_sync

        upgrade_sync(settings.database_url)
        print("database is up to date")
        return 0
    if args.command == "outbox":
        return outbox_cli.run(args, settings)
    if not terminal:
        from .app import run_platforms

        return asyncio.run(run_platforms(settings))
    from .terminal import run_terminal

    try:
        return asyncio.run(run_terminal(settings, user=getattr(args, "user", None)))
    except KeyboardInterrupt:
        return 0


def _user_name(value: str) -> str:
    """A terminal user's name: it becomes the chat address terminal:NAME, so no spaces."""
    name = value.strip()
    if not re.fullmatch(r"[\w.@-]{1,64}", name):
        raise argparse.ArgumentTypeError(
            "a name of 1-64 letters, digits, '.', '_', '@' or '-', e.g. --user mod"
        )
    return name


def _configure_logging(level: str, to_file: bool, json_lines: bool = False) -> None:
    """Log to stderr; the terminal chat logs to var/nahbar.log so the conversation stays clean.
    `json_lines`: one JSON object per line (ops.logs)."""
    target = {"stream": sys.stderr}
    if to_file:
        Path("var").mkdir(exist_ok=True)
        target = {"filename": "var/nahbar.log"}
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        **target,
    )
    if json_lines:
        from ops.logs import json_formatter

        logging.captureWarnings(True)  # library warnings as JSON lines too
        for handler in logging.getLogger().handlers:
            handler.setFormatter(json_formatter())
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # nio names rooms, senders and devices in its messages, even in warnings.
    for name in ("nio", "peewee"):
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
