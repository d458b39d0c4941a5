"""What coordinators see besides the map: the stale offers of each district (offers, never who
organises them), the interest per offer (reminders and "Ich komme", small counts hidden in the
page, the CSV and the chat alike), a new offer or search shown at once while interest is
counted every few minutes, invitations for a district, and a past month's report that says
its offers are today's."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select

from models import Offer, User
from models.companions import CompanionRequest
from models.interest import COUNT_EVERY
from models.reminders import Attendance, Reminder
from models.unmet import count_unmet
from scheduler.jobs import run_maintenance

from .support import ChatDriver, add_offer
from .test_coordination import HARZ, QUEDLINBURG, _coordinator
from .test_coordination_web import _link, _login, client

WERNIGERODE = {"place_name": "Wernigerode", "latitude": 51.8365, "longitude": 10.7822}
OLD = datetime(2026, 3, 3, 15, 0)  # a one-off long past


async def _people(sessions, count: int, prefix: str) -> list[int]:
    async with sessions() as session, session.begin():
        await session.execute(
            insert(User),
            [{"platform": "telegram", "platform_id": f"{prefix}{n}"} for n in range(count)],
        )
        return list(
            await session.scalars(select(User.id).where(User.platform_id.like(f"{prefix}%")))
        )


async def _reminders(sessions, now, offer: Offer, people: list[int]) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            insert(Reminder),
            [
                {
                    "user_id": u,
                    "offer_id": offer.id,
                    "chat": f"telegram:{u}",
                    "evening_before": True,
                    "created_at": now,
                }
                for u in people
            ],
        )


async def _stale_offers(sessions, now) -> None:
    """Three old offers without a date: one imported, one whose organiser is silent, one whose
    organiser wrote last week (not stale)."""
    async with sessions() as session, session.begin():
        silent = User(
            platform="telegram", platform_id="silent", last_seen_at=now - timedelta(days=90)
        )
        active = User(
            platform="telegram", platform_id="active", last_seen_at=now - timedelta(days=7)
        )
        session.add_all([silent, active])
        await session.flush()
        owners = silent.id, active.id
    long_ago = now - timedelta(days=200)
    await add_offer(
        sessions,
        now,
        title="Strickkreis",
        organiser="Ingrid Beispiel",
        starts_local=OLD,
        created_at=long_ago,
        **QUEDLINBURG,
    )
    await add_offer(
        sessions,
        now,
        title="Seniorentanz",
        starts_local=OLD,
        created_at=long_ago,
        owner_id=owners[0],
        **WERNIGERODE,
    )
    await add_offer(
        sessions,
        now,
        title="Skatrunde",
        starts_local=OLD,
        created_at=long_ago,
        owner_id=owners[1],
        **WERNIGERODE,
    )
    await add_offer(sessions, now, title="Neue Runde", starts_local=OLD, **WERNIGERODE)  # too young


async def test_stale_offers_are_listed_without_their_organisers(sessions, places, now):
    await _stale_offers(sessions, now)
    chat = _coordinator(sessions, places, now, district=HARZ)
    await chat.say("/lage")
    assert (
        "💤 Verwaiste Angebote (60 Tage kein Termin, Veranstalter meldet sich nicht): 2"
        in chat.text
    )
    assert "   Strickkreis, Seniorentanz" in chat.text and "Skatrunde" not in chat.text
    path = await _link(sessions, places, now, "harz")
    async with client(sessions, places, lambda: now) as c:
        session = await _login(c, path)
        html = await (await c.get("/koordination", headers=session)).text()
        listed = (await (await c.get("/koordination/veraltet.csv", headers=session)).read()).decode(
            "utf-8-sig"
        )
    stale = html.split('id="veraltet"')[1].split('id="interesse"')[0]
    assert "Seniorentanz</a> – Wernigerode" in stale and "Strickkreis</a> – Quedlinburg" in stale
    assert "Skatrunde" not in stale and "Neue Runde" not in stale and "Ingrid" not in html
    assert "Noch keine Erinnerungen und keine Antworten „Ich komme“." in html
    rows = listed.splitlines()
    assert rows[0] == "Landkreis;Gemeinde;Angebot;Ort;Nummer;Zuletzt geändert"
    assert [r.split(";")[:4] for r in rows[1:]] == [
        ["Landkreis Harz", "Quedlinburg", "Strickkreis", "Quedlinburg"],
        ["Landkreis Harz", "Wernigerode", "Seniorentanz", "Wernigerode"],
    ]
    assert "Ingrid" not in listed and "silent" not in listed


async def test_interest_per_offer_hides_small_counts_everywhere(sessions, places, now):
    cafe = await add_offer(sessions, now, title="Adventscafé", **QUEDLINBURG)
    walk = await add_offer(sessions, now, title="Spaziergang", **WERNIGERODE)
    people = await _people(sessions, 7, "r")
    await _reminders(sessions, now, cafe, people)
    await _reminders(sessions, now, walk, people[:3])
    chat = _coordinator(sessions, places, now, district=HARZ)
    await chat.say("/lage")
    assert (
        "🔔 Erinnerungen bestellt: 10 · 👍 „Ich komme“ für Termine im November 2026: 0" in chat.text
    )
    path = await _link(sessions, places, now, "harz")
    async with client(sessions, places, lambda: now) as c:
        session = await _login(c, path)
        html = await (await c.get("/koordination", headers=session)).text()
        listed = (
            await (await c.get("/koordination/interesse.csv", headers=session)).read()
        ).decode("utf-8-sig")
    rows = listed.splitlines()
    assert (
        rows[0] == "Landkreis;Angebot;Ort;Nummer;Erinnerungen bestellt;"
        "„Ich komme“ für Termine im November 2026"
    )
    # The café's 7 would give the walk's 3 away (10 in the district): it is hidden too.
    assert rows[1:] == [
        f"Landkreis Harz;Adventscafé;Quedlinburg;{cafe.id};•;0",
        f"Landkreis Harz;Spaziergang;Wernigerode;{walk.id};< 5;0",
    ]
    interest = html.split('id="interesse"')[1].split('id="tabelle-gemeinden"')[0]
    assert '<th scope="row">Adventscafé</th><td>Quedlinburg</td><td>•</td><td>0</td>' in interest
    assert (
        "<td>&lt; 5</td>" in interest
        and "gezählt um 10:00 Uhr" in interest
        and "Noch keine" not in interest
    )
    assert not re.search(r"<td>[1-4]</td>", interest) and ">7<" not in interest


async def test_interest_is_counted_every_few_minutes_offers_and_searches_at_once(
    sessions, places, now
):
    cafe = await add_offer(sessions, now, title="Adventscafé", **QUEDLINBURG)
    chat = _coordinator(sessions, places, now, district=HARZ)
    await chat.say("/lage")
    assert "📍 1 Angebot mit" in chat.text and "Erinnerungen bestellt: 0" in chat.text
    await _reminders(sessions, now, cafe, await _people(sessions, 6, "r"))
    async with sessions() as session, session.begin():
        await count_unmet(session, "15085185", now, times=9)  # Huy
    await chat.say("/lage")
    assert "Suchen ohne Ergebnis im November 2026: 9" in chat.text  # at once
    assert "Erinnerungen bestellt: 0" in chat.text  # counted at 10:00, not again before 10:05
    chat.now = now + COUNT_EVERY
    await chat.say("/lage")
    assert "Erinnerungen bestellt: 6" in chat.text
    await add_offer(sessions, now, title="Spaziergang", **WERNIGERODE)
    await chat.say("/lage")
    assert "📍 2 Angebote" in chat.text  # a new offer at once
    async with sessions() as session, session.begin():  # and one deleted
        await session.execute(delete(Offer).where(Offer.title == "Spaziergang"))
    await chat.say("/lage")
    assert "📍 1 Angebot mit" in chat.text


async def test_a_state_coordinator_invites_one_for_a_district(sessions, places, now):
    land = _coordinator(sessions, places, now, user="land")
    await land.say("/lage Harz")
    await land.press("Koordination einladen")
    assert "der neuen Koordinatorin oder dem neuen Koordinator für Landkreis Harz" in land.text
    code = land.html.split("<b>")[1].split("</b>")[0]
    mayor = ChatDriver(sessions, places, now, user="mayor")
    await mayor.say(f"/koordination {code}")
    await mayor.say("/lage")
    assert "Die Lage in Landkreis Harz" in mayor.text
    await mayor.send_button("ki:all")  # a forged invitation for the whole state
    assert "Das sehen nur Koordinatorinnen" in mayor.text
    await mayor.send_button("ki:15090")
    assert "Das sehen nur Koordinatorinnen" in mayor.text
    await mayor.send_button("ki:nonsense")
    assert "<b>" not in mayor.html


async def test_a_past_months_report_says_its_offers_are_todays(sessions, places, now, tmp_path):
    await add_offer(sessions, now, **QUEDLINBURG)
    async with sessions() as session, session.begin():
        await count_unmet(
            session, "15085185", now - timedelta(days=30), times=3
        )  # Huy in October: small
    path = await _link(sessions, places, now, "harz")
    reports = {}
    async with client(sessions, places, lambda: now) as c:
        session = await _login(c, path)
        for month in ("2026-11", "2026-10"):
            pdf = await (
                await c.get(f"/koordination/bericht.pdf?monat={month}", headers=session)
            ).read()
            (tmp_path / "r.pdf").write_bytes(pdf)
            reports[month] = " ".join(
                subprocess.run(
                    ["pdftotext", str(tmp_path / "r.pdf"), "-"],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.split()
            )
    assert "Angebote und weiße Flecken: die 14 Tage ab 25. November 2026." in reports["2026-11"]
    assert (
        "Angebote und weiße Flecken: die 14 Tage ab 25. November 2026, nicht Oktober 2026 – die "
        "Angebote vergangener Monate werden nicht aufbewahrt."
    ) in reports["2026-10"]
    assert "Monatsbericht Oktober 2026" in reports["2026-10"]
    assert (
        "Suchen ohne Ergebnis im Oktober 2026: < 5" in reports["2026-10"]
        and "&lt;" not in reports["2026-10"]
    )
    assert (
        "0 verwaiste Angebote (60 Tage kein Termin, Veranstalter meldet sich nicht) Erinnerungen "
        "bestellt: 0; „Ich komme“ für Termine im November 2026: 0"
    ) in reports["2026-11"]


async def test_requests_for_company_go_a_day_after_their_date(sessions, places, now):
    offer = await add_offer(sessions, now, **QUEDLINBURG)
    [resident] = await _people(sessions, 1, "anna")
    async with sessions() as session, session.begin():
        for starts in (now - timedelta(days=2), now + timedelta(hours=5)):
            session.add(
                CompanionRequest(
                    resident_id=resident,
                    offer_id=offer.id,
                    starts_at=starts,
                    ags="15085235",
                    status="agreed",
                    resident_name="Anna",
                    companion_name="Erika",
                    created_at=now,
                    updated_at=now,
                )
            )
    assert (await run_maintenance(sessions, now))["companion_requests_forgotten"] == 1
    async with sessions() as session:
        left = (await session.scalars(select(CompanionRequest))).all()
    assert [r.starts_at for r in left] == [now + timedelta(hours=5)]


async def test_coming_counts_only_dates_of_this_month(sessions, places, now):
    cafe = await add_offer(sessions, now, title="Adventscafé", **QUEDLINBURG)
    people = await _people(sessions, 12, "c")
    async with sessions() as session, session.begin():
        await session.execute(
            insert(Attendance),
            [
                {
                    "user_id": u,
                    "offer_id": cafe.id,
                    "coming": True,
                    "answered_at": now,
                    "starts_at": now + timedelta(days=1 if n < 6 else 9),
                }
                for n, u in enumerate(people)
            ],
        )  # Nov / Dec
    chat = _coordinator(sessions, places, now, user="land")
    await chat.say("/lage")
    assert "„Ich komme“ für Termine im November 2026: 6" in chat.text


async def test_datenschutz_says_what_coordinators_see(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user="anna")
    await chat.say("/datenschutz")
    assert (
        "Die Koordination sieht nur Zahlen, nie wer: Suchen, die nichts gefunden haben (eine Zahl "
        "je Gemeinde und Monat, ohne Sie, Ihren Chat oder die Uhrzeit), und wie viele Erinnerungen "
        "und Antworten „Ich komme“ jedes Angebot hat; Zahlen von 1 bis 4 zeigen wir nie."
    ) in chat.text
    assert "bis eine Seite zurückzieht oder bis einen Tag nach dem Treffen" in chat.text


def test_nahbar_bericht_writes_a_district_report_and_says_what_its_offers_are(tmp_path):
    import os
    import sys

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("NAHBAR_", "DATABASE_"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'nahbar.sqlite3'}",
        "NAHBAR_DEMO_DATA": "false",
    }
    out = tmp_path / "harz.pdf"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "bericht",
            "--kreis",
            "Harz",
            "--monat",
            "2026-10",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{out}: 0 offers, 20 white spots of 20 municipalities\n")
    assert "Offers and white spots are those of the 14 days from " in done.stdout
    assert ": the offers of 2026-10 are not kept." in done.stdout
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Treffpunkte in Landkreis Harz" in " ".join(text.split())
    wrong = subprocess.run(
        [sys.executable, "-m", "bot", "bericht", "--kreis", "Atlantis"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert wrong.returncode == 2 and "no district 'Atlantis' in Sachsen-Anhalt" in wrong.stderr


def _pixels(ppm: bytes) -> list[tuple[int, int, int]]:
    """The pixels of a binary PPM (P6), as pdftoppm writes it."""
    magic, width, height, depth, data = ppm.split(maxsplit=4)
    assert magic == b"P6" and depth == b"255"
    return [tuple(data[i : i + 3]) for i in range(0, int(width) * int(height) * 3, 3)]


def _near(colour: str, pixels, tolerance: int = 6) -> int:
    want = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return sum(
        1 for p in pixels if all(abs(a - b) <= tolerance for a, b in zip(p, want, strict=False))
    )


async def test_the_reports_map_rendered_shows_offers_shaded_and_white_spots_hatched(
    sessions, places, now, tmp_path
):
    from publish.map import CLASSES, HATCH, colour

    await add_offer(sessions, now, **QUEDLINBURG)  # 1 offer for about 24,000 residents: "up to 3"
    path = await _link(sessions, places, now, "harz")
    async with client(sessions, places, lambda: now) as c:
        session = await _login(c, path)
        (tmp_path / "r.pdf").write_bytes(
            await (await c.get("/koordination/bericht.pdf", headers=session)).read()
        )
        html = await (await c.get("/koordination", headers=session)).text()
    assert re.search(
        r'<path d="[^"]+" fill="#c6dbef" [^>]*data-ags="15085235">', html
    )  # not "no offer"
    assert (
        colour(0.4) == colour(3.0) == CLASSES[1][1]
        and colour(0) == CLASSES[0][1]
        and colour(6.1) == CLASSES[3][1]
    )
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "r.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    [page] = list(tmp_path.glob("page*.ppm"))
    pixels = _pixels(page.read_bytes())
    assert _near(CLASSES[1][1], pixels) > 30  # Quedlinburg and its legend entry
    hatched = sum(
        1 for r, g, b in pixels if r > g + 60 and r > b + 60
    )  # the white spots' red lines
    assert hatched > 2_000 and _near(HATCH, pixels) > 10
    assert _near(CLASSES[3][1], pixels) < _near(CLASSES[1][1], pixels)
