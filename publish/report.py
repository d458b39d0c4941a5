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
from dataclasses import dataclass
from pathlib import Path

import typst

from handlers.i18n import Translator
from models.situation import Situation

from . import map as drawing
from .notice import _fonts

TEMPLATE = Path(__file__).with_name("report.typ")
PICTURE = Path(__file__).with_name("picture.typ")


def _typst(template: Path, data: dict, svg: str, fmt: str, ppi: int = 144) -> bytes:
    inputs = {"data": json.dumps(data, ensure_ascii=False), "map": svg}
    return typst.compile(str(template), format=fmt, font_paths=_fonts(), ignore_system_fonts=True,
                         sys_inputs=inputs, **({"ppi": ppi} if fmt == "png" else {}))


def _standalone(t: Translator, picture: Situation) -> str:
    return str(drawing.svg(t, picture))


def map_png(t: Translator, picture: Situation) -> bytes:
    """The map with its legend as a PNG, for the chat."""
    data = {"legend": [{"colour": c, "label": label} for c, label in drawing.legend(t)],
            "hatch": drawing.HATCH, "white": str(t("white spot: no offer within 10 km")),
            "attribution": picture.map.attribution}
    return _typst(PICTURE, data, _standalone(t, picture), "png")


def _area_name(picture: Situation) -> str:
    if picture.scope.whole_state:
        return "Sachsen-Anhalt"
    return picture.map.district_name(picture.scope.district)


def month_label(t: Translator, month: str) -> str:
    from babel.dates import format_date
    from datetime import date

    year, number = (int(x) for x in month.split("-"))
    return format_date(date(year, number, 1), "MMMM yyyy", locale=t.language)


def tables(t: Translator, picture: Situation) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Every table shown, by name: (header, rows) with counts as shown ("< 5", "•")."""
    months = picture.months
    municipalities = (
        [str(t("Municipality")), str(t("Key")), str(t("District")), str(t("Residents (estimate)")),
         str(t("Offers in the next 14 days")), str(t("Offers per 10,000 residents")), str(t("White spot"))]
        + [str(t("Searches without result {month}", month=m)) for m in months],
        [[m.outline.name, m.outline.ags, picture.map.district_name(m.outline.district),
          str(m.outline.residents or ""), str(m.offers),
          "" if m.rate is None else f"{m.rate:.1f}".replace(".", ","),
          str(t("yes")) if m.white_spot else str(t("no"))]
         + [str(m.unmet[month]) for month in months] for m in picture.municipalities])
    district_rows = [[d.name, d.key, str(d.offers), str(d.white_spots)] + [str(d.unmet[m]) for m in months]
                     + [str(d.stale), str(d.reminders), str(d.coming)] for d in picture.districts]
    if picture.scope.whole_state:
        district_rows.append([str(t("Sachsen-Anhalt in total")), "15", str(picture.offers),
                              str(len(picture.white_spots))] + [str(picture.total_unmet[m]) for m in months]
                             + [str(picture.total_stale), str(picture.total_reminders), str(picture.total_coming)])
    districts = (
        [str(t("District")), str(t("Key")), str(t("Offers in the next 14 days")), str(t("White spots"))]
        + [str(t("Searches without result {month}", month=m)) for m in months]
        + [str(t("Stale offers")), str(t("Reminders asked for")), str(t("“I am coming” this month"))],
        district_rows)
    return {"gemeinden": municipalities, "kreise": districts}


def csv_file(header: list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte order mark and semicolons, as German spreadsheet programs expect;
    cells starting with = + - @ are quoted with a leading apostrophe (no formulas)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in [header, *rows]:
        writer.writerow([f"'{c}" if c[:1] in ("=", "+", "-", "@") else c for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


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
    municipalities_header, municipalities = tables(t, picture)["gemeinden"]
    data = {
        "lang": t.language,
        "title": str(t("Meeting offers in {area}", area=area)),
        "month": str(t("Monthly report for {month}", month=month_label(t, month))),
        "summary": [
            str(t("{count} offers with a date in the next 14 days", count=picture.offers)),
            str(t("{count} of {total} municipalities are white spots (no offer within 10 km)",
                  count=len(picture.white_spots), total=len(picture.municipalities))),
            str(t("Searches without a result in {month}: {count}", month=month_label(t, month),
                  count=str(unmet_total(picture, month)))),
        ],
        "legend": [{"colour": c, "label": label} for c, label in drawing.legend(t)],
        "hatch": drawing.HATCH,
        "white": str(t("white spot: no offer within 10 km")),
        "header": [municipalities_header[0], municipalities_header[4], municipalities_header[5],
                   municipalities_header[6], str(t("Searches without result"))],
        "rows": [[r[0], r[4], r[5], r[6], r[-1]] for r in municipalities],
        "note": str(t("Counts from 1 to 4 are shown as “< 5”; “•” hides a count that would give a small "
                      "one away. Nobody can be recognised in these numbers: searches are counted per "
                      "municipality and month only, without any person, chat or time.")),
        "attribution": picture.map.attribution,
    }
    pdf = _typst(TEMPLATE, data, _standalone(t, picture), "pdf")
    slug = "".join(c if c.isalnum() else "-" for c in area.casefold()).strip("-")
    return Report(pdf, f"nahbar-bericht-{slug}-{month}.pdf")
