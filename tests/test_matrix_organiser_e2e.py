"""Organising and moderating on Matrix against the real Synapse (tests/synapse.py): an organiser
posts an offer through `!neu` (the bot restarts in the middle), answering numbered choices by
typing their numbers; the moderator named in NAHBAR_MODERATORS gets the review notice through
the outbox dispatcher and approves it from there; the organiser is told."""

from __future__ import annotations

import sqlite3

from .synapse import MatrixResident, NahbarOnMatrix


def _has(text: str):
    return lambda message: text in message.body


async def test_an_organiser_posts_through_neu_and_a_moderator_approves(synapse, resident, tmp_path):
    moderator = await MatrixResident.create(synapse, tmp_path, "moderator")
    bot = NahbarOnMatrix(
        synapse,
        await synapse.register("nahbar"),
        tmp_path / "bot",
        outbox=True,
        NAHBAR_MODERATORS=f"matrix:{moderator.user_id}",
        NAHBAR_DEMO_DATA="false",
        NAHBAR_OUTBOX_EVERY_SECONDS="0.5",
    )
    await bot.start()
    organiser = resident
    try:
        await moderator.open_dm(bot.user_id)  # the moderator can be reached from now on
        await moderator.wait_for_reply(_has("willkommen"))
        await organiser.open_dm(bot.user_id, encrypted=True)
        await organiser.wait_for_reply(_has("willkommen"))

        kinds = await organiser.ask("!neu", _has("Was für ein Treffen ist es?"))
        assert kinds.msgtype == "m.notice"
        await organiser.choose(kinds, "Begegnungscafé", _has("Wie heißt es?"))
        await organiser.ask("Adventscafé im Pfarrhaus", _has("Beschreiben Sie es"))
        await organiser.ask(
            "Kaffee, Kuchen und Gespräche. Alle sind willkommen.", _has("Wann findet es statt?")
        )
        await organiser.ask("jeden Dienstag 15-17 Uhr", _has("Wo findet es statt?"))
        await bot.stop()  # a restart in the middle of !neu
        await bot.start()
        access = await organiser.ask(
            "Pfarrhaus, Kirchstraße 3, 06484 Quedlinburg", _has("Was hilft Menschen")
        )
        assert (
            sum("Wo findet es statt?" in m.body for m in organiser.inbox) == 1
        )  # none answered twice
        ticked = await organiser.choose(access, "Rollstuhl: ja", _has("Was hilft Menschen"))
        assert ticked.choices()[access.number_of("Rollstuhl: ja")] == "✅ Rollstuhl: ja"
        await organiser.choose(ticked, "Spende willkommen", _has("Was hilft Menschen"))
        preview = await organiser.ask(
            "Kirchengemeinde St. Blasii, Telefon 03946 1234", _has("Vorschau")
        )
        for line in (
            "Adventscafé im Pfarrhaus",
            "📍 Pfarrhaus, Kirchstraße 3, Quedlinburg",
            "♿ Rollstuhlgerecht: Eingang ohne Stufe, alle Räume stufenlos",
        ):
            assert line in preview.body, (line, preview.body)
        await organiser.choose(
            preview, "Absenden", _has("Die Moderation schaut sich „Adventscafé im Pfarrhaus“")
        )

        refused = await organiser.ask("!pruefen", _has("Moderatorinnen"))
        assert "Das dürfen nur Moderatorinnen und Moderatoren." in refused.body

        notice = await moderator.wait_for_reply(_has("🛡 Ein neues Angebot wartet auf Prüfung"))
        assert (
            notice.room_id == moderator.room_id
            and "„Adventscafé im Pfarrhaus“ in Quedlinburg" in notice.body
        )
        review = await moderator.choose(notice, "Prüfen", _has("Angebot zur Prüfung"))
        assert (
            "👤 Veranstalter Nr." in review.body and "(neu, noch nichts freigegeben)" in review.body
        )
        await moderator.choose(
            review, "Freigeben", _has("✅ Freigegeben: „Adventscafé im Pfarrhaus“.")
        )

        told = await organiser.wait_for_reply(_has("ist geprüft und veröffentlicht"))
        assert told.room_id == organiser.room_id
        detail = await organiser.choose(told, "Ansehen", _has("Kirchengemeinde St. Blasii"))
        assert "Treffen bei" not in detail.body

        with sqlite3.connect(tmp_path / "bot" / "nahbar.sqlite3") as db:
            assert db.execute("SELECT title, status FROM offers").fetchall() == [
                ("Adventscafé im Pfarrhaus", "published")
            ]
            assert db.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall() == [
                ("sent", 2)
            ]
    finally:
        await bot.stop()
        await moderator.stop()
