"""The web face in a real browser — Debian's chromium driven by Playwright (never `playwright
install`: nothing is downloaded) — as a person uses it: searching from the form, following an
offer, subscribing, printing on A4, the embed inside another site's page, the keyboard alone,
and axe-core's accessibility rules (headings, labels, contrast, lang).

NAHBAR_SCREENSHOTS=docs saves screenshots of the main pages to docs/screenshots/ for the README.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import pytest
from aiohttp import web

from web.app import WebContext
from web.server import start_web

from .support import add_offer
from .web_support import LINKS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and os.environ.get("NAHBAR_TEST_BROWSER") != "require",
    reason="Debian's chromium is not installed (.ci/run installs it)",
)
WERNIGERODE = {"place_name": "Wernigerode", "latitude": 51.8365, "longitude": 10.7822}
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@asynccontextmanager
async def browser_at(sessions, places, now):
    """The real web server on a free port of 127.0.0.1 and a headless chromium page."""
    from playwright.async_api import async_playwright

    server = await start_web(WebContext(sessions, places, lambda: now, LINKS), "127.0.0.1", 0)
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = await browser.new_page(
                    viewport={"width": 1000, "height": 900}, locale="de-DE"
                )
                yield server.url, page
            finally:
                await browser.close()
    finally:
        await server.stop()


async def _offers(sessions, now):
    await add_offer(
        sessions,
        now,
        title="Adventscafé im Pfarrhaus",
        rrule="FREQ=WEEKLY;BYDAY=TH",
        starts_local=datetime(2026, 11, 26, 15),
        wheelchair="yes",
        toilets_wheelchair="yes",
        contact="Telefon 03943 1234",
        **WERNIGERODE,
    )
    await add_offer(
        sessions,
        now,
        title="Warme Stube im Rathaus",
        category="warm_room",
        starts_local=datetime(2026, 11, 27, 11),
        wheelchair="limited",
        **WERNIGERODE,
    )
    await add_offer(
        sessions,
        now,
        title="Spaziergang durch den Lustgarten",
        category="walk",
        starts_local=datetime(2026, 11, 28, 10),
        **WERNIGERODE,
    )


async def _shot(page, name: str) -> None:
    if os.environ.get("NAHBAR_SCREENSHOTS") == "docs":
        folder = ROOT / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_search_from_the_form_then_a_place_then_an_offer(sessions, places, now):
    await _offers(sessions, now)
    async with browser_at(sessions, places, now) as (url, page):
        await page.goto(url + "/")
        await _shot(page, "search")
        await page.get_by_label("Ort, Dorf oder Postleitzahl").fill("Wernigerode")
        await page.get_by_label("Wann").select_option("14")
        await page.get_by_role("button", name="Treffen zeigen").click()
        await page.wait_for_url("**/ort/g*")
        assert await page.locator("h1").inner_text() == "Treffen bei Wernigerode"
        titles = await page.locator("ol.offers h2").all_inner_texts()
        assert titles == [
            "Adventscafé im Pfarrhaus",
            "Warme Stube im Rathaus",
            "Spaziergang durch den Lustgarten",
        ]
        subscribe = await page.get_by_role("link", name="Im Kalender abonnieren").get_attribute(
            "href"
        )
        assert subscribe.startswith("/ort/g") and subscribe.endswith(".ics")
        await _shot(page, "place")
        await page.get_by_role("link", name="Adventscafé im Pfarrhaus").click()
        await page.wait_for_url("**/angebot/*")
        assert await page.locator("h1").inner_text() == "Adventscafé im Pfarrhaus"
        body = await page.locator("main").inner_text()
        assert "Rollstuhlgerecht: Eingang ohne Stufe" in body and "Telefon 03943 1234" in body
        assert (
            await page.get_by_role("link", name="In Telegram öffnen").get_attribute("href")
            == f"https://t.me/nahbar_test_bot?start=offer_{page.url.rsplit('/', 1)[1]}"
        )
        assert (
            await page.get_by_role("link", name="📅 In meinen Kalender").get_attribute("href")
        ).endswith(".ics")
        await _shot(page, "offer")

        # Only step-free venues.
        await page.goto(url + "/ort/Wernigerode?barrierefrei=1")
        assert await page.locator("ol.offers h2").all_inner_texts() == ["Adventscafé im Pfarrhaus"]
        assert await page.get_by_label("Nur stufenlose Orte (rollstuhlgerecht)").is_checked()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_keyboard_alone_reaches_every_control(sessions, places, now):
    await _offers(sessions, now)
    async with browser_at(sessions, places, now) as (url, page):
        await page.goto(url + "/")
        await page.keyboard.press("Tab")
        focused = await page.evaluate("document.activeElement.textContent")
        assert focused == "Zum Inhalt springen"  # the skip link comes first and is visible
        assert await page.locator("a.skip").bounding_box() is not None
        for _ in range(10):  # tab on until the place field has the focus
            await page.keyboard.press("Tab")
            if await page.evaluate("document.activeElement.id") == "ort":
                break
        else:
            pytest.fail("the place field cannot be reached with Tab")
        outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"  # the focus is visible
        await page.keyboard.type("Wernigerode")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/ort/g*")
        # Tab to the first offer and open it with Enter.
        for _ in range(30):
            await page.keyboard.press("Tab")
            if (
                await page.evaluate("document.activeElement.textContent")
                == "Adventscafé im Pfarrhaus"
            ):
                break
        else:
            pytest.fail("the first offer cannot be reached with Tab")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/angebot/*")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_axe_finds_no_accessibility_violations(sessions, places, now):
    from axe_playwright_python.async_playwright import Axe

    await _offers(sessions, now)
    axe = Axe()
    async with browser_at(sessions, places, now) as (url, page):
        for path in (
            "/",
            "/?ort=Gernrode",
            "/ort/Wernigerode",
            "/ort/Wernigerode?lang=en",
            "/einbetten?ort=Wernigerode",
            "/gibtsnicht",
        ):
            await page.goto(url + path)
            results = await axe.run(page)
            violations = [
                (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                for v in results.response["violations"]
            ]
            assert violations == [], (path, violations)
            checked = {rule["id"] for rule in results.response["passes"]}
            assert {"html-has-lang", "label", "color-contrast", "heading-order"} & checked, path
            size = await page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
            assert size >= 18, (path, size)
        offer = await page.goto(url + "/ort/Wernigerode")
        assert offer.ok


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_print_layout_fits_a4(sessions, places, now, tmp_path):
    await _offers(sessions, now)
    async with browser_at(sessions, places, now) as (url, page):
        await page.goto(url + "/ort/Wernigerode")
        await page.emulate_media(media="print")
        await page.set_viewport_size(
            {"width": 718, "height": 1000}
        )  # A4 less 15 mm margins at 96 dpi
        assert await page.evaluate("document.documentElement.scrollWidth") <= 718
        assert not await page.locator("form.search").is_visible()  # no controls on paper
        pdf = tmp_path / "print.pdf"
        await page.pdf(path=str(pdf), prefer_css_page_size=True)
        info = subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        assert "pts (A4)" in info, info  # poppler names the paper size
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Adventscafé im Pfarrhaus" in text and "Spaziergang durch den Lustgarten" in text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_embed_shows_inside_a_foreign_page_and_nothing_else_does(sessions, places, now):
    await _offers(sessions, now)
    async with browser_at(sessions, places, now) as (url, page):
        foreign = web.Application()

        async def town_hall(request):
            return web.Response(
                content_type="text/html",
                text=(
                    '<!doctype html><html lang="de"><title>Gemeinde</title><h1>Unsere Gemeinde</h1>'
                    f'<iframe id="ok" title="Treffen" src="{url}/embed?ort=Wernigerode"></iframe>'
                    f'<iframe id="no" title="Seite" src="{url}/ort/Wernigerode"></iframe>'
                ),
            )

        foreign.router.add_get("/", town_hall)
        runner = web.AppRunner(foreign)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            port = runner.addresses[0][1]
            await page.goto(f"http://127.0.0.1:{port}/")  # another origin (another port)
            embedded = page.frame_locator("#ok")
            await embedded.locator("h2").first.wait_for()
            assert "Treffen bei Wernigerode" in await embedded.locator("h2").first.inner_text()
            assert "Adventscafé im Pfarrhaus" in await embedded.locator("main").inner_text()
            await _shot(page, "embed")
            blocked = page.frame(url=f"{url}/ort/Wernigerode")
            content = await blocked.content() if blocked else ""
            assert "Adventscafé" not in content  # the browser refused to frame the full page
        finally:
            await runner.cleanup()
