"""Operator commands on the store: `nahbar import FILE` and `nahbar demo remove`.

Output is for the operator (English, plain); problems go to stderr with the exit codes of
bot.cli: 1 for a file that cannot be imported, 2 for settings or an unreachable database.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from models import demo
from models.db import create_engine, session_factory, upgrade
from models.importing import FileProblem, import_records, read_file, source_name
from places import Gazetteer

from .settings import Settings


async def import_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.file.suffix.lower() == ".json":  # a `nahbar export --json` document
        return await restore_command(settings, args.file)
    try:
        source = source_name(args.file, args.source)
    except ValueError as exc:
        print(f"nahbar import: --source: {exc}", file=sys.stderr)
        return 2
    try:
        kind, records = read_file(args.file)  # the whole file first: a bad one never opens the store
    except FileProblem as exc:
        print(f"nahbar import: {args.file}: nothing was imported:", file=sys.stderr)
        print("\n".join(f"  {problem}" for problem in exc.problems), file=sys.stderr)
        return 1
    try:
        gazetteer = Gazetteer.load(home_region=settings.home_region)
    except ValueError as exc:
        print(f"nahbar import: NAHBAR_HOME_REGION: {exc}", file=sys.stderr)
        return 2
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        report = await import_records(
            session_factory(engine), args.file, kind, records, gazetteer=gazetteer, source=source,
            organiser=args.organiser, review=args.review, dry_run=args.dry_run)
    except (OSError, SQLAlchemyError) as exc:
        return _database_error("import", exc)
    finally:
        await engine.dispose()
    print(report.render())
    return 0


async def remove_demo_command(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session, session.begin():
            removed = await demo.remove_examples(session)
    except (OSError, SQLAlchemyError) as exc:
        return _database_error("demo remove", exc)
    finally:
        await engine.dispose()
    print(f"removed {removed} example offer{'s' if removed != 1 else ''}")
    if settings.seed_demo_data:
        print("note: NAHBAR_DEMO_DATA seeds them again into an empty store on the next start; "
              "set NAHBAR_DEMO_DATA=false to stop that")
    return 0


def _database_error(command: str, exc: BaseException) -> int:
    # The type and first line only: the URL with its password is not repeated.
    first = str(exc).splitlines()[0] if str(exc) else ""
    print(f"nahbar {command}: database error ({type(exc).__name__}): {first[:200]}\n"
          "  check DATABASE_URL; nothing was changed", file=sys.stderr)
    return 2


async def export_command(settings: Settings, output: Path | None) -> int:
    """`nahbar export --json [--output FILE]`: offers, organisers and ideas (models.transfer)."""
    from models import utcnow
    from models.transfer import export

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            document = await export(session, utcnow())
    except (OSError, SQLAlchemyError) as exc:
        return _database_error("export", exc)
    finally:
        await engine.dispose()
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"exported {len(document['offers'])} offers, {len(document['organisers'])} "
              f"organisers and {len(document['ideas'])} ideas to {output}", file=sys.stderr)
    return 0


async def restore_command(settings: Settings, path: Path) -> int:
    """`nahbar import FILE.json`: a `nahbar export --json` document into a new store."""
    from models import utcnow
    from models.transfer import TransferProblem, import_

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"nahbar import: {path}: not readable as JSON ({exc}); nothing was imported", file=sys.stderr)
        return 1
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session, session.begin():
            counts = await import_(session, document, utcnow())
    except TransferProblem as exc:
        print(f"nahbar import: {path}: {exc}; nothing was imported", file=sys.stderr)
        return 1
    except (OSError, SQLAlchemyError) as exc:
        return _database_error("import", exc)
    finally:
        await engine.dispose()
    print(f"imported {counts['offers']} offers, {counts['organisers']} organisers and "
          f"{counts['ideas']} ideas")
    return 0
