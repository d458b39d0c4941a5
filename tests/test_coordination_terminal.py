"""Coordinators and "Nicht allein hingehen" at the terminal, as people would try them: real
`nahbar chat --user NAME` processes on one SQLite file (tests/test_terminal_roles.py
`Terminal`), each person at their own terminal.

The state's coordinator (NAHBAR_COORDINATORS) invites one for the district of Harz with a
code; she asks `/lage`, gets the map as a file and a one-time link to the web pages, which
opens them once; she invites a companion for Quedlinburg with a code. A resident asks not to
go alone to a café; the companion sees only the place, the offer and the date; both agree;
first names and the meeting point arrive through the outbox on each terminal; the organiser
sees a count only; the resident withdraws and the companion is told.
"""

from __future__ import annotations

import asyncio
import http.client
import re
import sqlite3
from datetime import datetime, time, timedelta
from pathlib import Path

from handlers.formatting import when
from handlers.i18n import Translator
from models import User, utcnow
from models.db import create_engine, session_factory, upgrade
from models.schedule import to_local, to_utc
from models.unmet import month_of
from publish.report import month_label

from .postgres import free_port
from .support import add_offer
from .test_terminal_roles import Terminal

COORDINATORS = "terminal:land"
CAFE = "Adventscafé im Pfarrhaus"
T = Translator("de")

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


async def _a_weekly_cafe(database: Path) -> list[datetime]:
    """A migrated database with the organiser "org" and their weekly café in Quedlinburg from
    tomorrow at 15:00; its next four starts (UTC)."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        now = utcnow()
        async with sessions() as session, session.begin():
            organiser = User(platform="terminal", platform_id="org")
            session.add(organiser)
            await session.flush()
            owner = organiser.id
        tomorrow = to_local(now).date() + timedelta(days=1)
        first = datetime.combine(tomorrow, time(15))
        await add_offer(
            sessions,
            now,
            title=CAFE,
            organiser="Kirchengemeinde St. Blasii",
            owner_id=owner,
            venue_name="Pfarrhaus",
            address="Kirchstraße 3",
            place_name="Quedlinburg",
            latitude=51.7894,
            longitude=11.1413,
            starts_local=first,
            rrule=f"FREQ=WEEKLY;BYDAY={DAY_CODES[tomorrow.weekday()]}",
        )
        return [to_utc(first + timedelta(weeks=n)) for n in range(4)]
    finally:
        await engine.dispose()


def _person(tmp_path: Path, user: str, **env: str) -> Terminal:
    terminal = Terminal(
        tmp_path, user, NAHBAR_COORDINATORS=COORDINATORS, NAHBAR_WEB_LISTEN="off", **env
    )
    terminal.wait_for("willkommen")
    return terminal


def _http(port: int, method: str, path: str, cookie: str = "") -> tuple[int, dict, str]:
    """One request to the web face the coordinator's terminal serves: status, headers, body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def _situation(month: str) -> str:
    return (
        "📊 Die Lage in Landkreis Harz\n\n"
        "📍 1 Angebot mit einem Termin in den nächsten 14 Tagen\n"
        "⚪ Weiße Flecken (kein Angebot im Umkreis von 10 km): 13 von 20 Gemeinden\n"
        "   Halberstadt, Wernigerode, Oberharz am Brocken, Ilsenburg (Harz), Harzgerode …\n"
        f"🔍 Suchen ohne Ergebnis im {month}: 0\n"
        "💤 Verwaiste Angebote (60 Tage kein Termin, Veranstalter meldet sich nicht): 0\n"
        f"🔔 Erinnerungen bestellt: 0 · 👍 „Ich komme“ für Termine im {month}: 0\n\n"
        "Zahlen von 1 bis 4 stehen als „< 5“ da, „•“ verdeckt eine Zahl, die sonst eine kleine "
        "verraten würde.\n"
        "[1] 💡 Ideen für weiße Flecken   [2] 🌐 Webseiten öffnen   [3] 🔑 Koordination einladen\n"
        "📎 var/downloads/karte.png"
    )


def _appoint_a_district_coordinator(tmp_path: Path, month: str) -> str:
    """The state's coordinator invites one for Harz; the code."""
    land = _person(tmp_path, "land")
    land.say("/lage Harz", "karte.png")
    invited = land.choose("Koordination einladen", "48 Stunden lang.")
    code = re.search(r"/koordination (\S+) an Nahbar", invited).group(1)
    assert (
        "🔑 Geben Sie diesen Code der neuen Koordinatorin oder dem neuen Koordinator für Landkreis "
        f"Harz persönlich oder am Telefon: {code}\nSie schreiben /koordination {code} an Nahbar. "
        "Der Code gilt einmal, 48 Stunden lang."
    ) in invited
    land.quit()
    return code


