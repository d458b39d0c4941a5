"""The web face as a reader and a hostile client meet it: the search form, place and offer
pages, the embed, and clear pages (never a stack trace) for everything that cannot be right."""

from __future__ import annotations

import json
import re
from datetime import datetime

from models import OfferStatus
from models.accessibility import Wheelchair

from .support import add_offer
from .web_support import web_client

WERNIGERODE = {"place_name": "Wernigerode", "latitude": 51.8365, "longitude": 10.7822}


def _jsonld(html: str) -> list:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [item for block in found for item in json.loads(block)]


async def test_the_form_finds_a_place_and_its_page_lists_the_coming_meetings(sessions, places, now):
    await add_offer(
        sessions,
        now,
        title="Adventscafé im Pfarrhaus",
        rrule="FREQ=WEEKLY;BYDAY=TH",
        starts_local=datetime(2026, 11, 26, 15),
        wheelchair=Wheelchair.YES,
        **WERNIGERODE,
    )
    await add_offer(
        sessions, now, title="Noch nicht freigegeben", status=OfferStatus.PENDING, **WERNIGERODE
    )
    async with web_client(sessions, places, now) as client:
        form = await client.get("/")
        html = await form.text()
        assert form.status == 200 and '<html lang="de">' in html
        assert '<label for="ort">Ort, Dorf oder Postleitzahl</label>' in html
        found = await client.get("/?ort=wernigerode&tage=14", allow_redirects=False)
        assert found.status == 303 and found.headers["Location"].startswith("/ort/g")
        page = await client.get(found.headers["Location"])
        html = await page.text()
        assert page.status == 200
        assert "<h1>Treffen bei Wernigerode</h1>" in html
        assert "Adventscafé im Pfarrhaus" in html and "Do., 26. Nov., 15:00–17:00 Uhr" in html
        assert "Noch nicht freigegeben" not in html  # only published offers
        assert "Rollstuhlgerecht: Eingang ohne Stufe" in html
        assert ".ics" in html and "Im Kalender abonnieren" in html
        [event, *_] = _jsonld(html)
        assert event["@type"] == "Event" and event["name"] == "Adventscafé im Pfarrhaus"
        assert event["startDate"].startswith("2026-11-26T14:00")
        assert {
            "@type": "LocationFeatureSpecification",
            "name": "wheelchair",
            "value": "yes",
        } in event["location"]["amenityFeature"]

        english = await (await client.get(found.headers["Location"] + "&lang=en")).text()
        assert '<html lang="en">' in english and "Meetings near Wernigerode" in english


async def test_namesakes_are_offered_as_a_choice_and_unknown_places_get_a_clear_page(
    sessions, places, now
):
    async with web_client(sessions, places, now) as client:
        choice = await client.get("/?ort=Gernrode", allow_redirects=False)
        html = await choice.text()
        assert choice.status == 200 and "Es gibt mehrere Orte namens" in html
        assert "Gernrode (Stadt Quedlinburg)" in html and "Gernrode (Thüringen)" in html
        unknown = await client.get("/ort/Xyzzyplatz")
        assert unknown.status == 404 and "Xyzzyplatz" in await unknown.text()


async def test_an_offer_page_shows_dates_access_contact_and_links_into_the_chats(
    sessions, places, now
):
    offer = await add_offer(
        sessions,
        now,
        title="Warme Stube",
        category="warm_room",
        contact="Telefon 03943 1234",
        wheelchair=Wheelchair.LIMITED,
        **WERNIGERODE,
    )
    hidden = await add_offer(
        sessions, now, title="Pausiert", status=OfferStatus.PAUSED, **WERNIGERODE
    )
    async with web_client(sessions, places, now) as client:
        page = await client.get(f"/angebot/{offer.id}")
        html = await page.text()
        assert page.status == 200 and "<h1>Warme Stube</h1>" in html
        assert "Do., 26. Nov., 15:00–17:00 Uhr" in html
        assert "Teilweise rollstuhlgerecht: eine Stufe von höchstens 7 cm" in html
        assert "Telefon 03943 1234" in html
        assert f"https://t.me/nahbar_test_bot?start=offer_{offer.id}" in html
        assert "https://matrix.to/#/@nahbar:example.org" in html
        assert f'href="/angebot/{offer.id}.ics"' in html
        assert (await client.get(f"/angebot/{hidden.id}")).status == 404


