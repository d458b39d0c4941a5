"""Example offers across Sachsen-Anhalt, so a fresh install has something to find.

Every one is marked `is_example` and says so in its title; `nahbar run` seeds them only into an
empty database, and by default only for the terminal chat (NAHBAR_DEMO_DATA: auto, true, false).
`nahbar demo remove` deletes them again.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from . import occurrences
from .accessibility import Wheelchair, YesNo
from .base import rowcount, utcnow
from .offers import Cost, Occurrence, Offer, OfferStatus
from .schedule import Schedule, to_local

# place, lat, lon, category, title, weekday-rule or None (one-off), start hour, minutes, cost
_EXAMPLES = [
    (
        "Wernigerode",
        51.8352,
        10.7853,
        "cafe",
        "Adventscafé im Pfarrhaus",
        "FREQ=WEEKLY;BYDAY=TU",
        15,
        120,
        Cost.DONATION,
    ),
    (
        "Wernigerode",
        51.8290,
        10.7770,
        "walk",
        "Gemeinsamer Spaziergang am Schlossberg",
        "FREQ=WEEKLY;BYDAY=SA",
        10,
        90,
        Cost.FREE,
    ),
    (
        "Ilsenburg",
        51.8666,
        10.6791,
        "warm_room",
        "Warme Stube im Bürgerhaus",
        "FREQ=WEEKLY;BYDAY=MO,TH",
        11,
        300,
        Cost.FREE,
    ),
    (
        "Quedlinburg",
        51.7890,
        11.1413,
        "baking",
        "Plätzchen backen für Jung und Alt",
        None,
        14,
        180,
        Cost.PRICE,
    ),
    (
        "Quedlinburg",
        51.7920,
        11.1460,
        "talk",
        "Gesprächskreis „Erzählen Sie mal“",
        "FREQ=MONTHLY;BYDAY=1WE",
        16,
        90,
        Cost.FREE,
    ),
    (
        "Halberstadt",
        51.8958,
        11.0470,
        "generations",
        "Spielenachmittag mit der Grundschule",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE",
        15,
        120,
        Cost.FREE,
    ),
    (
        "Thale",
        51.7490,
        11.0410,
        "walk",
        "Bodetal-Runde für alle",
        "FREQ=MONTHLY;BYDAY=1SA",
        10,
        120,
        Cost.FREE,
    ),
    (
        "Magdeburg",
        52.1315,
        11.6399,
        "cafe",
        "Nachbarschaftscafé Sudenburg",
        "FREQ=WEEKLY;BYDAY=FR",
        14,
        150,
        Cost.DONATION,
    ),
    (
        "Magdeburg",
        52.1400,
        11.6200,
        "warm_room",
        "Warme Stube im Stadtteiltreff",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        10,
        360,
        Cost.FREE,
    ),
    (
        "Schönebeck",
        52.0160,
        11.7310,
        "creative",
        "Weihnachtsgrüße basteln für Nachbarn",
        None,
        15,
        120,
        Cost.FREE,
    ),
    (
        "Halle (Saale)",
        51.4825,
        11.9697,
        "talk",
        "Offener Gesprächskreis im Quartier",
        "FREQ=WEEKLY;BYDAY=TH",
        17,
        90,
        Cost.FREE,
    ),
    (
        "Halle (Saale)",
        51.4960,
        11.9550,
        "help",
        "Nachbarschaftshilfe-Sprechstunde",
        "FREQ=WEEKLY;BYDAY=TU",
        10,
        120,
        Cost.FREE,
    ),
    (
        "Dessau-Roßlau",
        51.8330,
        12.2460,
        "cafe",
        "Seniorencafé im Gemeindehaus",
        "FREQ=WEEKLY;BYDAY=WE",
        14,
        120,
        Cost.DONATION,
    ),
    (
        "Lutherstadt Wittenberg",
        51.8668,
        12.6466,
        "baking",
        "Stollen backen im Gemeindehaus",
        None,
        9,
        240,
        Cost.PRICE,
    ),
    (
        "Kemberg",
        51.7720,
        12.6320,
        "cafe",
        "Dorfcafé am Markt",
        "FREQ=MONTHLY;BYDAY=-1SU",
        14,
        150,
        Cost.DONATION,
    ),
    (
        "Stendal",
        52.6060,
        11.8580,
        "generations",
        "Vorlesen für Groß und Klein",
        "FREQ=WEEKLY;BYDAY=SA",
        10,
        60,
        Cost.FREE,
    ),
    (
        "Salzwedel",
        52.8520,
        11.1530,
        "warm_room",
        "Warme Stube in der Kirche St. Marien",
        "FREQ=WEEKLY;BYDAY=TU,TH",
        12,
        240,
        Cost.FREE,
    ),
    (
        "Arendsee",
        52.8840,
        11.4870,
        "walk",
        "Spaziergang am See",
        "FREQ=WEEKLY;BYDAY=SU",
        10,
        90,
        Cost.FREE,
    ),
    (
        "Gardelegen",
        52.5260,
        11.3950,
        "creative",
        "Strickkreis mit Adventsbasar",
        "FREQ=WEEKLY;BYDAY=MO",
        15,
        120,
        Cost.FREE,
    ),
    (
        "Havelberg",
        52.8300,
        12.0740,
        "cafe",
        "Adventscafé im Dom-Gemeindesaal",
        None,
        15,
        150,
        Cost.DONATION,
    ),
    (
        "Bernburg (Saale)",
        51.7940,
        11.7400,
        "talk",
        "Trauercafé – reden hilft",
        "FREQ=MONTHLY;BYDAY=2TU",
        15,
        90,
        Cost.FREE,
    ),
    (
        "Zerbst/Anhalt",
        51.9680,
        12.0840,
        "cafe",
        "Kaffeeklatsch im Rathaus",
        "FREQ=WEEKLY;BYDAY=TH",
        14,
        120,
        Cost.DONATION,
    ),
    (
        "Köthen (Anhalt)",
        51.7520,
        11.9730,
        "baking",
        "Suppenküche zum Mitkochen",
        "FREQ=WEEKLY;BYDAY=WE",
        11,
        150,
        Cost.PRICE,
    ),
    (
        "Naumburg (Saale)",
        51.1500,
        11.8100,
        "generations",
        "Generationen-Chor",
        "FREQ=WEEKLY;BYDAY=MO",
        18,
        90,
        Cost.FREE,
    ),
    (
        "Weißenfels",
        51.2000,
        11.9680,
        "walk",
        "Saale-Spaziergang mit Pausen",
        "FREQ=WEEKLY;BYDAY=WE",
        10,
        60,
        Cost.FREE,
    ),
    (
        "Hohenmölsen",
        51.1570,
        12.0990,
        "warm_room",
        "Warme Stube im Vereinsheim",
        "FREQ=WEEKLY;BYDAY=TU,FR",
        13,
        180,
        Cost.FREE,
    ),
    (
        "Merseburg",
        51.3550,
        11.9930,
        "help",
        "Handy-Sprechstunde: Jugendliche helfen",
        "FREQ=MONTHLY;BYDAY=1MO",
        16,
        90,
        Cost.FREE,
    ),
    (
        "Sangerhausen",
        51.4720,
        11.2980,
        "cafe",
        "Rosencafé für Alleinstehende",
        "FREQ=WEEKLY;BYDAY=SU",
        15,
        120,
        Cost.DONATION,
    ),
    (
        "Aschersleben",
        51.7560,
        11.4600,
        "creative",
        "Kerzen ziehen im Advent",
        None,
        14,
        120,
        Cost.PRICE,
    ),
    (
        "Möckern",
        52.1410,
        11.9520,
        "cafe",
        "Dorfgemeinschaftsnachmittag",
        "FREQ=MONTHLY;BYDAY=3SA",
        14,
        180,
        Cost.FREE,
    ),
    (
        "Haldensleben",
        52.2890,
        11.4090,
        "talk",
        "Männerstammtisch ohne Alkohol",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
        18,
        120,
        Cost.FREE,
    ),
    (
        "Burg",
        52.2720,
        11.8550,
        "warm_room",
        "Warme Stube im Familienzentrum",
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH",
        10,
        300,
        Cost.FREE,
    ),
]

_SERIES_START = datetime(2026, 1, 5)  # recurring examples run from early 2026 on
_HOLIDAYS = ["2026-12-24", "2026-12-25", "2026-12-26", "2026-12-31", "2027-01-01"]  # exceptions


def example_offers(now: datetime) -> list[Offer]:
    today = to_local(now).date()
    offers = []
    for n, (place, lat, lon, kind, title, rule, hour, minutes, cost) in enumerate(_EXAMPLES):
        if rule:  # from the rule's first date on: a calendar file names it as the first date
            start = Schedule(
                datetime.combine(_SERIES_START.date(), time(hour)), timedelta(minutes=minutes), rule
            ).first_start()
        else:  # one-off examples fall in the coming days so there is always something near
            start = datetime.combine(today + timedelta(days=2 + n % 9), time(hour))
        offers.append(
            Offer(
                title=f"{title} (Beispiel)",
                # The detail view says "example" itself (is_example): the text does not repeat it.
                description=(
                    "Kommen Sie vorbei, trinken Sie einen Kaffee mit uns und lernen Sie Ihre "
                    "Nachbarinnen und Nachbarn kennen. Niemand muss etwas mitbringen."
                ),
                category=kind,
                organiser="Beispiel-Verein e. V.",
                venue_name="Gemeindehaus" if n % 3 else "Bürgerhaus",
                address=f"Marktplatz {1 + n % 12}, {place}",
                place_name=place,
                latitude=lat,
                longitude=lon,
                wheelchair=(Wheelchair.YES, Wheelchair.LIMITED, Wheelchair.YES, Wheelchair.NO)[
                    n % 4
                ],
                toilets_wheelchair=YesNo.YES if n % 2 == 0 else None,
                audio_loop=YesNo.YES if n % 5 == 0 else None,
                cost=cost,
                price="3 € inkl. Material" if cost is Cost.PRICE else "",
                contact="Telefon 0391 000000 (Beispiel)",
                status=OfferStatus.PUBLISHED,
                is_example=True,
                starts_local=start,
                duration_minutes=minutes,
                rrule=rule,
                exdates=_HOLIDAYS if rule else [],
            )
        )
    return offers


async def seed_if_empty(session: AsyncSession, now: datetime | None = None) -> int:
    """Add the examples when there are no offers at all; returns how many were added."""
    if await session.scalar(select(func.count()).select_from(Offer)):
        return 0
    now = now or utcnow()
    offers = example_offers(now)
    session.add_all(offers)
    await session.flush()
    for offer in offers:
        await occurrences.refresh(session, offer, now)
    return len(offers)


async def remove_examples(session: AsyncSession) -> int:
    """Delete every example offer and its dates; returns how many offers went."""
    examples = select(Offer.id).where(Offer.is_example.is_(True))
    # Explicitly, not through the foreign key's cascade: SQLite enforces it only when asked.
    await session.execute(delete(Occurrence).where(Occurrence.offer_id.in_(examples)))
    result = await session.execute(delete(Offer).where(Offer.is_example.is_(True)))
    return rowcount(result)