def _the_district_coordinator(tmp_path: Path, code: str, month: str) -> str:
    """She joins with the code, asks /lage, opens the web pages once, invites a companion for
    Quedlinburg; the companion's code."""
    port = free_port()
    kreis = Terminal(
        tmp_path, "kreis", NAHBAR_COORDINATORS=COORDINATORS, NAHBAR_WEB_LISTEN=f"127.0.0.1:{port}"
    )
    assert f"Die Webseiten: http://127.0.0.1:{port}" in kreis.wait_for("willkommen")
    refused = kreis.say("/lage", "Koordinatoren.")
    assert (
        refused.replace(">", "").strip() == "Das sehen nur Koordinatorinnen und Koordinatoren."
    )  # nothing else
    welcome = kreis.say(f"/koordination {code}", "Willkommen")
    assert (
        "📊 Willkommen in der Koordination für Landkreis Harz! /lage zeigt Ihnen die Lage dort."
        in welcome
    )
    assert _situation(month) in kreis.say("/lage", "karte.png")
    assert (tmp_path / "var" / "downloads" / "karte.png").read_bytes().startswith(b"\x89PNG")
    linked = kreis.choose("Webseiten öffnen", "nicht weitergeben:")
    link = kreis.wait_for("\n> ").split("nicht weitergeben:\n")[1].split("\n")[0]
    assert link.startswith(f"http://127.0.0.1:{port}/koordination/anmelden/")
    assert (
        "🌐 Ihr Link zu den Seiten für die Koordination, gültig 15 Minuten und nur einmal – bitte "
        "nicht " in linked
    )
    path = link.removeprefix(f"http://127.0.0.1:{port}")

    status, _, body = _http(port, "GET", "/koordination")
    assert status == 403 and "Landkreis Harz" not in body
    status, _, body = _http(port, "GET", path)  # a link preview spends nothing
    assert status == 200 and "Anmelden" in body
    status, headers, _ = _http(port, "POST", path)
    assert status == 303 and headers["Location"] == "/koordination"
    cookie = headers["Set-Cookie"].split(";")[0]
    assert "HttpOnly" in headers["Set-Cookie"] and "SameSite=Strict" in headers["Set-Cookie"]
    status, _, body = _http(port, "GET", "/koordination", cookie)
    assert status == 200 and "Die Lage in Landkreis Harz" in body and 'data-ags="15085235"' in body
    assert "Stendal" not in body  # another district
    assert _http(port, "POST", path)[0] == 403  # once only

    one = kreis.say("/lage Quedlinburg", "einladen")
    assert (
        "📊 Quedlinburg\n\nQuedlinburg – 1 Angebot in den nächsten 14 Tagen – 0,3 je 10.000 "
        "Einwohner – Suchen ohne Ergebnis diesen Monat: 0\n[1] 🤝 Begleitung für Quedlinburg "
        "einladen"
    ) in one
    invited = kreis.choose("Begleitung für Quedlinburg", "48 Stunden lang.")
    companion_code = re.search(r"/begleiten (\S+) an Nahbar", invited).group(1)
    assert (
        "🤝 Geben Sie diesen Code der neuen Begleiterin oder dem neuen Begleiter persönlich: "
        f"{companion_code}\n"
        f"Sie schreiben /begleiten {companion_code} an Nahbar. Der Code gilt einmal, 48 Stunden "
        "lang."
    ) in invited
    kreis.quit()
    return companion_code


