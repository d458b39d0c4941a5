"""Reading import files: iCalendar as Nextcloud, Google and Thunderbird export it, CSV from
spreadsheets, and files that must be refused as a whole. No database here (see test_import.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from handlers.i18n import Translator
from models.categories import CATEGORIES
from models.importing import FileProblem, read_file
from models.importing.category_words import category_of
from models.importing.records import Record
from models.importing.text import line, paragraph, web_url
from models.importing.where import Where, locate
from models.offers import Cost

DATA = Path(__file__).parent / "data"


def by_title(records: list[Record]) -> dict[str, Record]:
    return {r.title: r for r in records if not r.partial}  # not the cancellations of changed dates


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def calendar(*events: str) -> str:
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Test//Test//DE\n"
        + "".join(events)
        + "END:VCALENDAR\n"
    )


def event(uid: str, *lines: str) -> str:
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20261120T100000Z\n" + "\n".join(lines) + "\nEND:VEVENT\n"
    )


# -- iCalendar as exported by real calendars -----------------------------------------------


def test_nextcloud_series_with_moved_cancelled_and_skipped_dates():
    kind, records = read_file(DATA / "nextcloud.ics")
    assert kind == "iCalendar"
    found = by_title(records)
    cafe = found["Adventscafé im Pfarrhaus"]
    assert cafe.key == "3f6c1a2e-5b7d-4c1e-9a8f-0d2b4e6f8a10"
    assert cafe.start == datetime(2026, 12, 1, 15, 0) and cafe.duration == timedelta(hours=2)
    # UNTIL 14:00 UTC is 15:00 in Berlin: the last Tuesday is still in the series.
    assert cafe.rrule == "FREQ=WEEKLY;UNTIL=20261222T150000;BYDAY=TU"
    # EXDATE and the date moved to Wednesday leave the rule; the cancelled date is cancelled,
    # and so would be an offer made for it earlier.
    assert cafe.exdates == {date(2026, 12, 15), date(2026, 12, 8)} and cafe.moved == {
        date(2026, 12, 8)
    }
    assert cafe.cancelled_days == {date(2026, 12, 22)}
    [gone] = [r for r in records if r.partial]
    assert (gone.key, gone.cancelled, gone.quiet) == (
        "3f6c1a2e-5b7d-4c1e-9a8f-0d2b4e6f8a10#20261222T140000Z",
        True,
        True,
    )
    assert cafe.geo == (51.7931, 11.1468)
    assert cafe.location == "Pfarrhaus St. Nikolai, Neuendorf 21, 06484 Quedlinburg"
    assert cafe.category == "cafe" and cafe.cost is Cost.DONATION  # "um eine Spende … gebeten"
    # A folded line comes back whole, with its escaped commas.
    assert cafe.description.startswith(
        "Wir laden herzlich ein zu Kaffee, Kuchen und Gesprächen in der Adventszeit."
    )
    assert "\n" not in cafe.description

    moved = found["Adventscafé im Pfarrhaus – diesmal am Mittwoch"]
    assert moved.key == "3f6c1a2e-5b7d-4c1e-9a8f-0d2b4e6f8a10#20261208T140000Z"
    assert (moved.start, moved.duration, moved.rrule) == (
        datetime(2026, 12, 9, 16),
        timedelta(hours=2),
        None,
    )
    assert moved.description == cafe.description  # left out of the change: as in the series
    assert moved.category == "cafe"

    warm = found["Warme Stube im Gemeindehaus"]
    assert warm.rrule == "FREQ=WEEKLY;COUNT=20;BYDAY=MO,TH" and warm.duration == timedelta(hours=5)
    assert warm.category == "warm_room" and warm.cost is Cost.FREE

    bazaar = found["Adventsbasar der Gemeinde"]  # all day, Saturday and Sunday
    assert (bazaar.start, bazaar.duration, bazaar.rrule) == (
        datetime(2026, 12, 5, 0, 0),
        timedelta(hours=24),
        "FREQ=DAILY;COUNT=2",
    )
    trip = found["Gemeindeausflug ins Bodetal"]  # all day, one day
    assert (trip.start, trip.duration, trip.rrule) == (
        datetime(2026, 12, 12),
        timedelta(hours=24),
        None,
    )
    assert bazaar.cost is Cost.NOT_STATED and trip.cost is Cost.NOT_STATED  # no price: never "free"

    assert found["Weihnachtsmarkt-Wochenende"].skip == "lasts longer than 24 hours (56 h)"
    assert len(records) == 9  # the cancelled date: only the cancellation above


def test_google_export_utc_times_html_and_a_character_cut_by_folding():
    _, records = read_file(DATA / "google.ics")
    found = by_title(records)
    phone = found["Handy-Sprechstunde im Rathaus"]
    assert phone.start == datetime(2026, 12, 3, 14, 0)  # 13:00 UTC is 14:00 in Berlin in winter
    assert phone.description == (
        "Handy-Sprechstunde\nJugendliche helfen bei Fragen zu Smartphone und Tablet.\n\n"
        "Anmeldung: wernigerode.de/handy & Telefon"
    )
    assert phone.organiser == "Seniorenbeirat Wernigerode"  # the CN, never the e-mail address
    assert phone.category == "help"

    walks = [r for r in records if r.title == "Gemeinsamer Spaziergang am Schlossberg"]
    series = next(r for r in walks if r.rrule)
    changed = next(r for r in walks if not r.rrule)
    assert series.rrule == "FREQ=WEEKLY;COUNT=10;BYDAY=SA;WKST=MO"
    assert series.exdates == {date(2026, 12, 26), date(2027, 1, 2), date(2026, 12, 5)}
    assert (
        changed.start == datetime(2026, 12, 5, 14)
        and changed.location == "Bürgerpark, 38855 Wernigerode"
    )
    # Google folds at 75 bytes, here through the middle of "ü": unfolded before decoding.
    assert changed.description.endswith("Bürgerpark und über die Brücke am Zillierbach.")

    assert found["Lesecafé"].cancelled
    assert found["Dienstbesprechung Seniorenbeirat"].skip == "marked private (CLASS:PRIVATE)"
    assert found["Besuch in der Partnerstadt"].geo == (48.208176, 16.373819)


def test_thunderbird_monthly_rule_utc_exception_added_dates_and_all_day():
    _, records = read_file(DATA / "thunderbird.ics")
    talk = next(r for r in records if r.title.startswith("Gesprächskreis"))
    assert talk.rrule == "FREQ=MONTHLY;BYDAY=1WE" and talk.category == "talk"
    assert talk.exdates == {date(2027, 1, 6)}  # EXDATE 15:00 UTC = 16:00 in Berlin
    assert talk.duration == timedelta(minutes=90)
    party = next(r for r in records if r.title == "Weihnachtsfeier der Generationen")
    assert party.category == "generations" and party.duration == timedelta(hours=24)
    baking = sorted((r for r in records if r.title == "Plätzchen backen"), key=lambda r: r.start)
    assert [r.start for r in baking] == [datetime(2026, 12, d, 14) for d in (5, 12, 19)]
    assert [r.key.split("#")[-1] for r in baking[1:]] == [
        "rdate-20261212T130000Z",
        "rdate-20261219T130000Z",
    ]
    assert {r.duration for r in baking} == {timedelta(hours=3)}
    assert baking[0].cost is Cost.PRICE and baking[0].price == "2,50 €"
    assert baking[0].category == "baking"


def test_outlook_time_zone_names_floating_times_and_events_without_uid(tmp_path):
    outlook_tz = (
        "BEGIN:VTIMEZONE\nTZID:W. Europe Standard Time\nBEGIN:STANDARD\nDTSTART:16010101T030000\n"
        "TZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\nEND:STANDARD\n"
        "BEGIN:DAYLIGHT\nDTSTART:16010101T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\n"
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\nEND:DAYLIGHT\nEND:VTIMEZONE\n"
    )
    text = calendar(
        outlook_tz,
        event(
            "040000008200E00074C5B7101A82E00800000000" + "A" * 240,
            "SUMMARY:Kaffeetafel",
            "DTSTART;TZID=W. Europe Standard Time:20270615T150000",
            "DTEND;TZID=W. Europe Standard Time:20270615T163000",
            "LOCATION:Thale",
            "RRULE:FREQ=WEEKLY;UNTIL=20270720",
        ),
        event("floating", "SUMMARY:Stammtisch", "DTSTART:20261204T190000", "LOCATION:Thale"),
        "BEGIN:VEVENT\nSUMMARY:Ohne UID\nDTSTART:20261204T100000\nLOCATION:Thale\nEND:VEVENT\n",
    )
    _, records = read_file(write(tmp_path, "outlook.ics", text))
    found = by_title(records)
    summer = found["Kaffeetafel"]
    assert summer.start == datetime(2027, 6, 15, 15)  # summer time in a zone named the Windows way
    assert summer.rrule == "FREQ=WEEKLY;UNTIL=20270720T235959"  # an UNTIL date includes that day
    assert summer.key.startswith("sha256:") and len(summer.key) == 71  # a UID too long to keep
    floating = found["Stammtisch"]
    assert floating.start == datetime(2026, 12, 4, 19) and floating.duration == timedelta(hours=2)
    again = by_title(read_file(write(tmp_path, "outlook.ics", text))[1])
    assert (
        found["Ohne UID"].key.startswith("nouid-")
        and again["Ohne UID"].key == found["Ohne UID"].key
    )


def test_events_the_store_cannot_keep_are_skipped_with_a_reason(tmp_path):
    text = calendar(
        event(
            "hourly", "SUMMARY:Stündlich", "DTSTART:20261204T100000", "RRULE:FREQ=HOURLY;COUNT=5"
        ),
        event(
            "long-allday",
            "SUMMARY:Ferienprogramm",
            "DTSTART;VALUE=DATE:20261207",
            "DTEND;VALUE=DATE:20261210",
            "RRULE:FREQ=YEARLY",
        ),
        event("twice", "SUMMARY:Erste Fassung", "SEQUENCE:1", "DTSTART:20261204T100000"),
        event("twice", "SUMMARY:Zweite Fassung", "SEQUENCE:2", "DTSTART:20261204T100000"),
        event(
            "orphan",
            "SUMMARY:Einzeltermin",
            "RECURRENCE-ID:20261204T100000",
            "DTSTART:20261205T100000",
        ),
        event("no-title", "DTSTART:20261204T100000"),
        event("confidential", "SUMMARY:Intern", "CLASS:CONFIDENTIAL", "DTSTART:20261204T100000"),
    )
    _, records = read_file(write(tmp_path, "odd.ics", text))
    reasons = {r.title: r.skip for r in records}
    assert reasons == {
        "Stündlich": "repeats more often than daily",
        "Ferienprogramm": "an all-day event over several days that repeats",
        "Erste Fassung": "the same UID appears again in the file (the newer one is used)",
        "Zweite Fassung": None,
        "Einzeltermin": None,  # a changed date whose series is not in the file: a single date
        "": "no title (SUMMARY)",
        "Intern": "marked private (CLASS:CONFIDENTIAL)",
    }
    assert next(r for r in records if r.title == "Erste Fassung").key == ""  # touches nothing
    assert next(r for r in records if r.title == "Einzeltermin").key == "orphan#20261204T100000"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("web.ics", "<html><body>Termine</body></html>", "not an iCalendar file"),
        ("notes.ics", "Termine im Dezember:\n3.12. Kaffee\n", "not an iCalendar file"),
        (
            "truncated.ics",
            "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x\nDTSTART:2026120",
            "ends inside VEVENT (cut off?)",
        ),
        (
            "nested.ics",
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VCALENDAR\n",
            "line 3 ends VCALENDAR where VEVENT is open",
        ),
        (
            "garbage.ics",
            "BEGIN:VCALENDAR\nthis is not a property\nEND:VCALENDAR\n",
            "not a readable iCalendar file",
        ),
        ("baddate.ics", calendar(event("a", "SUMMARY:A", "DTSTART:20261341T150000")), "DTSTART"),
        (
            "badend.ics",
            calendar(event("a", "SUMMARY:A", "DTSTART:20261204T150000", "DTEND:2026-12-04 17:00")),
            "DTEND",
        ),
        (
            "badrule.ics",
            calendar(event("a", "SUMMARY:A", "DTSTART:20261204T150000", "RRULE:FREQ=SOMETIMES")),
            "RRULE",
        ),
        ("nostart.ics", calendar(event("a", "SUMMARY:A")), "no start (DTSTART)"),
        ("empty.ics", "", "the file is empty"),
        ("card.vcf", "BEGIN:VCARD\nVERSION:3.0\nFN:Pfarramt\nEND:VCARD\n", "missing column"),
    ],
)
def test_broken_calendar_files_are_refused_as_a_whole(tmp_path, name, content, message):
    with pytest.raises(FileProblem) as refused:
        read_file(write(tmp_path, name, content))
    assert message in str(refused.value)


def test_a_bad_date_in_one_event_refuses_the_file_and_names_the_event(tmp_path):
    good = event("ok", "SUMMARY:Gut", "DTSTART:20261204T150000")
    bad = event("bad-1", "SUMMARY:Kaputt", "DTSTART;TZID=Europe/Berlin:20261232T150000")
    with pytest.raises(FileProblem) as refused:
        read_file(write(tmp_path, "x.ics", calendar(good, bad)))
    assert refused.value.problems == [
        "event 'Kaputt' (UID bad-1): DTSTART: Wrong datetime format: 20261232T150000"
    ]


def test_excel_workbooks_binary_and_oversized_files_are_refused(tmp_path):
    xlsx = tmp_path / "angebote.xlsx"
    xlsx.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(FileProblem, match="Excel workbook"):
        read_file(xlsx)
    binary = tmp_path / "bild.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(FileProblem, match="binary"):
        read_file(binary)
    big = tmp_path / "big.csv"
    big.write_bytes(b"title;date\n" + b"x;01.12.2026\n" * 1_000_000)
    with pytest.raises(FileProblem, match="larger than 10 MB"):
        read_file(big)
    with pytest.raises(FileProblem, match="cannot read"):
        read_file(tmp_path / "missing.csv")


# -- CSV ------------------------------------------------------------------------------------


def test_csv_in_utf8_and_windows_1252_reads_the_same():
    kind, utf8 = read_file(DATA / "angebote_utf8.csv")
    _, cp1252 = read_file(DATA / "angebote_cp1252.csv")
    assert kind == "CSV"
    assert utf8 == cp1252
    found = by_title(utf8)
    warm = found["Warme Stube im Familienzentrum"]
    assert warm.key == "wst-1" and warm.ref == "row 3"  # the description spans two lines
    assert warm.description == "Heißer Tee, Suppe und Gesellschaft.\nKommen Sie einfach vorbei!"
    assert (warm.start, warm.duration) == (datetime(2026, 12, 7, 10), timedelta(hours=5))
    assert warm.rrule == "FREQ=WEEKLY;UNTIL=20270331T235959"
    assert warm.exdates == {date(2026, 12, 28), date(2026, 12, 31)}
    assert (warm.venue, warm.address, warm.town) == (
        "Familienzentrum",
        "Schartauer Straße 10",
        "39288 Burg",
    )
    assert warm.contact == "03921 000000 · https://www.burg.de/warme-stube"
    assert (
        warm.category == "warm_room"
        and warm.cost is Cost.FREE
        and warm.access["wheelchair"] == "yes"
    )

    coffee = found["Kaffeeklatsch im Rathaus"]
    assert coffee.start == datetime(2026, 12, 3, 14, 30)  # "Do., 03.12.2026"
    assert coffee.rrule == "FREQ=WEEKLY;BYDAY=TH"  # "jeden Donnerstag"
    assert coffee.contact == ""  # a javascript: link is dropped
    assert (
        coffee.cost is Cost.DONATION
        and coffee.access["wheelchair"] == "no"
        and coffee.category == "cafe"
    )

    candles = found["Kerzen ziehen im Advent"]
    assert candles.description == "Für Groß und Klein, mit Kinderpunsch"  # no markup
    assert (candles.start, candles.duration) == (datetime(2026, 12, 12, 14), timedelta(hours=2))
    assert candles.cost is Cost.PRICE and candles.price == "3 € inkl. Material"
    assert candles.category == "creative"

    market = found["Adventsmarkt für alle"]  # no time: all day
    assert (market.start, market.duration) == (datetime(2026, 12, 5), timedelta(hours=24))
    assert found["Seniorentanz"].cancelled
    walk = found["Spaziergang an der Elbe"]
    assert walk.geo == (51.859, 12.64) and walk.duration == timedelta(minutes=90)  # "10:00 - 11:30"
    assert walk.rrule == "FREQ=MONTHLY;BYDAY=1SU"  # "monatlich" from Sunday 6 Dec: first Sunday


def test_csv_with_commas_and_english_headers():
    _, records = read_file(DATA / "offers_comma.csv")
    (warm,) = records
    assert warm.key == "wst-1" and warm.rrule == "FREQ=WEEKLY;UNTIL=20270331T235959;BYDAY=MO"
    assert warm.exdates == {date(2026, 12, 28), date(2026, 12, 31)}
    assert warm.category == "warm_room" and warm.access["wheelchair"] == "yes"


def test_csv_without_id_column_gets_a_stable_key(tmp_path):
    text = "Titel;Datum;Beginn;Ort\nKaffee;01.12.2026;15:00;Thale\nKaffee;08.12.2026;15:00;Thale\n"
    first = read_file(write(tmp_path, "a.csv", text))[1]
    second = read_file(write(tmp_path, "a.csv", text.replace("Kaffee;08", "Kaffee ;08")))[1]
    assert first[0].key.startswith("row-") and first[0].key != first[1].key
    assert [r.key for r in first] == [r.key for r in second]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Kaffee;31.02.2026;15:00;Thale", "row 2: date: '31.02.2026' is not a date that exists"),
        (
            "Kaffee;12/01/2026;15:00;Thale",
            "row 2: date: '12/01/2026' is not a date (write 24.12.2026 or 2026-12-24)",
        ),
        ("Kaffee;01.12.2026;25:00;Thale", "row 2: start: '25:00' is not a time (write 15:00)"),
        ("Kaffee;01.12.2026;15:00;Thale;x", "row 2: more cells than the header has columns"),
    ],
)
def test_csv_cells_that_cannot_be_read_refuse_the_file(tmp_path, row, message):
    path = write(
        tmp_path, "a.csv", "Titel;Datum;Beginn;Ort\n" + row + "\nTee;02.12.2026;10:00;Thale\n"
    )
    with pytest.raises(FileProblem) as refused:
        read_file(path)
    assert refused.value.problems == [message]


def test_csv_problems_are_all_listed(tmp_path):
    text = (
        "title,date,start,repeat,step_free,status\nA,01.12.2026,15:00,sometimes,,\n"
        "B,01.12.2026,15:00,,vielleicht,\nC,01.12.2026,15:00,,,verschoben\n"
    )
    with pytest.raises(FileProblem) as refused:
        read_file(write(tmp_path, "a.csv", text))
    assert [p.split(":")[0] for p in refused.value.problems] == ["row 2", "row 3", "row 4"]
    assert "repeat: 'sometimes' is not understood" in refused.value.problems[0]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Name;Telefon;Ort", "missing column(s) date"),
        ("Titel;Datum;Datum", "column(s) given twice: date"),
        ("foo,bar", "missing column(s) title, date"),
    ],
)
def test_csv_without_the_documented_columns_is_refused(tmp_path, header, message):
    with pytest.raises(FileProblem, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_file(write(tmp_path, "a.csv", header + "\nx;y;z\n"))


def test_an_unclosed_quote_is_a_file_problem(tmp_path):
    with pytest.raises(FileProblem, match="not readable as CSV"):
        read_file(write(tmp_path, "a.csv", 'Titel;Datum\n"Kaffee;01.12.2026\n'))


# -- text, places and categories ------------------------------------------------------------


def test_text_from_files_is_plain_and_bounded():
    assert (
        paragraph("<p>Hallo <script>alert(1)</script><b>Welt</b></p><p>zwei\x07</p>", 100)
        == "Hallo Welt\n\nzwei"
    )
    assert line("a < b & c > d", 100) == "a < b & c > d"  # no tags: left as written
    assert line("x" * 200, 120) == "x" * 119 + "…"
    assert web_url("https://example.org/a?b=c") == "https://example.org/a?b=c"
    for bad in (
        "javascript:alert(1)",
        "ftp://example.org",
        "http://",
        "https://exa mple.org",
        "data:text/html,<b>",
        "www.example.org",
    ):
        assert web_url(bad) == "", bad


@pytest.mark.parametrize(
    ("location", "geo", "expected"),
    [
        (
            "Gemeindehaus, Markt 1, 06484 Quedlinburg",
            None,
            Where(51.7884, 11.1501, "Quedlinburg", "Gemeindehaus", "Markt 1, 06484 Quedlinburg"),
        ),
        (
            "Pfarrhaus St. Nikolai\nKirchplatz 3\n38855 Wernigerode\nDeutschland",
            None,
            Where(
                51.8365,
                10.7822,
                "Wernigerode",
                "Pfarrhaus St. Nikolai",
                "Kirchplatz 3, 38855 Wernigerode",
            ),
        ),
        (
            "Gemeindehaus, Quedlinburg",
            None,
            Where(51.7884, 11.1501, "Quedlinburg", "Gemeindehaus", ""),
        ),
        ("Gemeindehaus Ditfurt", None, Where(51.8333, 11.2, "Ditfurt", "Gemeindehaus Ditfurt", "")),
        (
            "Marktplatz, Möckern",
            None,
            Where(52.141, 11.952, "Möckern", "", "Marktplatz"),
        ),  # the home region's
        ("Kirche, 07381 Möckern", None, None),  # the Thuringian Möckern, by its postcode
        ("Gemeindehaus", (51.79, 11.15), Where(51.79, 11.15, "Quedlinburg", "Gemeindehaus", "")),
        ("Stephansdom, Wien", (48.2085, 16.373), "coordinates 48.2085, 16.3730 are not in Germany"),
        ("Stadthalle, Wien", None, "place not found: 'Stadthalle, Wien'"),
        ("", None, "no place given"),
    ],
)
def test_places_from_locations(places, location, geo, expected):
    where = locate(places, Record(key="k", ref="r", title="t", location=location, geo=geo))
    if expected is None:
        assert isinstance(where, Where) and where.place_name == "Möckern" and where.latitude < 51
    else:
        assert where == expected


def test_every_category_is_found_by_its_german_and_english_name():
    german = Translator("de")
    for kind in CATEGORIES:
        assert category_of([german(kind.name)], "") == kind.key, german(kind.name)
        assert category_of([kind.key], "") == kind.key
    assert category_of([], "Adventscafé im Pfarrhaus") == "cafe"
    assert category_of([], "Seniorenspaziergang") == "walk"
    assert category_of(["Konzert"], "Orgelkonzert") == "other"


def test_dates_far_from_now_are_skipped(tmp_path):
    from models.importing.values import out_of_range

    text = calendar(
        event("old", "SUMMARY:Uralt", "DTSTART:18991231T100000", "RRULE:FREQ=DAILY"),
        event("far", "SUMMARY:Fern", "DTSTART:20990101T100000"),
        event("near", "SUMMARY:Bald", "DTSTART:20261204T100000"),
    )
    found = by_title(read_file(write(tmp_path, "a.ics", text))[1])
    now = datetime(2026, 11, 25, 10)
    assert out_of_range(found["Uralt"], now) == "starts before 1900"
    assert out_of_range(found["Fern"], now) == "starts more than five years from now"
    assert out_of_range(found["Bald"], now) is None


def test_csv_times_durations_and_joined_contact_columns(tmp_path):
    text = (
        "Titel;Datum;Beginn;Ende;Dauer;Enddatum;Telefon;E-Mail;Ort\n"
        "Tanzabend;Fr., 04.12.2026;20:00;01:00;;;03946 1;a@example.org;Thale\n"
        "Frühstück;2026-12-05 00:00:00;9.30 Uhr;;1,5 h;;;;Thale\n"
        "Lesung;06.12.2026;15:00–16:15;;;;;;Thale\n"
        "Ferienspaß;07.12.2026;;;;09.12.2026;;;Thale\n"
    )
    found = by_title(read_file(write(tmp_path, "a.csv", text))[1])
    dance = found["Tanzabend"]
    assert (dance.start, dance.duration) == (
        datetime(2026, 12, 4, 20),
        timedelta(hours=5),
    )  # past midnight
    assert dance.contact == "03946 1 · a@example.org"
    assert (found["Frühstück"].start, found["Frühstück"].duration) == (
        datetime(2026, 12, 5, 9, 30),
        timedelta(minutes=90),
    )
    assert found["Lesung"].duration == timedelta(minutes=75)
    holiday = found["Ferienspaß"]
    assert (holiday.start, holiday.duration, holiday.rrule) == (
        datetime(2026, 12, 7),
        timedelta(hours=24),
        "FREQ=DAILY;COUNT=3",
    )


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        (
            "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
            "repeat rule gives no date (no such day in those months)",
        ),
        ("FREQ=MONTHLY;BYDAY=6MO", "repeat rule gives no date (6MO)"),
        ("FREQ=WEEKLY;BYDAY=2TU", "repeat rule gives no date (2TU)"),
        ("FREQ=YEARLY;BYWEEKNO=20", "repeat rule too unusual (BYWEEKNO)"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=9", "repeat rule too unusual (BYSETPOS)"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", None),  # leap days exist
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", None),  # the last working day
        ("FREQ=MONTHLY;BYDAY=-1SU", None),
    ],
)
def test_rules_that_never_match_are_refused_before_dateutil_walks_to_9999(tmp_path, rule, reason):
    text = calendar(event("r", "SUMMARY:Regel", "DTSTART:20261204T100000", f"RRULE:{rule}"))
    (record,) = read_file(write(tmp_path, "a.ics", text))[1]
    assert record.skip == reason


def test_added_dates_as_periods_and_a_broken_sequence(tmp_path):
    text = calendar(
        event("p", "SUMMARY:Singen alt", "SEQUENCE:0", "DTSTART:20261204T100000Z"),
        # An unreadable SEQUENCE counts as 0: the later of the two wins.
        event(
            "p",
            "SUMMARY:Singen",
            "SEQUENCE:eins",
            "DTSTART:20261204T100000Z",
            "DURATION:PT1H",
            "RDATE;VALUE=PERIOD:20261211T100000Z/PT3H,20261218T100000Z/20261218T103000Z",
        ),
    )
    records = read_file(write(tmp_path, "a.ics", text))[1]
    durations = sorted((r.start, r.duration) for r in records if r.title == "Singen")
    assert durations == [
        (datetime(2026, 12, 4, 11), timedelta(hours=1)),
        (datetime(2026, 12, 11, 11), timedelta(hours=3)),
        (datetime(2026, 12, 18, 11), timedelta(minutes=30)),
    ]


def test_csv_towns_inside_the_address_or_venue_column(places):
    inside_address = Record(
        key="k", ref="r", title="t", venue="Gemeindehaus", address="Markt 1, 06484 Quedlinburg"
    )
    assert locate(places, inside_address) == Where(
        51.7884, 11.1501, "Quedlinburg", "Gemeindehaus", "Markt 1, 06484 Quedlinburg"
    )
    inside_venue = Record(key="k", ref="r", title="t", venue="Dorfgemeinschaftshaus Ditfurt")
    assert locate(places, inside_venue).place_name == "Ditfurt"
    nowhere = Record(key="k", ref="r", title="t", venue="Gemeindehaus", address="Markt 1")
    assert locate(places, nowhere) == "place not found: 'Gemeindehaus, Markt 1'"


def test_a_cost_nobody_stated_is_not_stated():
    from models.importing.values import cost_column, cost_in

    assert cost_in("Kaffee und Kuchen im Gemeindehaus") == (Cost.NOT_STATED, "")
    assert cost_in("Eintritt frei") == (Cost.FREE, "")
    assert cost_column("") == (Cost.NOT_STATED, "") and cost_column("0") == (Cost.FREE, "")
