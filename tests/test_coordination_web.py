"""The coordinators' web pages: a one-time login link from the chat, then a session cookie;
403 and nothing shown without it; a district coordinator's pages and exports show nothing of
another district; no page, export or report shows a count below 5."""

from __future__ import annotations

import re
import subprocess
from contextlib import asynccontextmanager
from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer

from models.coordination import CoordinatorList
from models.unmet import count_unmet
from web.app import WebContext, make_app

from .support import ChatDriver, add_offer
from .web_support import LINKS

HARZ = "15085"
QUEDLINBURG = {"place_name": "Quedlinburg", "latitude": 51.7894, "longitude": 11.1413}
STENDAL = {"place_name": "Stendal", "latitude": 52.6056, "longitude": 11.8583}
COORDINATORS = CoordinatorList({"terminal:land": "", "terminal:harz": HARZ})


@asynccontextmanager
async def client(sessions, places, clock):
    context = WebContext(
        sessions, places, clock, LINKS, requests_per_minute=10_000, coordinators=COORDINATORS
    )
    c = TestClient(TestServer(make_app(context), host="127.0.0.1"))
    await c.start_server()
    try:
        yield c
    finally:
        await c.close()


async def _link(sessions, places, now, user: str) -> str:
    chat = ChatDriver(sessions, places, now, user=user)
    chat.core.services.coordinators = COORDINATORS
    chat.core.services.links = LINKS
    await chat.send_button("kw")
    assert "gültig 15 Minuten und nur einmal" in chat.text
    return re.search(r"https://nahbar\.example\.org(/koordination/anmelden/\S+)", chat.text).group(
        1
    )


async def _login(c, path: str) -> dict:
    """Spend the link; the session cookie as a header (it is Secure: the test speaks plain HTTP)."""
    response = await c.post(path, allow_redirects=False)
    assert response.status == 303, response.status
    return {"Cookie": f"nahbar_koordination={response.cookies['nahbar_koordination'].value}"}


async def _counts(sessions, now):
    async with sessions() as session, session.begin():
        await count_unmet(session, "15085185", now, times=3)  # Huy, Harz: small
        await count_unmet(session, "15085235", now, times=11)  # Quedlinburg, Harz
        await count_unmet(session, "15090535", now, times=2)  # Stendal: small
        await count_unmet(session, "15090010", now, times=8)  # Arneburg, Stendal district


async def test_without_a_login_everything_is_forbidden(sessions, places, now):
    await _counts(sessions, now)
    async with client(sessions, places, lambda: now) as c:
        for path in (
            "/koordination",
            "/koordination/gemeinden.csv",
            "/koordination/kreise.csv",
            "/koordination/bericht.pdf",
        ):
            response = await c.get(path)
            body = await response.text()
            assert response.status == 403, path
            assert (
                "Huy" not in body
                and "Quedlinburg" not in body
                and "Diese Seiten sind für die Koordination" in body
            )
        response = await c.post("/koordination/anmelden/forged-token")
        assert response.status == 403
        forged = await c.get("/koordination", cookies={"nahbar_koordination": "guessed"})
        assert forged.status == 403