def test_a_district_coordinator_a_companion_and_a_resident_at_their_terminals(tmp_path):
    dates = asyncio.run(_a_weekly_cafe(tmp_path / "nahbar.sqlite3"))
    first, meeting = when(T, dates[0]), when(T, dates[0] - timedelta(minutes=10))
    month = month_label(T, month_of(utcnow()))
    code = _appoint_a_district_coordinator(tmp_path, month)
    companion_code = _the_district_coordinator(tmp_path, code, month)

    erika = _person(tmp_path, "erika")
    assert (
        "🤝 Danke, dass Sie in Quedlinburg Menschen begleiten! Wenn jemand nicht allein hingehen "
        "möchte, frage ich Sie – Sie sehen nur den Ort, das Angebot und den Termin."
    ) in erika.say(f"/begleiten {companion_code}", "Termin.")
    assert "nicht (mehr)" in erika.say(f"/begleiten {companion_code}", "Koordination")  # used once

    anna = _person(tmp_path, "anna")
    anna.say("Quedlinburg", "Treffen bei Quedlinburg")
    detail = anna.choose(CAFE, "Zurück")
    assert "[2] 🤝 Ich möchte nicht allein hingehen" in detail
    asked = anna.choose("nicht allein", "Welcher Termin?")
    assert (
        "🤝 Sie möchten nicht allein zu „Adventscafé im Pfarrhaus“ gehen? Eine Begleitung aus "
        "Quedlinburg kann mitkommen.\nSie sieht nur den Ort, das Angebot und den Termin – keinen "
        "Namen, keine Adresse. Bevor Vornamen und ein Treffpunkt am Veranstaltungsort "
        "weitergegeben werden, frage ich Sie noch einmal.\n"
        "Welcher Termin?\n"
    ) in asked
    spans = [when(T, d, d + timedelta(hours=2)) for d in dates]
    assert f"[1] {spans[0]}   [2] {spans[1]}\n[3] {spans[2]}   [4] {spans[3]}" in asked
    waiting = anna.choose(spans[0], "weitergegeben.")
    assert (
        "🤝 Danke. Ich frage die Begleiterinnen und Begleiter in Ihrer Nähe. Sobald jemand zusagt, "
        "melde ich mich – vorher wird nichts weitergegeben.\n[1] ✖️ Zurückziehen"
    ) in waiting

    # The companion's terminal: place, offer and date only.
    question = erika.wait_for("Würden Sie mitkommen?")
    assert (
        f"🤝 Jemand in Quedlinburg möchte nicht allein zu „Adventscafé im Pfarrhaus“ am {first} "
        "gehen. Würden Sie mitkommen?\n[1] 🤝 Ja, ich begleite"
    ) in question
    erika.mark = erika.output.index("🤝 Jemand in")
    assert (
        "Danke! Welchen Vornamen darf ich weitergeben? (Nur den Vornamen; die Person wird gefragt, "
        "bevor etwas weitergegeben wird.)"
    ) in erika.choose("Ja, ich begleite", "weitergegeben wird.)")
    assert "Bitte schreiben Sie nur einen Vornamen" in erika.say("0171 2345678", "Vornamen")
    assert (
        "Danke, Erika! Ich frage jetzt die Person; Sie hören von mir.\n[1] ✖️ Zurückziehen   [2] "
        "⚠️ Melden" in erika.say("Erika", "von mir.")
    )

    # The resident is asked before anything is shared; the companion's name comes only then.
    offered = anna.wait_for("zehn Minuten vor Beginn?")
    assert (
        f"🤝 Gute Nachricht: Jemand würde Sie zu „Adventscafé im Pfarrhaus“ am {first} begleiten. "
        "Sind Sie einverstanden, dass ich Ihren Vornamen weitergebe und Sie sich am Eingang von "
        "Pfarrhaus, Kirchstraße 3, Quedlinburg treffen, zehn Minuten vor Beginn?\n[1] ✅ Ja, "
        "einverstanden   [2] ✖️ Nein, danke"
    ) in offered
    anna.mark = anna.output.index("🤝 Gute Nachricht")
    assert "Welchen Vornamen darf ich Ihrer Begleitung sagen? (Nur den Vornamen.)" in anna.choose(
        "einverstanden", "(Nur den Vornamen.)"
    )
    agreed = anna.say("Anna", "⚠️ Melden")
    assert (
        "🤝 Wunderbar! Erika geht mit Ihnen zu „Adventscafé im Pfarrhaus“. Treffpunkt: Eingang von "
        f"Pfarrhaus, Kirchstraße 3, Quedlinburg, {meeting}.\n[1] ✖️ Zurückziehen   [2] ⚠️ Melden"
    ) in agreed
    told = erika.wait_for("freut sich")
    assert (
        "anna" not in erika.output[: erika.output.index("🤝 Anna freut sich")].lower()
    )  # no name before consent
    assert (
        "🤝 Anna freut sich, dass Sie zu „Adventscafé im Pfarrhaus“ mitkommen. Treffpunkt: Eingang "
        f"von Pfarrhaus, Kirchstraße 3, Quedlinburg, {meeting}.\n[1] ✖️ Zurückziehen   [2] ⚠️ "
        "Melden"
    ) in told
    assert "Erika" not in anna.output[: anna.output.index("🤝 Wunderbar!")]

    # The organiser learns how many, and nothing else.
    organiser = _person(tmp_path, "org")
    organiser.say("/meine", "Treffen anbieten")
    own = organiser.choose(CAFE, "Meine Angebote")
    assert "🚪 1 Person möchte an der Tür begrüßt werden" in own
    assert "Anna" not in organiser.output and "Erika" not in organiser.output
    organiser.quit()

    # The resident withdraws: the companion is told, the first names are gone.
    anna.mark = anna.output.index("🤝 Wunderbar!")
    withdrawn = anna.choose("Zurückziehen", "gelöscht.")
    assert "Zurückgezogen. Die andere Seite erfährt es; die Vornamen sind gelöscht." in withdrawn
    gone = erika.wait_for("findet nicht statt")
    assert (
        f"🤝 Die Begleitung zu „Adventscafé im Pfarrhaus“ am {first} findet nicht statt – die "
        "andere Seite musste absagen. Die Vornamen sind gelöscht."
    ) in gone
    anna.quit()
    erika.quit()

    with sqlite3.connect(tmp_path / "nahbar.sqlite3") as db:
        assert db.execute(
            "SELECT status, resident_name, companion_name FROM companion_requests"
        ).fetchall() == [("withdrawn", "", "")]
        assert db.execute("SELECT district FROM coordinators").fetchall() == [("15085",)]
        assert db.execute("SELECT ags FROM companions").fetchall() == [("15085235",)]
        assert db.execute("SELECT count(*) FROM outbox WHERE status != 'sent'").fetchone() == (0,)
