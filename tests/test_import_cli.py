"""`nahbar import` and `nahbar demo remove` as an operator runs them: real processes
(`python -m bot …`) on a fresh SQLite file, the report on stdout, problems on stderr."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def nahbar(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'nahbar.sqlite3'}",
        "TELEGRAM_BOT_TOKEN": "",
        "NAHBAR_LOG_LEVEL": "INFO",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
    )


def rows(tmp_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp_path / "nahbar.sqlite3") as db:
        return db.execute(sql).fetchall()


def coming_calendar(path: Path, *, with_second: bool = True) -> Path:
    """A small Nextcloud-style file with dates after today (the process runs on the real clock)."""
    start = date.today() + timedelta(days=7)
    events = [
        (
            "kaffee-1@kirche.example",
            "Adventscafé im Pfarrhaus",
            start,
            "Pfarrhaus\\, Neuendorf 21\\, 06484 Quedlinburg",
        )
    ]
    if with_second:
        events.append(
            (
                "walk-2@kirche.example",
                "Spaziergang am Schlossberg",
                start + timedelta(days=1),
                "Schlossberg\\, 38855 Wernigerode",
            )
        )
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//SabreDAV//SabreDAV//EN"]
    for uid, title, day, location in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20261120T101500Z",
            f"DTSTART;TZID=Europe/Berlin:{day:%Y%m%d}T150000",
            f"DTEND;TZID=Europe/Berlin:{day:%Y%m%d}T170000",
            "RRULE:FREQ=WEEKLY",
            f"SUMMARY:{title}",
            f"LOCATION:{location}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def test_import_reimport_and_a_shortened_file(tmp_path):
    ics = coming_calendar(tmp_path / "kirche.ics")
    done = nahbar(tmp_path, "import", str(ics), "--organiser", "Ev. Kirchengemeinde")
    assert done.returncode == 0, done.stderr
    assert "imported 2, updated 0, unchanged 0, cancelled 0, skipped 0" in done.stdout
    assert "'Adventscafé im Pfarrhaus' (UID kaffee-1@kirche.example): Quedlinburg" in done.stdout
    assert "Traceback" not in done.stderr
    stored = rows(tmp_path, "SELECT title, status, organiser, source FROM offers ORDER BY title")
    assert stored == [
        ("Adventscafé im Pfarrhaus", "published", "Ev. Kirchengemeinde", "kirche.ics"),
        ("Spaziergang am Schlossberg", "published", "Ev. Kirchengemeinde", "kirche.ics"),
    ]
    assert rows(tmp_path, "SELECT count(*) FROM occurrences")[0][0] >= 16  # weekly, 62 days ahead

    again = nahbar(tmp_path, "import", str(ics), "--organiser", "Ev. Kirchengemeinde")
    assert "imported 0, updated 0, unchanged 2, cancelled 0, skipped 0" in again.stdout

    coming_calendar(ics, with_second=False)
    shorter = nahbar(tmp_path, "import", str(ics), "--dry-run")
    assert shorter.returncode == 0
    assert "dry run, nothing was changed" in shorter.stdout and "cancelled 1" in shorter.stdout
    assert rows(tmp_path, "SELECT count(*) FROM offers WHERE status = 'cancelled'") == [(0,)]
    shorter = nahbar(tmp_path, "import", str(ics))
    assert (
        "'Spaziergang am Schlossberg' (id walk-2@kirche.example): no longer in the file"
        in shorter.stdout
    )
    assert rows(tmp_path, "SELECT title, status FROM offers ORDER BY title") == [
        ("Adventscafé im Pfarrhaus", "published"),
        ("Spaziergang am Schlossberg", "cancelled"),
    ]


def test_a_broken_file_exits_1_and_changes_nothing(tmp_path):
    ics = coming_calendar(tmp_path / "kirche.ics")
    assert nahbar(tmp_path, "import", str(ics)).returncode == 0
    before = rows(tmp_path, "SELECT * FROM offers ORDER BY id")
    ics.write_bytes(ics.read_bytes()[:-60])  # cut off in transfer
    done = nahbar(tmp_path, "import", str(ics))
    assert done.returncode == 1
    assert "nothing was imported" in done.stderr and "ends inside VEVENT (cut off?)" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert rows(tmp_path, "SELECT * FROM offers ORDER BY id") == before


def test_a_missing_file_and_usage_errors(tmp_path):
    missing = nahbar(tmp_path, "import", "gibtsnicht.ics")
    assert missing.returncode == 1 and "cannot read gibtsnicht.ics" in missing.stderr
    assert not (tmp_path / "nahbar.sqlite3").exists()  # a bad file never opens the store
    usage = nahbar(tmp_path, "import")
    assert usage.returncode == 2 and "the following arguments are required: file" in usage.stderr
    ics = coming_calendar(tmp_path / "kirche.ics")
    long_source = nahbar(tmp_path, "import", str(ics), "--source", "x" * 81)
    assert long_source.returncode == 2 and "--source" in long_source.stderr
    bad_setting = nahbar(tmp_path, "import", str(ics), NAHBAR_DEMO_DATA="maybe")
    assert bad_setting.returncode == 2 and "NAHBAR_DEMO_DATA" in bad_setting.stderr


def test_review_and_csv_from_the_command_line(tmp_path):
    day = date.today() + timedelta(days=3)
    csv_file = tmp_path / "angebote.csv"
    csv_file.write_bytes(
        (
            f"Titel;Datum;Beginn;Ende;Ort\r\nKaffeeklatsch;{day:%d.%m.%Y};14:30;16:30;Thale\r\n"
        ).encode("cp1252")
    )
    done = nahbar(tmp_path, "import", str(csv_file), "--review", "--source", "Stadt Thale")
    assert done.returncode == 0, done.stderr
    assert "(CSV, source 'Stadt Thale')" in done.stdout
    assert rows(tmp_path, "SELECT title, status, place_name FROM offers") == [
        ("Kaffeeklatsch", "pending", "Thale")
    ]
    assert rows(tmp_path, "SELECT count(*) FROM occurrences") == [(0,)]


def test_demo_remove(tmp_path):
    # A chat start seeds the examples into the new store (no messenger configured).
    chat = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="/ende\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'nahbar.sqlite3'}",
            "TELEGRAM_BOT_TOKEN": "",
        },
    )
    assert chat.returncode == 0, chat.stderr
    assert rows(tmp_path, "SELECT count(*) FROM offers WHERE is_example") == [(32,)]
    ics = coming_calendar(tmp_path / "kirche.ics")
    assert nahbar(tmp_path, "import", str(ics)).returncode == 0
    done = nahbar(tmp_path, "demo", "remove", NAHBAR_DEMO_DATA="false")
    assert done.returncode == 0 and done.stdout == "removed 32 example offers\n"
    assert rows(tmp_path, "SELECT count(*), sum(is_example) FROM offers") == [(2, 0)]
    again = nahbar(tmp_path, "demo", "remove")
    assert again.stdout.startswith(
        "removed 0 example offers\nnote: NAHBAR_DEMO_DATA seeds them again"
    )


def many_events(path: Path, count: int) -> Path:
    start = date.today() + timedelta(days=7)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Stadt//Kalender//DE"]
    for n in range(count):
        day = start + timedelta(days=n % 30)
        lines += [
            "BEGIN:VEVENT",
            f"UID:termin-{n}@stadt.example",
            "DTSTAMP:20261120T101500Z",
            f"DTSTART;TZID=Europe/Berlin:{day:%Y%m%d}T150000",
            f"DTEND;TZID=Europe/Berlin:{day:%Y%m%d}T170000",
            f"SUMMARY:Treffen Nr. {n}",
            "LOCATION:Rathaus\\, Markt 1\\, 38855 Wernigerode",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def test_a_long_import_shows_its_progress_on_a_terminal(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    ics = many_events(tmp_path / "stadt.ics", 400)
    controller, terminal = pty.openpty()
    fcntl.ioctl(
        terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0)
    )  # a terminal 100 wide
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'nahbar.sqlite3'}",
        "TELEGRAM_BOT_TOKEN": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "import", str(ics)],
        cwd=tmp_path,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=terminal,
    )
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    report = process.stdout.read().decode()
    assert process.wait(timeout=120) == 0
    os.close(controller)
    screen = shown.decode(errors="replace")
    assert "importing:" in screen and "/400" in screen and "events" in screen
    assert (
        "imported 400" in report and "importing" not in report
    )  # the report on stdout stays clean


def test_an_import_in_a_pipe_or_log_shows_no_progress(tmp_path):
    ics = many_events(tmp_path / "stadt.ics", 400)
    done = nahbar(tmp_path, "import", str(ics))
    assert done.returncode == 0, done.stderr
    assert "imported 400" in done.stdout
    assert "importing" not in done.stderr and "%|" not in done.stderr