async def test_step_free_filter_shows_only_venues_said_to_be_step_free(sessions, places, now):
    await add_offer(sessions, now, title="Stufenlos", wheelchair=Wheelchair.YES, **WERNIGERODE)
    await add_offer(sessions, now, title="Eine Stufe", wheelchair=Wheelchair.LIMITED, **WERNIGERODE)
    await add_offer(sessions, now, title="Nichts gesagt", **WERNIGERODE)
    async with web_client(sessions, places, now) as client:
        every = await (await client.get("/ort/Wernigerode")).text()
        only = await (await client.get("/ort/Wernigerode?barrierefrei=1")).text()
    assert all(title in every for title in ("Stufenlos", "Eine Stufe", "Nichts gesagt"))
    assert "Stufenlos" in only and "Eine Stufe" not in only and "Nichts gesagt" not in only


async def test_markup_in_offer_fields_is_shown_as_text(sessions, places, now):
    evil = "<script>alert(1)</script></script><img src=x onerror=alert(2)>"
    offer = await add_offer(
        sessions, now, title=evil[:120], description=evil, organiser=evil[:120], **WERNIGERODE
    )
    async with web_client(sessions, places, now) as client:
        for path in (
            "/ort/Wernigerode",
            f"/angebot/{offer.id}",
            "/embed?ort=Wernigerode",
            "/einbetten?ort=Wernigerode",
            "/ort/Wernigerode.rss",
        ):
            body = await (await client.get(path)).text()
            assert "<script>alert" not in body and "<img src=x" not in body, path
            assert "&lt;script&gt;alert(1)" in body or "\\u003cscript\\u003e" in body, path
        html = await (await client.get(f"/angebot/{offer.id}")).text()
        assert _jsonld(html)[0]["name"] == evil[:120]  # the data survives, escaped for HTML


async def test_hostile_requests_get_clear_pages_and_no_stack_trace(sessions, places, now):
    async with web_client(sessions, places, now) as client:
        cases = {
            "/?ort=" + "x" * 5000: 400,
            "/ort/" + "y" * 300: 404,
            "/angebot/99999999999": 404,
            "/angebot/-1": 404,
            "/angebot/1%00": 404,
            "/ort/%2e%2e%2fetc": 404,
            "/feed.ics": 400,
            "/feed.rss?ort=Nirgendwo123": 404,
            "/aushang/Wernigerode": 404,
            "/ort/Wernigerode?umkreis=999999&tage=-5&art=%3Cb%3E&barrierefrei=" + "1" * 50: 200,
            "/static/../../etc/passwd": 404,
            "/gibtsnicht": 404,
        }
        for path, status in cases.items():
            response = await client.get(path, allow_redirects=False)
            body = await response.text()
            assert response.status == status, (path, response.status)
            assert "Traceback" not in body and 'File "' not in body, path
            if status >= 400:
                assert "<h1>" in body and 'lang="de"' in body, path
        posted = await client.post("/", data={"ort": "x"})
        assert posted.status == 405 and "Diese Seite kann nur gelesen werden" in await posted.text()


async def test_requests_per_client_are_limited(sessions, places, now):
    async with web_client(sessions, places, now, per_minute=3) as client:
        statuses = [(await client.get("/")).status for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = await client.get("/")
        assert (
            "Bitte etwas langsamer" in await limited.text()
            and int(limited.headers["Retry-After"]) >= 1
        )
        assert (await client.get("/healthz")).status == 200  # operators' probes are not limited


async def test_only_the_embed_may_be_framed_by_other_sites(sessions, places, now):
    await add_offer(sessions, now, title="Spaziergang", category="walk", **WERNIGERODE)
    async with web_client(sessions, places, now) as client:
        page = await client.get("/ort/Wernigerode")
        assert page.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        embed = await client.get("/embed?ort=Wernigerode")
        assert "X-Frame-Options" not in embed.headers
        assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
        assert "Spaziergang" in await embed.text()
        fragment = await client.get("/embed/fragment?ort=Wernigerode")
        html = await fragment.text()
        assert (
            html.startswith('<section class="nahbar"')
            and "https://nahbar.example.org/angebot/" in html
        )
        help_page = await (await client.get("/einbetten?ort=Wernigerode")).text()
        assert "&lt;iframe src=&#34;https://nahbar.example.org/embed?ort=g" in help_page


async def test_healthz_answers_ok(sessions, places, now):
    async with web_client(sessions, places, now) as client:
        response = await client.get("/healthz")
        assert response.status == 200 and await response.text() == "ok\n"
