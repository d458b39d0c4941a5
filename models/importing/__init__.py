"""Importing offers from calendar files (iCalendar) and spreadsheets (CSV).

    report = await import_file(sessions, Path("kirche.ics"), gazetteer=Gazetteer.load())

Reading checks the whole file first (FileProblem: nothing is changed); then one transaction
brings the source's offers in line with it, or is rolled back for a dry run. See docs/import.md.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from places import Gazetteer

from ..base import utcnow
from .reading import read_file
from .records import FileProblem, Record
from .report import Entry, Report
from .store import Progress, apply

SOURCE_MAX = 80

__all__ = [
    "Entry",
    "FileProblem",
    "Record",
    "Report",
    "import_file",
    "import_records",
    "read_file",
    "source_name",
]


async def import_file(
    sessions: async_sessionmaker[AsyncSession],
    path: Path,
    *,
    gazetteer: Gazetteer,
    source: str | None = None,
    organiser: str = "",
    review: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> Report:
    """Import one file as the operator; raises FileProblem (nothing changed) for a bad file."""
    kind, records = read_file(path)
    return await import_records(
        sessions,
        path,
        kind,
        records,
        gazetteer=gazetteer,
        source=source,
        organiser=organiser,
        review=review,
        dry_run=dry_run,
        now=now,
        progress=progress,
    )


async def import_records(
    sessions: async_sessionmaker[AsyncSession],
    path: Path,
    kind: str,
    records: list[Record],
    *,
    gazetteer: Gazetteer,
    source: str | None = None,
    organiser: str = "",
    review: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> Report:
    """The store half of import_file, for callers that read the file before opening the store.
    `progress` is called with the number of records handled so far."""
    report = Report(path=str(path), kind=kind, source=source_name(path, source), dry_run=dry_run)
    async with sessions() as session:
        try:
            await apply(
                session,
                report,
                records,
                gazetteer=gazetteer,
                now=now or utcnow(),
                review=review,
                organiser=" ".join(organiser.split()),
                progress=progress,
            )
        except BaseException:
            await session.rollback()
            raise
        if dry_run:
            await session.rollback()
        else:
            await session.commit()
    return report


def source_name(path: Path, source: str | None = None) -> str:
    """The stable name of a feed: --source, else the file name (so keep the name when updating)."""
    name = " ".join((source if source is not None else path.name).split())
    if not name or len(name) > SOURCE_MAX:
        raise ValueError(f"the source name must be 1 to {SOURCE_MAX} characters")
    return name
