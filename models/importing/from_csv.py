"""Spreadsheets saved as CSV (Excel, LibreOffice, a town hall's list): the columns are documented
in docs/import.md; German or English headers, `;`, `,` or tab between cells.

Cells that cannot be read (a date like 31.02.2026, a time like 25:00, an unknown repeat word)
make the whole file a FileProblem with the row numbers, so a half-right file changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date, datetime, time, timedelta

from icalendar import vRecur

from places.text import fold

from ..schedule import MAX_DURATION
from . import records
from .category_words import category_of
from .records import FileProblem, Record
from .text import contact_line, line, paragraph
from .values import MAX_DAYS, cost_column, stored_rule

MAX_ROWS = 20_000
DEFAULT_DURATION = timedelta(hours=2)

# Column -> the header names that mean it, matched folded ("Straße" = "strasse" = "STRASSE").
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "uid", "key", "schlüssel", "kennung"),
    "title": ("title", "titel", "name", "veranstaltung", "angebot", "bezeichnung", "summary"),
    "description": ("description", "beschreibung", "text", "details", "info", "infos"),
    "category": ("category", "kategorie", "art", "typ", "rubrik"),
    "date": ("date", "datum", "startdatum", "start date", "von datum"),
    "end_date": ("end date", "enddatum", "bis datum", "bis zum"),
    "start": ("start", "beginn", "von", "uhrzeit", "zeit", "startzeit", "start time", "time"),
    "end": ("end", "ende", "bis", "endzeit", "end time"),
    "duration": ("duration", "dauer", "dauer minuten", "minuten"),
    "repeat": ("repeat", "wiederholung", "rhythmus", "turnus", "rrule", "regelmäßig"),
    "until": ("until", "wiederholung bis", "letzter termin", "endet am", "bis einschließlich"),
    "except": ("except", "ausnahmen", "außer", "entfällt am", "nicht am", "exdate"),
    "venue": ("venue", "veranstaltungsort", "treffpunkt", "raum", "lokal", "einrichtung"),
    "address": ("address", "adresse", "anschrift", "straße", "strasse", "straße und hausnummer"),
    "postcode": ("postcode", "plz", "postleitzahl", "zip"),
    "town": ("town", "ort", "stadt", "gemeinde", "ortschaft", "city", "place"),
    "location": ("location", "ortsangabe", "veranstaltungsadresse"),
    "latitude": ("latitude", "lat", "breitengrad", "breite"),
    "longitude": ("longitude", "lon", "lng", "längengrad", "länge"),
    "organiser": ("organiser", "organizer", "veranstalter", "träger", "anbieter", "verein"),
    "contact": ("contact", "kontakt", "telefon", "phone", "ansprechpartner", "e-mail", "email"),
    "url": ("url", "link", "website", "webseite", "internet", "homepage"),
    "cost": ("cost", "kosten", "preis", "price", "eintritt", "gebühr"),
    "status": ("status", "zustand"),
    # OpenStreetMap/Wheelmap keys (models.accessibility), and the words spreadsheets use for them.
    "wheelchair": (
        "rollstuhl",
        "rollstuhlgerecht",
        "barrierefrei",
        "stufenlos",
        "step free",
        "step_free",
        "wheelchair access",
    ),
    "toilets:wheelchair": (
        "toilets wheelchair",
        "wheelchair toilet",
        "accessible toilet",
        "accessible_toilet",
        "behindertentoilette",
        "barrierefreie toilette",
        "rollstuhlgerechte toilette",
        "rollstuhl wc",
    ),
    "audio_loop": (
        "audio loop",
        "hearing loop",
        "hearing_loop",
        "höranlage",
        "induktionsschleife",
        "ringschleife",
    ),
}
_HEADERS = {fold(name): column for column, names in COLUMNS.items() for name in (column, *names)}
_DELIMITERS = (";", ",", "\t")
_JOINED = {"contact"}  # "Telefon" and "E-Mail" side by side: both are kept

_YES = {fold(w) for w in ("ja", "yes", "true", "wahr", "1", "x", "j", "y")}
_NO = {fold(w) for w in ("nein", "no", "false", "falsch", "0", "n")}
_CANCELLED = {
    fold(w)
    for w in (
        "abgesagt",
        "cancelled",
        "canceled",
        "entfällt",
        "fällt aus",
        "storniert",
        "ausgefallen",
    )
}
_ACTIVE = {
    fold(w)
    for w in (
        "",
        "aktiv",
        "active",
        "ok",
        "published",
        "veröffentlicht",
        "findet statt",
        "confirmed",
        "bestätigt",
    )
}
_WEEKDAYS = {
    fold(name): code
    for code, names in {
        "MO": ("montag", "monday", "montags"),
        "TU": ("dienstag", "tuesday", "dienstags"),
        "WE": ("mittwoch", "wednesday", "mittwochs"),
        "TH": ("donnerstag", "thursday", "donnerstags"),
        "FR": ("freitag", "friday", "freitags"),
        "SA": ("samstag", "sonnabend", "saturday", "samstags"),
        "SU": ("sonntag", "sunday", "sonntags"),
    }.items()
    for name in names
}
_REPEAT_WORDS = {
    fold(w): rule
    for rule, words in {
        "": ("", "einmalig", "once", "nein", "no", "keine", "none", "-"),
        "FREQ=DAILY": ("täglich", "daily", "jeden tag", "every day"),
        "FREQ=WEEKLY": ("wöchentlich", "weekly", "jede woche", "every week"),
        "FREQ=WEEKLY;INTERVAL=2": (
            "14-täglich",
            "vierzehntägig",
            "vierzehntäglich",
            "zweiwöchentlich",
            "alle 2 wochen",
            "alle zwei wochen",
            "every 2 weeks",
            "every other week",
            "biweekly",
            "fortnightly",
        ),
        "monthly": ("monatlich", "monthly", "jeden monat", "every month"),
        "FREQ=YEARLY": ("jährlich", "yearly", "annually", "jedes jahr", "every year"),
    }.items()
    for w in words
}
_EVERY_RE = re.compile(r"^(?:jeden|jede|every)\s+(\w+)$", re.IGNORECASE)
_DATE_DE_RE = re.compile(r"^(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4}|\d{2})$")
_DATE_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WEEKDAY_PREFIX_RE = re.compile(r"^[A-Za-zÄÖÜäöü]{2,10}\.?,?\s+(?=\d)")
_TIME_RE = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(?::\d{2})?\s*(?:uhr|h)?$", re.IGNORECASE)
_RANGE_RE = re.compile(r"^(.+?)\s*(?:-|–|—|bis)\s*(.+)$", re.IGNORECASE)
_MINUTES_RE = re.compile(r"^(\d{1,4})\s*(?:min|minuten|minutes|m)?$", re.IGNORECASE)
_HOURS_RE = re.compile(r"^(\d{1,2}(?:[.,]\d+)?)\s*(?:h|std\.?|stunden|hours)$", re.IGNORECASE)


class _Bad(ValueError):
    """A cell that cannot be read; the message names the column and what was expected."""


def read_csv(text: str) -> list[Record]:
    delimiter, header = _header(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    problems: list[str] = []
    out: list[Record] = []
    keys: dict[str, int] = {}
    try:
        next(reader)
        for cells in reader:
            row = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(out) >= MAX_ROWS:
                raise FileProblem(f"too many rows (at most {MAX_ROWS} per file)")
            extra = cells[len(header) :]
            if any(c.strip() for c in extra):
                problems.append(f"row {row}: more cells than the header has columns")
                continue
            values: dict[str, str] = {}
            for column, cell in zip(header, cells, strict=False):  # a short row: cells left empty
                if column and cell.strip():
                    values[column] = " · ".join(filter(None, (values.get(column), cell.strip())))
            try:
                record = _record(values, row)
            except _Bad as exc:
                problems.append(f"row {row}: {exc}")
                continue
            if record.key in keys:
                record.skip = f"same id as row {keys[record.key]}"
                record.key = ""  # must not touch the offer of the first row
            else:
                keys[record.key] = row
            out.append(record)
    except csv.Error as exc:
        raise FileProblem(f"row {reader.line_num}: not readable as CSV ({exc})") from None
    if problems:
        raise FileProblem(problems)
    return out


def _header(text: str) -> tuple[str, list[str | None]]:
    """The delimiter under which the first line names the most known columns (more robust than
    csv.Sniffer on short files, where a comma inside a title can outvote the semicolons)."""
    first = text.split("\n", 1)[0]
    best: tuple[int, str, list[str | None]] = (-1, ";", [])
    for delimiter in _DELIMITERS:
        try:
            names = next(csv.reader([first], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        columns = [_HEADERS.get(fold(n)) for n in names]
        known = sum(c is not None for c in columns)
        if known > best[0]:
            best = (known, delimiter, columns)
    _, delimiter, columns = best
    seen = [c for c in columns if c]
    doubled = {c for c in seen if seen.count(c) > 1 and c not in _JOINED}
    missing = [c for c in ("title", "date") if c not in seen]
    if missing or doubled:
        why = (
            f"missing column(s) {', '.join(missing)}"
            if missing
            else f"column(s) given twice: {', '.join(sorted(doubled))}"
        )
        raise FileProblem(
            f"not a CSV file Nahbar can import: {why}. The first line must name the columns, "
            "at least title (Titel) and date (Datum); see docs/import.md"
        )
    return delimiter, columns


def _record(v: dict[str, str], row: int) -> Record:
    title = line(v.get("title"), records.TITLE)
    day = _date(v.get("date", ""), "date")
    start_text, end_text = v.get("start", ""), v.get("end", "")
    if start_text and not end_text:
        span = _RANGE_RE.match(start_text)
        if span and _TIME_RE.match(span.group(2).strip()):  # "15:00-17:00", "15 bis 17 Uhr"
            start_text, end_text = span.group(1), span.group(2)
    record = Record(key="", ref=f"row {row}", title=title)

    if start_text:
        record.start = datetime.combine(day, _time(start_text, "start"))
        record.duration = _duration(end_text, v.get("duration", ""), record.start)
        if record.duration > MAX_DURATION:
            record.skip = "lasts longer than 24 hours"
    else:  # no time: all day, midnight to midnight, every day up to end_date
        record.start = datetime.combine(day, time(0))
        record.duration = timedelta(hours=24)
        if v.get("end_date"):
            days = (_date(v["end_date"], "end_date") - day).days + 1
            if days < 1:
                raise _Bad("end_date is before date")
            if days > MAX_DAYS:
                record.skip = f"all-day event over {days} days"
            elif days > 1:
                record.rrule = f"FREQ=DAILY;COUNT={days}"

    rule = _repeat(v.get("repeat", ""), day)
    if rule:
        if record.rrule:
            record.skip = record.skip or "an all-day event over several days that repeats"
        else:
            try:
                parts = dict(vRecur.from_ical(rule))
            except ValueError:
                raise _Bad(f"repeat: {rule!r} is not a valid RRULE") from None
            if v.get("until"):
                parts.pop("COUNT", None)
                parts["UNTIL"] = [_date(v["until"], "until")]
            record.rrule, why_not = stored_rule(parts, record.start, record.duration)
            if why_not:
                raise _Bad(f"repeat: {why_not}")
    record.exdates = {_date(d, "except") for d in re.split(r"[,;\s]+", v.get("except", "")) if d}

    record.description = paragraph(v.get("description"), records.DESCRIPTION)
    record.category = category_of([v.get("category", "")], title)
    record.organiser = line(v.get("organiser"), records.ORGANISER)
    record.contact = contact_line(v.get("contact"), v.get("url"))
    record.cost, record.price = cost_column(v.get("cost", ""))
    record.access = {
        tag: _osm(v.get(tag, ""), tag, limited=tag == "wheelchair")
        for tag in ("wheelchair", "toilets:wheelchair", "audio_loop")
    }
    record.venue = line(v.get("venue"), records.VENUE)
    record.address = line(v.get("address"), records.ADDRESS)
    record.town = line(" ".join(x for x in (v.get("postcode", ""), v.get("town", "")) if x), 120)
    record.location = paragraph(v.get("location"), 400)
    record.geo = _geo(v.get("latitude", ""), v.get("longitude", ""))
    status = fold(v.get("status", ""))
    if status in _CANCELLED:
        record.cancelled = True
    elif status not in _ACTIVE:
        raise _Bad(f"status {v['status']!r} is neither empty nor 'abgesagt'/'cancelled'")
    if not title:
        record.skip = record.skip or "no title"
    record.key = _key(v, day)
    return record


def _key(v: dict[str, str], day: date) -> str:
    """The id column, else a key from title, date, time and place: changing one of those then
    reads as a new event (and the old one as removed)."""
    given = " ".join(v.get("id", "").split())
    if given:
        return (
            given
            if len(given) <= records.KEY
            else "sha256:" + hashlib.sha256(given.encode()).hexdigest()
        )
    parts = [
        fold(v.get(k, "")) for k in ("title", "start", "postcode", "town", "location", "address")
    ]
    raw = "|".join([day.isoformat(), *parts])
    return "row-" + hashlib.sha256(raw.encode()).hexdigest()[:24]


def _date(text: str, column: str) -> date:
    value = _WEEKDAY_PREFIX_RE.sub("", " ".join(text.split()))
    value = value.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2}[ T]\d", value) else value
    m = _DATE_DE_RE.match(value)
    try:
        if m:
            day, month, year = (int(g) for g in m.groups())
            return date(year + 2000 if year < 100 else year, month, day)
        m = _DATE_ISO_RE.match(value)
        if m:
            return date(*(int(g) for g in m.groups()))
    except ValueError:
        raise _Bad(f"{column}: {text!r} is not a date that exists") from None
    raise _Bad(f"{column}: {text!r} is not a date (write 24.12.2026 or 2026-12-24)")


def _time(text: str, column: str) -> time:
    m = _TIME_RE.match(" ".join(text.split()))
    if m:
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if hour <= 23 and minute <= 59:
            return time(hour, minute)
        if (hour, minute) == (24, 0) and column == "end":
            return time(0)
    raise _Bad(f"{column}: {text!r} is not a time (write 15:00)")


def _duration(end_text: str, duration_text: str, start: datetime) -> timedelta:
    if end_text:
        end = datetime.combine(start.date(), _time(end_text, "end"))
        if end <= start:
            end += timedelta(days=1)  # "20:00 to 1:00" goes past midnight
        return end - start
    text = " ".join(duration_text.split())
    if not text:
        return DEFAULT_DURATION
    m = _MINUTES_RE.match(text)
    if m and int(m.group(1)) > 0:
        return timedelta(minutes=int(m.group(1)))
    m = _HOURS_RE.match(text)
    if m and float(m.group(1).replace(",", ".")) > 0:
        return timedelta(minutes=round(float(m.group(1).replace(",", ".")) * 60))
    raise _Bad(f"duration: {text!r} is not a number of minutes (write 90 or 1,5 h)")


def _repeat(text: str, day: date) -> str | None:
    """An RRULE ("FREQ=WEEKLY;BYDAY=TU") or plain words ("wöchentlich", "jeden Dienstag")."""
    value = " ".join(text.split())
    if value.upper().startswith(("FREQ=", "RRULE:")):
        return (
            value.split(":", 1)[-1].upper() if value.upper().startswith("RRULE:") else value.upper()
        )
    key = fold(value)
    if key in _REPEAT_WORDS:
        rule = _REPEAT_WORDS[key]
        if rule == "monthly":  # the same weekday of the month as the first date: "1st Tuesday"
            nth = (day.day - 1) // 7 + 1
            code = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[day.weekday()]
            return f"FREQ=MONTHLY;BYDAY={-1 if nth == 5 else nth}{code}"
        return rule or None
    m = _EVERY_RE.match(value)
    if m and fold(m.group(1)) in _WEEKDAYS:
        return f"FREQ=WEEKLY;BYDAY={_WEEKDAYS[fold(m.group(1))]}"
    raise _Bad(
        f"repeat: {text!r} is not understood (write wöchentlich, 14-täglich, monatlich, "
        "jeden Dienstag or an RRULE such as FREQ=WEEKLY;BYDAY=TU)"
    )


_LIMITED = {fold(w) for w in ("limited", "teilweise", "eingeschränkt", "bedingt", "teils")}


def _osm(text: str, column: str, *, limited: bool) -> str | None:
    """An accessibility cell as its OSM value: ja/yes -> "yes", nein/no -> "no", and for
    wheelchair also teilweise/limited -> "limited" (Wheelmap: one step of at most 7 cm)."""
    key = fold(text)
    if limited and key in _LIMITED:
        return "limited"
    if key and key not in _YES and key not in _NO:
        raise _Bad(f"{column}: {text!r} is neither ja{', teilweise' if limited else ''} nor nein")
    answer = _yes_no(text, column)
    return None if answer is None else ("yes" if answer else "no")


def _yes_no(text: str, column: str) -> bool | None:
    key = fold(text)
    if not key:
        return None
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise _Bad(f"{column}: {text!r} is neither ja nor nein")


def _geo(lat_text: str, lon_text: str) -> tuple[float, float] | None:
    if not lat_text and not lon_text:
        return None
    try:
        lat, lon = float(lat_text.replace(",", ".")), float(lon_text.replace(",", "."))
    except ValueError:
        raise _Bad(f"latitude/longitude: {lat_text!r}, {lon_text!r} are not numbers") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _Bad(f"latitude/longitude: {lat_text}, {lon_text} are not coordinates")
    return lat, lon
