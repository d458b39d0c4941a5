"""What coordinators take away: the map as a PNG (for the chat), CSV files of every table they
see, and the monthly district report as an A4 PDF for mayors (`nahbar bericht`, /koordination).

Typst typesets the report (`report.typ`) and rasterises the map; every value travels as JSON
input and is read there as text, never spliced into markup. Counts about people arrive already
suppressed (models.situation), so nothing here can show a count below 5.
"""

from __future__ import annotations

import csv
import io
import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from babel.dates import format_date

from handlers.i18n import Translator
from models.schedule import BERLIN
from models.situation import Situation

from . import map as drawing
from .notice import _fonts
from .suppression import LESS

TEMPLATE = Path(__file__).with_name("report.typ")
PICTURE = Path(__file__).with_name("picture.typ")


def _typst(template: Path, data: dict, svg: str, fmt: str, ppi: int = 144) -> bytes:
    import typst  # when a picture is made, not at every start of the bot

    inputs = {"data": json.dumps(data, ensure_ascii=False), "map": svg}
    return typst.compile(
        str(template),
        format=fmt,
        font_paths=_fonts(),
        ignore_system_fonts=True,
        sys_inputs=inputs,
        **({"ppi": ppi} if fmt == "png" else {}),
    )


def _standalone(t: Translator, picture: Situation) -> str:
    return str(drawing.svg(t, picture))


def map_png(t: Translator, picture: Situation) -> bytes:
    """The map with its legend as a PNG, for the chat; the same drawing gives the same picture,
    so the newest few are kept (typesetting one takes about 40 ms)."""
    drawn = _standalone(t, picture)
    key = (t.language, picture.map.attribution, drawn)
    png = _PICTURES.get(key)
    if png is None:
        data = {
            "legend": [{"colour": c, "label": label} for c, label in drawing.legend(t)],
            "hatch": drawing.HATCH,
            "white": str(t("white spot: no offer within 10 km")),
            "attribution": picture.map.attribution,
        }
        png = _PICTURES[key] = _typst(PICTURE, data, drawn, "png")
        while len(_PICTURES) > drawing.KEEP:
            _PICTURES.popitem(last=False)
    _PICTURES.move_to_end(key)
    return png


_PICTURES: OrderedDict[tuple, bytes] = OrderedDict()


def _area_name(picture: Situation) -> str:
    if picture.scope.whole_state:
        return "Sachsen-Anhalt"
    return picture.map.district_name(picture.scope.district)


def month_label(t: Translator, month: str) -> str:
    year, number = (int(x) for x in month.split("-"))
    return format_date(date(year, number, 1), "MMMM yyyy", locale=t.language)


Table = tuple[list[str], list[list[str]]]  # header, rows


def _municipalities(t: Translator, picture: Situation) -> Table:
    months = picture.months
    return (
        [
            str(t("Municipality")),
            str(t("Key")),
            str(t("District")),
            str(t("Residents (estimate)")),
            str(t("Offers in the next 14 days")),
            str(t("Offers per 10,000 residents")),
            str(t("White spot")),
        ]
        + [str(t("Searches without result {month}", month=m)) for m in months],
        [
            [
                m.outline.name,
                m.outline.ags,
                picture.map.district_name(m.outline.district),
                str(m.outline.residents or ""),
                str(m.offers),
                "" if m.rate is None else f"{m.rate:.1f}".replace(".", ","),
                str(t("yes")) if m.white_spot else str(t("no")),
            ]
            + [str(m.unmet[month]) for month in months]
            for m in picture.municipalities
        ],
    )


def coming_header(t: Translator, picture: Situation) -> str:
    return str(t("“I am coming” for dates in {month}", month=month_label(t, picture.counted_month)))


def _districts(t: Translator, picture: Situation) -> Table:
    months = picture.months
    rows = [
        [d.name, d.key, str(d.offers), str(d.white_spots)]
        + [str(d.unmet[m]) for m in months]
        + [str(d.stale), str(d.reminders), str(d.coming)]
        for d in picture.districts
    ]
    if picture.scope.whole_state:
        rows.append(
            [
                str(t("Sachsen-Anhalt in total")),
                "15",
                str(picture.offers),
                str(len(picture.white_spots)),
            ]
            + [str(picture.total_unmet[m]) for m in months]
            + [str(picture.total_stale), str(picture.total_reminders), str(picture.total_coming)]
        )
    return (
        [
            str(t("District")),
            str(t("Key")),
            str(t("Offers in the next 14 days")),
            str(t("White spots")),
        ]
        + [str(t("Searches without result {month}", month=m)) for m in months]
        + [str(t("Stale offers")), str(t("Reminders asked for")), coming_header(t, picture)],
        rows,
    )


def _stale(t: Translator, picture: Situation) -> Table:
    names = {o.ags: o.name for o in picture.map.outlines}
    return (
        [
            str(t("District")),
            str(t("Municipality")),
            str(t("Offer")),
            str(t("Place")),
            str(t("Number")),
            str(t("Last changed")),
        ],
        [
            [
                picture.map.district_name(s.ags[:5]),
                names.get(s.ags, s.ags),
                s.title,
                s.place_name,
                str(s.id),
                format_date(s.changed.astimezone(BERLIN).date(), "medium", locale=t.language),
            ]
            for s in picture.stale
        ],
    )


