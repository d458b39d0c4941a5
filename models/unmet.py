"""Searches that found nothing, counted as they happen: one number per municipality and
month. No person, no chat, no search text and no time finer than the month is stored, so the
table can be shown to coordinators (with small numbers hidden, publish.suppression) and need
not be erased with anyone's data: nothing in it is anyone's.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import Integer, String, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base
from .schedule import BERLIN

if TYPE_CHECKING:
    from places.gazetteer import Gazetteer


class UnmetSearch(Base):
    __tablename__ = "unmet_searches"

    ags: Mapped[str] = mapped_column(String(8), primary_key=True)  # the municipality searched in
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-12", Berlin time
    count: Mapped[int] = mapped_column(Integer, default=0)


def month_of(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m")


async def count_unmet(session: AsyncSession, ags: str, now: datetime, times: int = 1) -> None:
    """One more search without a result in municipality `ags` this month (an upsert, so two
    processes counting at once both count)."""
    if not (len(ags) == 8 and ags.isdigit()):
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = cast(Table, UnmetSearch.__table__)
    statement = insert(table).values(ags=ags, month=month_of(now), count=times)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.ags, table.c.month],
        set_={"count": table.c.count + statement.excluded.count},
    )
    await session.execute(statement)


async def unmet_by_month(session: AsyncSession, months: list[str]) -> dict[str, dict[str, int]]:
    """{month: {AGS: count}} for these months."""
    out: dict[str, dict[str, int]] = {m: {} for m in months}
    rows = await session.execute(
        select(UnmetSearch.month, UnmetSearch.ags, UnmetSearch.count).where(
            UnmetSearch.month.in_(months)
        )
    )
    for month, ags, count in rows.all():
        out[month][ags] = count
    return out


async def note_search(
    session: AsyncSession,
    places: Gazetteer,
    place_id: str,
    lat: float,
    lon: float,
    found: bool,
    now: datetime,
) -> None:
    """Count a first page that found nothing in the municipality of the place (or, for a shared
    position, of its nearest town or village); anything outside the home region is not counted."""
    if found:
        return
    ags = places.municipality_of(place_id) if place_id else ""
    await count_unmet(session, ags or places.municipality_at(lat, lon), now)
