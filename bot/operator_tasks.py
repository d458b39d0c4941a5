"""Operator commands on the store: `nahbar import FILE`, `nahbar export --json`, `nahbar demo
remove`, `nahbar aushang PLACE` (the printable notice) and `nahbar bericht`.

Output is for the operator (English, plain); problems go to stderr with the exit codes of
bot.cli: 1 for a file that cannot be imported, 2 for settings or an unreachable database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from models import demo
from models.base import utcnow
from models.db import create_engine, session_factory, upgrade
from models.importing import FileProblem, import_records, read_file, source_name
from places import Gazetteer
from publish.links import Links
from publish.notice import make_notice

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
        kind, records = read_file(
            args.file
        )  # the whole file first: a bad one never opens the store
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
    # On a terminal a bar shows how far a long import is (on stderr, so the report on stdout
    # stays clean); in a pipe, a log or cron it says nothing (disable=None).
    bar = tqdm(
        total=len(records),
        desc="importing",
        unit=" events",
        file=sys.stderr,
        disable=None,
        leave=False,
        mininterval=0.2,
    )
    try:
        await upgrade(engine)
        report = await import_records(
            session_factory(engine),
            args.file,
            kind,
            records,
            gazetteer=gazetteer,
            source=source,
            organiser=args.organiser,
            review=args.review,
            dry_run=args.dry_run,
            progress=lambda done: bar.update(done - bar.n),
        )
    except (OSError, SQLAlchemyError) as exc:
        return _database_error("import", exc)
    finally:
        bar.close()
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
        print(
            "note: NAHBAR_DEMO_DATA seeds them again into an empty store on the next start; "
            "set NAHBAR_DEMO_DATA=false to stop that"
        )
    return 0


def _database_error(command: str, exc: BaseException) -> int:
    # The type and first line only: the URL with its password is not repeated.
    first = str(exc).splitlines()[0] if str(exc) else ""
    print(
        f"nahbar {command}: database error ({type(exc).__name__}): {first[:200]}\n"
        "  check DATABASE_URL; nothing was changed",
        file=sys.stderr,
    )
    return 2


async def notice_command(settings: Settings, args: argparse.Namespace) -> int:
    """`nahbar aushang <Ort> [--tage 14] [--out FILE] [--blatt]`: the notice as a PDF file."""
    places = Gazetteer.load(home_region=settings.home_region)
    found = places.resolve(args.place)
    if found.status != "found" or found.place is None or found.place.kind == "coordinates":
        options = found.choices or found.suggestions
        hint = (
            " Did you mean: " + "; ".join(f"{p.label} ({p.id})" for p in options[:5]) + "?"
            if options
            else ""
        )
        print(
            f"nahbar aushang: which place is {args.place!r}?{hint} "
            "(a place id such as the one in brackets works too)",
            file=sys.stderr,
        )
        if (place := places.get(args.place)) is None:
            return 2
    else:
        place = found.place
    links = Links(
        web=settings.web_url,
        telegram_bot=settings.telegram_bot_username,
        matrix_bot=settings.matrix_user_id or "",
        phone=settings.phone,
    )
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            made = await make_notice(
                session,
                place,
                links=links,
                now=utcnow(),
                days=args.days,
                radius_km=settings.default_radius_km,
                language=settings.default_language,
                newsletter=args.newsletter,
            )
    except (OSError, SQLAlchemyError) as exc:
        return _database_error("aushang", exc)
    finally:
        await engine.dispose()
    out = args.out or Path(made.filename)
    try:
        out.write_bytes(made.pdf)
    except OSError as exc:
        print(f"nahbar aushang: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return 2
    print(
        f"{out}: {made.offers} offer{'s' if made.offers != 1 else ''} near {place.title} "
        f"in the next {args.days} days; the QR code opens {made.link}"
    )
    return 0


async def report_command(settings: Settings, args: argparse.Namespace) -> int:
    """`nahbar bericht [--kreis Harz] [--monat 2026-12] [--out FILE]`: the monthly report as a
    PDF."""
    from handlers.i18n import Translator
    from models.coordination import Scope
    from models.situation import situation
    from places.municipalities import load
    from publish.report import report_pdf

    district = ""
    if args.district:
        district = load().district_by_name(args.district)
        if district is None:
            known = ", ".join(sorted(load().district_name(k) for k in load().districts))
            print(
                f"nahbar bericht: no district {args.district!r} in Sachsen-Anhalt (known: {known})",
                file=sys.stderr,
            )
            return 2
    places = Gazetteer.load(home_region=settings.home_region)
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            picture = await situation(
                session, places, Scope(district), utcnow(), last_month=args.month
            )
    except (OSError, SQLAlchemyError) as exc:
        return _database_error("bericht", exc)
    finally:
        await engine.dispose()
    made = report_pdf(Translator(settings.default_language), picture)
    out = args.out or Path(made.filename)
    try:
        out.write_bytes(made.pdf)
    except OSError as exc:
        print(f"nahbar bericht: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return 2
    print(
        f"{out}: {picture.offers} offers, {len(picture.white_spots)} white spots of "
        f"{len(picture.municipalities)} municipalities"
    )
    if not picture.offers_today:  # the report says so too
        print(
            "Offers and white spots are those of the 14 days from "
            f"{picture.offers_day.isoformat()}: the offers of {picture.months[-1]} are not kept."
        )
    return 0


async def export_command(settings: Settings, output: Path | None) -> int:
    """`nahbar export --json [--output FILE]`: offers, organisers and ideas (models.transfer)."""
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
        await asyncio.to_thread(output.write_text, text, encoding="utf-8")
        print(
            f"exported {len(document['offers'])} offers, {len(document['organisers'])} "
            f"organisers and {len(document['ideas'])} ideas to {output}",
            file=sys.stderr,
        )
    return 0


async def restore_command(settings: Settings, path: Path) -> int:
    """`nahbar import FILE.json`: a `nahbar export --json` document into a new store."""
    from models.transfer import TransferProblem, import_

    try:
        document = json.loads(await asyncio.to_thread(path.read_text, encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(
            f"nahbar import: {path}: not readable as JSON ({exc}); nothing was imported",
            file=sys.stderr,
        )
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
    print(
        f"imported {counts['offers']} offers, {counts['organisers']} organisers and "
        f"{counts['ideas']} ideas"
    )
    return 0