def _interest(t: Translator, picture: Situation) -> Table:
    return (
        [
            str(t("District")),
            str(t("Offer")),
            str(t("Place")),
            str(t("Number")),
            str(t("Reminders asked for")),
            coming_header(t, picture),
        ],
        [
            [
                picture.map.district_name(i.district),
                i.title,
                i.place_name,
                str(i.offer_id),
                str(i.reminders),
                str(i.coming),
            ]
            for d in picture.districts
            for i in picture.interest.get(d.key, ())
        ],
    )


TABLES = {
    "gemeinden": _municipalities,
    "kreise": _districts,
    "veraltet": _stale,
    "interesse": _interest,
}


def tables(t: Translator, picture: Situation, names=tuple(TABLES)) -> dict[str, Table]:
    """The tables asked for (every one shown, by the name of its CSV file): (header, rows) with
    counts as shown ("< 5", "•")."""
    return {name: TABLES[name](t, picture) for name in names}


def csv_file(header: list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte order mark and semicolons, as German spreadsheet programs expect;
    cells starting with = + - @ are quoted with a leading apostrophe (no formulas)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in [header, *rows]:
        writer.writerow([f"'{c}" if c[:1] in ("=", "+", "-", "@") else c for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def offers_as_of(t: Translator, picture: Situation):
    """What the offers' numbers and the map are as of; a past month's report says that they are
    today's (the offers of past months are not kept)."""
    day = format_date(picture.offers_day, "long", locale=t.language)
    if picture.offers_today:
        return t("Offers and white spots: the 14 days from {day}.", day=day)
    return t(
        "Offers and white spots: the 14 days from {day}, not {month} – the offers of past months "
        "are not kept.",
        day=day,
        month=month_label(t, picture.months[-1]),
    )


def area_total(picture: Situation, name: str):
    """The area's reminders or "Ich komme" answers ("reminders", "coming"), as they may be shown."""
    if picture.scope.whole_state:
        return getattr(picture, f"total_{name}")
    return getattr(picture.districts[0], name) if picture.districts else "0"


def unmet_total(picture: Situation, month: str):
    """The area's searches without a result in a month, as it may be shown."""
    if picture.scope.whole_state:
        return picture.total_unmet[month]
    return picture.districts[0].unmet[month] if picture.districts else "0"


@dataclass(frozen=True)
class Report:
    pdf: bytes
    filename: str


def report_pdf(t: Translator, picture: Situation) -> Report:
    """The monthly report of a district (or the state) on A4: the map, the numbers, white
    spots, and what the counts mean."""
    month = picture.months[-1]
    area = _area_name(picture)
    municipalities_header, municipalities = _municipalities(t, picture)
    data = {
        "lang": t.language,
        "title": t("Meeting offers in {area}", area=area).unescape(),  # Typst takes text, not HTML
        "month": t("Monthly report for {month}", month=month_label(t, month)).unescape(),
        "summary": [
            line.unescape()
            for line in (  # Typst takes text, not HTML
                t.n(
                    "{count} offer with a date in the next 14 days",
                    "{count} offers with a date in the next 14 days",
                    picture.offers,
                ),
                t(
                    "{count} of {total} municipalities are white spots (no offer within 10 km)",
                    count=len(picture.white_spots),
                    total=len(picture.municipalities),
                ),
                t(
                    "Searches without a result in {month}: {count}",
                    month=month_label(t, month),
                    count=str(unmet_total(picture, month)),
                ),
                t.n(
                    "{count} stale offer (no date in 60 days, organiser silent)",
                    "{count} stale offers (no date in 60 days, organiser silent)",
                    len(picture.stale),
                ),
                t(
                    "Reminders asked for: {reminders}; “I am coming” for dates in {month}: "
                    "{coming}",
                    reminders=str(area_total(picture, "reminders")),
                    coming=str(area_total(picture, "coming")),
                    month=month_label(t, picture.counted_month),
                ),
            )
        ],
        "asof": offers_as_of(t, picture).unescape(),
        "legend": [{"colour": c, "label": label} for c, label in drawing.legend(t)],
        "hatch": drawing.HATCH,
        "white": str(t("white spot: no offer within 10 km")),
        "header": [
            municipalities_header[0],
            municipalities_header[4],
            municipalities_header[5],
            municipalities_header[6],
            str(t("Searches without result")),
        ],
        "rows": [[r[0], r[4], r[5], r[6], r[-1]] for r in municipalities],
        "note": t(
            "Counts from 1 to 4 are shown as “{small}”; “•” hides a count that would give a small "
            "one away. Nobody can be recognised in these numbers: searches are counted per "
            "municipality and month only, without any person, chat or time.",
            small=LESS,
        ).unescape(),
        "attribution": picture.map.attribution,
    }
    pdf = _typst(TEMPLATE, data, _standalone(t, picture), "pdf")
    slug = "".join(c if c.isalnum() else "-" for c in area.casefold()).strip("-")
    return Report(pdf, f"nahbar-bericht-{slug}-{month}.pdf")
