"""The picture coordinators see (/lage, /koordination, exports, the monthly report): per
municipality the offers of the next 14 days, offers per 10,000 residents, white spots and
unmet searches per month; per district the stale offers (listed: offers are public, their
organisers are not named), and reminders asked for and "Ich komme" answers, per district and
per offer. Every count about people goes through publish.suppression before anyone sees it.

What depends on the offers only comes from models.offer_coverage (worked out once per change),
reminders and "Ich komme" from models.interest (counted every few minutes); searches without a
result and whether organisers are still there are read fresh for each view. Counts about
people are hidden for the whole state at once, then cut to the coordinator's district, so a
district sees the same hidden cells as the state does and nothing of its neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from places import Gazetteer
from places.municipalities import MapData, Outline, load
from publish.suppression import Shown, suppress

from .coordination import Scope
from .interest import Interest, interest
from .offer_coverage import STALE_AFTER, StaleOffer, coverage
from .schedule import BERLIN
from .unmet import unmet_by_month
from .users import User

STATE = "15"


@dataclass
class Municipality:
    outline: Outline
    offers: int = 0  # offers with a date in the next 14 days located here
    white_spot: bool = False
    unmet: dict[str, Shown] = field(default_factory=dict)  # month -> shown count

    @property
    def rate(self) -> float | None:
        """Offers per 10,000 residents (None: residents unknown)."""
        r = self.outline.residents
        return self.offers * 10_000 / r if r else None


@dataclass
class District:
    key: str
    name: str
    offers: int = 0
    white_spots: int = 0
    unmet: dict[str, Shown] = field(default_factory=dict)
    stale: int = 0  # offers, which are public: shown as they are
    reminders: Shown = Shown(0)
    coming: Shown = Shown(0)


@dataclass
class Situation:
    scope: Scope
    now: datetime
    months: list[str]  # newest last
    map: MapData
    municipalities: list[Municipality]
    districts: list[District]
    offers_day: date  # offers, white spots and stale offers: the 14 days from this day
    counted_at: datetime  # reminders and "Ich komme" as counted then (models.interest)
    stale: list[StaleOffer] = field(default_factory=list)  # in scope, by municipality
    interest: dict[str, tuple[Interest, ...]] = field(
        default_factory=dict
    )  # district -> offers, most first
    # The state's totals: only for a coordinator of the whole state.
    total_unmet: dict[str, Shown] = field(default_factory=dict)
    total_stale: int | None = None
    total_reminders: Shown | None = None
    total_coming: Shown | None = None

    @property
    def offers(self) -> int:
        return sum(m.offers for m in self.municipalities)

    @property
    def white_spots(self) -> list[Municipality]:
        return [m for m in self.municipalities if m.white_spot]

    @property
    def counted_month(self) -> str:
        """The month whose "Ich komme" answers are counted: the current one ("2026-12")."""
        return self.counted_at.astimezone(BERLIN).strftime("%Y-%m")

    @property
    def offers_today(self) -> bool:
        """Whether the newest month shown is the month of `offers_day`. A past month's report
        shows today's offers all the same: the offers of past months are not kept."""
        return self.months[-1] == self.offers_day.strftime("%Y-%m")


def months_before(now: datetime, count: int, last: str | None = None) -> list[str]:
    """The `count` months up to the current one (or up to `last`, "2026-12"), oldest first."""
    local = now.astimezone(BERLIN)
    year, month = (int(x) for x in last.split("-")) if last else (local.year, local.month)
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _tree(
    values_by_ags: dict[str, int], outlines: tuple[Outline, ...]
) -> tuple[dict[str, int], list[tuple[str, list[str]]]]:
    values: dict[str, int] = {STATE: 0}
    districts: dict[str, list[str]] = {}
    for o in outlines:
        v = values_by_ags.get(o.ags, 0)
        values[o.ags] = v
        values[o.district] = values.get(o.district, 0) + v
        values[STATE] += v
        districts.setdefault(o.district, []).append(o.ags)
    groups = [(STATE, sorted(districts))] + [(d, ms) for d, ms in sorted(districts.items())]
    return values, groups


async def _silent(
    session: AsyncSession, stale: tuple[StaleOffer, ...], now: datetime
) -> list[StaleOffer]:
    """The stale offers whose organiser has not written for 60 days (or has none: imported)."""
    owners = sorted({s.owner_id for s in stale if s.owner_id is not None})
    active: set[int] = set()
    for n in range(0, len(owners), 500):
        active |= set(
            await session.scalars(
                select(User.id).where(
                    User.id.in_(owners[n : n + 500]), User.last_seen_at >= now - STALE_AFTER
                )
            )
        )
    return [s for s in stale if s.owner_id not in active]


async def situation(
    session: AsyncSession,
    places: Gazetteer,
    scope: Scope,
    now: datetime,
    months: int = 3,
    last_month: str | None = None,
) -> Situation:
    """The picture for `scope`; unmet searches for `months` months up to the current one (or
    `last_month`); offers, white spots and stale offers as of `now`."""
    data = load()
    month_keys = months_before(now, months, last_month)
    covered = await coverage(session, places, now)
    district_keys = sorted({o.district for o in data.outlines})

    # Unmet searches, hidden where small, for the whole tree at once.
    unmet = await unmet_by_month(session, month_keys)
    shown_unmet = {m: suppress(*_tree(unmet[m], data.outlines)) for m in month_keys}

    # Reminders and "Ich komme" for dates this month, per offer and district, hidden where small.
    counted = await interest(session, places, covered, district_keys, now)

    stale = await _silent(session, tuple(s for s in covered.stale if scope.covers(s.ags)), now)
    stale_per: dict[str, int] = {}
    for s in stale:
        stale_per[s.ags[:5]] = stale_per.get(s.ags[:5], 0) + 1

    municipalities = []
    districts: dict[str, District] = {}
    for o in data.outlines:
        if not scope.covers(o.ags):
            continue
        m = Municipality(
            o,
            offers=covered.offers.get(o.ags, 0),
            white_spot=o.ags in covered.white_spots,
            unmet={month: shown_unmet[month][o.ags] for month in month_keys},
        )
        municipalities.append(m)
        d = districts.get(o.district)
        if d is None:
            d = districts[o.district] = District(
                o.district,
                data.district_name(o.district),
                unmet={month: shown_unmet[month][o.district] for month in month_keys},
                stale=stale_per.get(o.district, 0),
                reminders=counted.reminders[o.district],
                coming=counted.coming[o.district],
            )
        d.offers += m.offers
        d.white_spots += m.white_spot
    picture = Situation(
        scope,
        now,
        month_keys,
        data,
        municipalities,
        sorted(districts.values(), key=lambda d: d.name),
        covered.day,
        counted.at,
        stale,
        {d: counted.offers.get(d, ()) for d in districts},
    )
    if scope.whole_state:
        picture.total_unmet = {month: shown_unmet[month][STATE] for month in month_keys}
        picture.total_stale = len(stale)
        picture.total_reminders = counted.reminders[STATE]
        picture.total_coming = counted.coming[STATE]
    return picture
