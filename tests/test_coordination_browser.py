"""The coordinators' map in a real browser (Debian's chromium via Playwright, as for the web
face): the one-time link, the map of a district with a title per municipality, a keyboard user
reaching a municipality's row from the map, and nothing after logging out."""

from __future__ import annotations

import re

import pytest

from models.coordination import CoordinatorList
from models.unmet import count_unmet
from publish.links import Links
from web.app import WebContext
from web.server import start_web

from .support import ChatDriver, add_offer
from .test_web_browser import ARGS, CHROMIUM, ROOT, pytestmark  # noqa: F401  (skip without chromium)

LINKS = Links(web="http://127.0.0.1")  # replaced by the server's real address below
COORDINATORS = CoordinatorList({"terminal:harz": "15085"})


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_map_in_a_browser(sessions, places, now, tmp_path):
    from playwright.async_api import async_playwright, expect

    await add_offer(sessions, now, place_name="Quedlinburg", latitude=51.7894, longitude=11.1413)
    async with sessions() as session, session.begin():
        await count_unmet(session, "15085185", now, times=3)
        await count_unmet(session, "15085055", now, times=9)
    links = Links()
    server = await start_web(
        WebContext(sessions, places, lambda: now, links, coordinators=COORDINATORS), "127.0.0.1", 0
    )
    links.web = server.url
    chat = ChatDriver(sessions, places, now, user="harz")
    chat.core.services.coordinators, chat.core.services.links = COORDINATORS, links
    await chat.send_button("kw")
    link = re.search(r"(http://\S+/koordination/anmelden/\S+)", chat.text).group(1)
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = await browser.new_page(
                    viewport={"width": 1200, "height": 900}, locale="de-DE"
                )
                response = await page.goto(server.url + "/koordination")
                assert response.status == 403
                await page.goto(link)
                await page.get_by_role("button", name="Anmelden").click()
                await page.wait_for_url("**/koordination")
                assert await page.locator("h1").inner_text() == "Die Lage in Landkreis Harz"
                shapes = page.locator("svg.map path[data-ags]")
                assert await shapes.count() == 20  # the Harz district's municipalities, none other
                huy = page.locator('svg.map path[data-ags="15085185"] title')
                title = await huy.text_content()
                assert (
                    title.startswith("Huy")
                    and "< 5" in title
                    and "3" not in title.split("Monat:")[1]
                )
                box = await page.locator("svg.map").bounding_box()
                assert box["width"] > 300 and box["height"] > 300
                await page.locator('svg.map a[href="#g15085185"]').focus()
                await page.keyboard.press("Enter")
                # The jump to the row is a navigation in the page: wait for it, not a race.
                await expect(page).to_have_url(re.compile(r"#g15085185$"))
                row = await page.locator("#g15085185").inner_text()
                assert row.startswith("Huy") and "< 5" in row
                await page.screenshot(path=str(tmp_path / "map.png"), full_page=True)
                await page.get_by_role("button", name="Abmelden").click()
                response = await page.goto(server.url + "/koordination")
                assert response.status == 403 and "Huy" not in await page.content()
                await page.goto(link)  # the link is spent
                await page.get_by_role("button", name="Anmelden").click()
                assert "Nicht freigegeben" in await page.content()
            finally:
                await browser.close()
    finally:
        await server.stop()
