"""How much interest offers meet, for coordinators: reminders asked for and "Ich komme" answers
for dates this month, per published offer, per district and for the state; small counts
hidden (publish.suppression) over the whole tree at once, so every view cut from it hides the
same cells.

Counting means reading every reminder and answer, so it is done at most every few minutes
(COUNT_EVERY) and whenever the offers changed; views say when it was counted.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from places import Gazetteer
from publish.suppression import Shown, suppress

from .offer_coverage import Coverage, CoverageKey, _Locator, in_box, locator
from .offers import Offer, OfferStatus
from .reminders import Attendance, Reminder
from .schedule import BERLIN, to_utc

COUNT_EVERY = timedelta(minutes=5)
STATE = "15"


@dataclass(frozen=True)
class Interest:
    """One published offer's reminders and "Ich komme" answers (dates this month), as shown."""

    offer_id: int
    title: str
    place_name: str
    district: str
    reminders: Shown
    coming: Shown


@dataclass(frozen=True)
class Counted:
    key: tuple[CoverageKey, datetime]  # (the offers' coverage key, the month)
    at: datetime  # when it was counted
    reminders: dict[str, Shown]  # district key or STATE -> shown
    coming: dict[str, Shown]
    offers: dict[str, tuple[Interest, ...]]  # district key -> its offers, most interest first


def month_span(now: datetime) -> tuple[datetime, datetime]:
    """This month (Berlin) in UTC."""
    local = now.astimezone(BERLIN)
    first = datetime(local.year, local.month, 1)
    following = datetime(local.year + (local.month == 12), local.month % 12 + 1, 1)
    return to_utc(first), to_utc(following)


# engine -> its newest counts
_KEPT: weakref.WeakKeyDictionary[object, Counted] = weakref.WeakKeyDictionary()


async def interest(
    session: AsyncSession, places: Gazetteer, covered: Coverage, districts: list[str], now: datetime
) -> Counted:
    """The counts, from memory while they are younger than COUNT_EVERY and the offers the same."""
    first, following = month_span(now)
    key = (covered.key, first)
    engine = session.get_bind()
    kept = _KEPT.get(engine)
    if kept is not None and kept.key == key and timedelta(0) <= now - kept.at < COUNT_EVERY:
        return kept
    made = await _count(session, places, key, districts, now, first, following)
    _KEPT[engine] = made
    return made


def _counted(counts: Select[int, int]) -> Select[*tuple[Any, ...]]:
    """(offer id, title, place, lat, lon, count) of published offers in the state from a
    subquery of (offer_id, n): the counts first, then each offer by its key (SQLite's planner
    would otherwise walk every offer)."""
    offer = (Offer.id, Offer.title, Offer.place_name, Offer.latitude, Offer.longitude)
    per_offer = counts.subquery()
    return (
        select(*offer, per_offer.c.n)
        .select_from(per_offer)
        .join(Offer, Offer.id == per_offer.c.offer_id)
        .where(Offer.status == OfferStatus.PUBLISHED, in_box(Offer.latitude, Offer.longitude))
    )


async def _per_offer(
    session: AsyncSession,
    statement: Select[*tuple[Any, ...]],
    locate: _Locator,
    found: dict[int, tuple[str, str, str]],
) -> dict[int, int]:
    out: dict[int, int] = {}
    connection = await session.connection()  # plain rows: thousands of them
    for offer_id, title, place_name, lat, lon, count in (await connection.execute(statement)).all():
        ags = locate(lat, lon)
        if ags:
            out[offer_id] = count
            found[offer_id] = (title, place_name, ags[:5])
    return out


def _tree(counts: dict[int, int], district_of: dict[int, str], keys: list[str]) -> dict[str, Shown]:
    """Counts per offer ("o<id>") under their districts under the state, hidden where small.
    Offers with no count are left out: a reader knows they are 0."""
    values = {STATE: 0, **dict.fromkeys(keys, 0)}
    parts: dict[str, list[str]] = {k: [] for k in keys}
    for offer_id, count in counts.items():
        d = district_of[offer_id]
        if d not in parts:
            continue
        values[f"o{offer_id}"] = count
        values[d] += count
        values[STATE] += count
        parts[d].append(f"o{offer_id}")
    return suppress(values, [(STATE, keys)] + [(d, ps) for d, ps in parts.items() if ps])


def _order(i: Interest) -> tuple[int, str, int]:
    """Most interest first, by what is shown only (the order must not tell a hidden count)."""
    shown = (i.reminders.number or 0) + (i.coming.number or 0)
    return (-shown, i.title.casefold(), i.offer_id)


async def _count(
    session: AsyncSession,
    places: Gazetteer,
    key: tuple[CoverageKey, datetime],
    districts: list[str],
    now: datetime,
    first: datetime,
    following: datetime,
) -> Counted:
    locate = locator(places)
    found: dict[int, tuple[str, str, str]] = {}
    reminders = await _per_offer(
        session,
        _counted(select(Reminder.offer_id, func.count().label("n")).group_by(Reminder.offer_id)),
        locate,
        found,
    )
    coming = await _per_offer(
        session,
        _counted(
            select(Attendance.offer_id, func.count().label("n"))
            .where(
                Attendance.coming.is_(True),
                Attendance.starts_at >= first,
                Attendance.starts_at < following,
            )
            .group_by(Attendance.offer_id)
        ),
        locate,
        found,
    )
    district_of = {offer_id: f[2] for offer_id, f in found.items()}
    reminders_shown, coming_shown = (
        _tree(reminders, district_of, districts),
        _tree(coming, district_of, districts),
    )
    offers: dict[str, list[Interest]] = {}
    for offer_id, (title, place_name, district) in found.items():
        if district in reminders_shown:
            offers.setdefault(district, []).append(
                Interest(
                    offer_id,
                    title,
                    place_name,
                    district,
                    reminders_shown.get(f"o{offer_id}", Shown(0)),
                    coming_shown.get(f"o{offer_id}", Shown(0)),
                )
            )
    return Counted(
        key,
        now,
        {k: reminders_shown[k] for k in (STATE, *districts)},
        {k: coming_shown[k] for k in (STATE, *districts)},
        {d: tuple(sorted(items, key=_order)) for d, items in offers.items()},
    )
