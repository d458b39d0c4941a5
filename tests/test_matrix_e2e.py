"""The Matrix bot against a real Synapse on 127.0.0.1: residents with real Matrix clients.

Each test registers its own accounts on the session's homeserver (`synapse` fixture) and runs
the real bot (`NahbarOnMatrix`: bot.matrix.MatrixBot over bot.app.open_app, SQLite, demo
offers) in this process.
"""

from __future__ import annotations

import pytest

from .synapse import MatrixResident, NahbarOnMatrix

WERNIGERODE = (51.8365, 10.7822)


@pytest.fixture
async def nahbar(synapse, tmp_path):
    bot = NahbarOnMatrix(synapse, await synapse.register("nahbar"), tmp_path / "bot")
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def resident(synapse, tmp_path):
    person = await MatrixResident.create(synapse, tmp_path)
    yield person
    await person.stop()


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_a_resident_finds_an_offer_by_place_and_location(nahbar, resident, encrypted):
    await resident.open_dm(nahbar.user_id, encrypted=encrypted)
    welcome = await resident.wait_for_reply()
    assert welcome.msgtype == "m.notice"
    assert "willkommen" in welcome.body.lower(), welcome.body

    listing = await resident.ask("Wernigerode", lambda m: "Treffen" in m.body)
    assert listing.msgtype == "m.notice"
    assert listing.content["format"] == "org.matrix.custom.html"
    assert "<b>" in listing.html and "<b>" not in listing.body
    assert listing.number_of("Adventscafé") == 1 or "Adventscafé" in str(listing.choices())

    detail = await resident.choose(listing, "Adventscafé")
    assert "Adventscafé" in detail.body and "Treffen bei" not in detail.body

    calendar_file = await resident.choose(detail, "Kalender", lambda m: m.msgtype == "m.file")
    assert calendar_file.content["filename"].endswith(".ics")
    assert ("file" in calendar_file.content) == encrypted  # encrypted rooms get encrypted files
    ics = await resident.download(calendar_file)
    assert b"BEGIN:VEVENT" in ics and "Adventscaf".encode() in ics

    place = await resident.choose(detail, "Ort", lambda m: m.msgtype == "m.location")
    assert place.content["geo_uri"].startswith("geo:51.8")

    await resident.send_location(*WERNIGERODE)
    nearby = await resident.wait_for_reply(lambda m: "Treffen" in m.body)
    assert nearby.choices(), nearby.html