async def test_the_link_works_once_and_opens_a_strict_session(sessions, places, now):
    await add_offer(sessions, now, **QUEDLINBURG)
    await _counts(sessions, now)
    path = await _link(sessions, places, now, "land")
    async with client(sessions, places, lambda: now) as c:
        preview = await c.get(path)  # a messenger's link preview: shows a button, spends nothing
        assert preview.status == 200 and "Anmelden" in await preview.text()
        response = await c.post(path, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/koordination"
        cookie = response.headers["Set-Cookie"]
        assert (
            "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/koordination" in cookie
        )
        assert "Secure" in cookie  # the public address is https
        session = {"Cookie": f"nahbar_koordination={response.cookies['nahbar_koordination'].value}"}
        page = await c.get("/koordination", headers=session)
        html = await page.text()
        assert page.status == 200 and page.headers["Cache-Control"] == "no-store"
        assert (
            "Die Lage in Sachsen-Anhalt" in html
            and "<svg" in html
            and 'data-ags="15085235"' in html
        )
        async with client(sessions, places, lambda: now) as other:
            again = await other.post(path, allow_redirects=False)
            assert again.status == 403  # used once
        await c.post("/koordination/abmelden", headers=session)
        assert (await c.get("/koordination", headers=session)).status == 403


async def test_an_expired_link_opens_nothing(sessions, places, now):
    path = await _link(sessions, places, now, "land")
    async with client(sessions, places, lambda: now + timedelta(minutes=16)) as c:
        assert (await c.post(path, allow_redirects=False)).status == 403


async def test_a_link_of_someone_no_longer_coordinating_opens_nothing(sessions, places, now):
    path = await _link(sessions, places, now, "land")
    context = WebContext(sessions, places, lambda: now, LINKS, coordinators=CoordinatorList({}))
    c = TestClient(TestServer(make_app(context), host="127.0.0.1"))
    await c.start_server()
    try:
        assert (await c.post(path, allow_redirects=False)).status == 403
    finally:
        await c.close()


async def test_a_district_sees_nothing_of_another_and_no_small_count_anywhere(
    sessions, places, now, tmp_path
):
    await add_offer(sessions, now, **QUEDLINBURG)
    await add_offer(sessions, now, title="Stendaler Stube", **STENDAL)
    await _counts(sessions, now)
    path = await _link(sessions, places, now, "harz")
    async with client(sessions, places, lambda: now) as c:
        session = await _login(c, path)
        html = await (await c.get("/koordination", headers=session)).text()
        csvs = [
            (await (await c.get(f"/koordination/{n}.csv", headers=session)).read()).decode(
                "utf-8-sig"
            )
            for n in ("gemeinden", "kreise")
        ]
        pdf = await (await c.get("/koordination/bericht.pdf?monat=2026-11", headers=session)).read()
        assert (
            await c.get("/koordination/bericht.pdf?monat=2026-13", headers=session)
        ).status == 400
    (tmp_path / "r.pdf").write_bytes(pdf)
    report = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for shown in (html, *csvs, report):
        assert "Landkreis Harz" in shown
        assert "Stendal" not in shown and "15090" not in shown and "Arneburg" not in shown
    assert "Huy;15085185;Landkreis Harz" in csvs[0]
    huy = next(line for line in csvs[0].splitlines() if line.startswith("Huy;"))
    assert huy.endswith(";< 5") and ";3" not in huy
    quedlinburg = next(line for line in csvs[0].splitlines() if line.startswith("Quedlinburg;"))
    assert quedlinburg.endswith(
        ";•"
    )  # with the district's 14 shown, its 11 would give Huy's 3 away
    district = next(line for line in csvs[1].splitlines() if line.startswith("Landkreis Harz;"))
    assert ";14;" in district
    for shown in (html, *csvs, report):
        for small in re.findall(r"(?<![\d.,])[1-4](?![\d.,])", _counts_only(shown)):
            raise AssertionError(f"a small count {small} is shown")


def _counts_only(text: str) -> str:
    """The search counts of a page or export: what follows the municipalities' and districts'
    names in their rows (years, keys, rates and the month's name left out)."""
    return " ".join(re.findall(r"(?:&lt; 5|< 5|•|\b\d+\b)(?=\s*(?:</td></tr>|$|\r?\n))", text))


async def test_maintenance_forgets_spent_links_and_ended_sessions(sessions, places, now):
    from sqlalchemy import func, select

    from models.web_login import LoginLink, WebSession
    from scheduler.jobs import run_maintenance

    path = await _link(sessions, places, now, "land")
    async with client(sessions, places, lambda: now) as c:
        await _login(c, path)
    await run_maintenance(sessions, now + timedelta(hours=9))
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(LoginLink)) == 0
        assert await session.scalar(select(func.count()).select_from(WebSession)) == 0
