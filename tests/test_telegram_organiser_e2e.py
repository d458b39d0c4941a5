"""Organising and moderating through Telegram, end to end: the real `python -m bot run` process
against the fake Bot API on 127.0.0.1 (tests/fake_bot_api.py).

An organiser posts with buttons and typed answers (the process is stopped with SIGTERM in the
middle of /neu and started again), the moderator from NAHBAR_MODERATORS gets the review notice
from the outbox dispatcher and approves it, the organiser is told, a resident finds the offer;
forged approve buttons from other people change nothing.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from collections.abc import Callable

import pytest

from .fake_bot_api import MESSAGE_METHODS, Call, FakeBotApi
from .test_telegram_e2e import START_TIMEOUT, STEP_TIMEOUT, TOKEN, BotProcess

MODERATOR, ORGANISER, RESIDENT, STRANGER = 5001, 5002, 5003, 5004


class Person:
    """Someone in a private chat with the bot: types, taps, and waits for what the bot shows."""

    def __init__(self, api: FakeBotApi, chat: int, report: Callable[[], str]) -> None:
        self.api, self.chat, self.report = api, chat, report

    async def shown(self, expect: str, since: int, methods=MESSAGE_METHODS) -> Call:
        """The first message sent or edited in this chat from call `since` on containing
        `expect`."""
        try:
            return await self.api.wait_for(
                lambda c: (
                    c.method in methods
                    and c.chat_id == self.chat
                    and not c.error
                    and expect in c.text
                ),
                STEP_TIMEOUT,
                since=since,
            )
        except AssertionError as exc:
            raise AssertionError(
                f"chat {self.chat} waited for {expect!r}: {exc}\n{self.report()}"
            ) from None

    async def say(self, text: str, expect: str) -> Call:
        mark = self.api.mark()
        self.api.push_text(self.chat, text)
        return await self.shown(expect, mark)

    async def press(self, label: str, expect: str, message_id: int | None = None) -> Call:
        mark = self.api.mark()
        self.api.press(self.chat, label, message_id)
        return await self.shown(expect, mark)

    def count(self, text: str) -> int:
        """How many messages the bot sent (not edited) to this chat containing `text`."""
        return sum(
            1
            for c in self.api.calls
            if c.method == "sendMessage"
            and c.chat_id == self.chat
            and not c.error
            and text in c.text
        )


async def _first_questions(organiser: Person) -> None:
    await organiser.say("/neu", "Was für ein Treffen ist es?")
    await organiser.press("Begegnungscafé", "Wie heißt es?")
    await organiser.say("Adventscafé im Pfarrhaus", "Beschreiben Sie es")
    await organiser.say(
        "Kaffee, Kuchen und Gespräche. Alle sind willkommen.", "Wann findet es statt?"
    )
    await organiser.say("jeden Dienstag 15-17 Uhr", "Wo findet es statt?")


async def _last_questions(organiser: Person, details: int | None = None) -> Call:
    """From the details (cost, who invites, contact) to the preview, which is returned."""
    await organiser.press("Spende willkommen", "Was hilft Menschen", details)
    preview = await organiser.say("Kirchengemeinde St. Blasii, Telefon 03946 1234", "Vorschau")
    for line in (
        "☕ Adventscafé im Pfarrhaus",
        "📍 Pfarrhaus, Kirchstraße 3, Quedlinburg",
        "💶 Spende willkommen",
    ):
        assert line in preview.text, (line, preview.text)
    return preview


@pytest.fixture
async def api():
    async with FakeBotApi(TOKEN) as fake:
        yield fake


async def _running(tmp_path, api: FakeBotApi, **settings: str) -> BotProcess:
    bot = BotProcess(tmp_path, api)
    bot.env.update(
        NAHBAR_MODERATORS=f"telegram:{MODERATOR}",
        NAHBAR_DEMO_DATA="false",
        NAHBAR_OUTBOX_EVERY_SECONDS="0.5",
        **settings,
    )
    mark = api.mark()
    await bot.start()
    polling = asyncio.ensure_future(
        api.wait_until(  # this process asked who it is, and polls
            lambda: api.polling and any(c.method == "getMe" for c in api.calls[mark:]),
            START_TIMEOUT,
            "getUpdates request",
        )
    )
    exited = asyncio.ensure_future(bot.proc.wait())
    await asyncio.wait([polling, exited], return_when=asyncio.FIRST_COMPLETED)
    exited.cancel()
    if not polling.done():
        polling.cancel()
        raise AssertionError(f"the bot exited before polling\n{bot.report(api)}")
    await polling
    return bot


async def _stopped(bot: BotProcess, api: FakeBotApi) -> None:
    bot.proc.send_signal(signal.SIGTERM)
    code = await bot.wait(20)
    assert code == 0, f"after SIGTERM\n{bot.report(api)}"
    await bot.kill()  # closes its output files


def _offer(bot: BotProcess) -> tuple[int, str, str]:
    with sqlite3.connect(bot.db) as db:
        [(offer_id, title, status)] = db.execute("SELECT id, title, status FROM offers").fetchall()
    return offer_id, title, status


async def test_post_review_approve_and_find_through_telegram(api, tmp_path):
    bot = await _running(tmp_path, api)
    report = lambda: bot.report(api)  # noqa: E731 - the bot changes when it is restarted
    moderator, organiser = Person(api, MODERATOR, report), Person(api, ORGANISER, report)
    resident, stranger = Person(api, RESIDENT, report), Person(api, STRANGER, report)
    try:
        assert "NAHBAR_MODERATORS: 1 of 1 have not written to the bot yet" in bot.stderr
        await moderator.say("/start", "willkommen")  # the moderator can be reached from now on
        await organiser.say("/start", "willkommen")
        await _first_questions(organiser)

        await _stopped(bot, api)  # SIGTERM in the middle of /neu
        bot = await _running(tmp_path, api)
        assert "NAHBAR_MODERATORS" not in bot.stderr  # the moderator has written now
        access = await organiser.say(
            "Pfarrhaus, Kirchstraße 3, 06484 Quedlinburg", "Was hilft Menschen"
        )
        assert organiser.count("Wo findet es statt?") == 1  # nothing was answered twice
        assert "✅ Verstanden" not in access.text

        # The access toggles change the question in place.
        question = access.result["message_id"]
        ticked = await organiser.press("Rollstuhl: ja", "Was hilft Menschen", question)
        assert ticked.method == "editMessageText" and ticked.params["message_id"] == question, (
            ticked
        )
        await organiser.press("Induktionsschleife (Höranlage)", "Was hilft Menschen", question)
        labels = api.screen(ORGANISER, question).labels
        assert "✅ Rollstuhl: ja" in labels and "✅ Induktionsschleife (Höranlage)" in labels, (
            labels
        )
        assert "◻️ Rollstuhlgerechte Toilette" in labels, labels
        preview = await _last_questions(organiser, question)
        assert (
            "♿ Rollstuhlgerecht: Eingang ohne Stufe, alle Räume stufenlos\n🦻 Induktionsschleife "
            "für Hörgeräte" in preview.text
        ), preview.text
        await organiser.press(
            "Absenden", "Die Moderation schaut sich „Adventscafé im Pfarrhaus“ bald an"
        )
        offer_id, _, status = _offer(bot)
        assert status == "pending"

        # The outbox dispatcher tells the moderator.
        before_review = api.mark()
        notice = await moderator.shown(
            "🛡 Ein neues Angebot wartet auf Prüfung: „Adventscafé im Pfarrhaus“", 0
        )
        assert notice.method == "sendMessage"
        assert api.screen(MODERATOR, notice.result["message_id"]).labels == ["🔍 Prüfen"]

        # Forged buttons: approve, and trust oneself, by the organiser and by someone new.
        await stranger.say("/start", "willkommen")
        with sqlite3.connect(bot.db) as db:
            [(owner,)] = db.execute("SELECT owner_id FROM offers").fetchall()
        for forger in (organiser, stranger):
            for data in (f"va:{offer_id}", f"vt:{owner}"):
                mark = api.mark()
                query = api.push_forged_callback(forger.chat, data)
                await forger.shown("Das dürfen nur Moderatorinnen und Moderatoren.", mark)
                await api.wait_until(
                    lambda query=query: api.answer_of(query), STEP_TIMEOUT, "the pop-up"
                )
                assert (
                    api.answer_of(query).params.get("text")
                    == "Das dürfen nur Moderatorinnen und Moderatoren."
                )
        assert _offer(bot)[2] == "pending"
        with sqlite3.connect(bot.db) as db:
            refused = db.execute(
                "SELECT count(*) FROM moderation_log WHERE action = 'refused'"
            ).fetchone()
            trust = db.execute("SELECT trust FROM users WHERE id = ?", (owner,)).fetchone()
        assert refused == (4,) and trust == ("new",)

        review = await moderator.press("Prüfen", "Angebot zur Prüfung", notice.result["message_id"])
        assert review.method == "editMessageText", review  # the notice becomes the review
        assert (
            "👤 Veranstalter Nr." in review.text and "(neu, noch nichts freigegeben)" in review.text
        )
        approved = await moderator.press("Freigeben", "✅ Freigegeben: „Adventscafé im Pfarrhaus“.")
        assert approved.method == "editMessageText", approved  # in place of the review, the queue
        assert (
            approved.params["message_id"] == notice.result["message_id"]
            and "Nichts wartet" in approved.text
        )
        assert _offer(bot)[2] == "published"

        told = await organiser.shown(
            "🎉 Ihr Angebot „Adventscafé im Pfarrhaus“ ist geprüft und veröffentlicht.",
            before_review,
        )
        assert api.screen(ORGANISER, told.result["message_id"]).labels == ["👀 Ansehen"]
        await organiser.press("Ansehen", "Kirchengemeinde St. Blasii", told.result["message_id"])

        await resident.say("/start", "willkommen")
        found = await resident.say("Quedlinburg", "Treffen bei Quedlinburg")
        assert "Adventscafé im Pfarrhaus" in found.text

        await asyncio.sleep(0.5)  # let the last answerCallbackQuery arrive
        assert not api.unanswered_callbacks(), f"unanswered button presses\n{api.describe()}"
        assert not [c for c in api.calls if c.error], f"failed calls\n{api.describe()}"
        await _stopped(bot, api)
    finally:
        await bot.kill()


async def test_a_change_asked_for_then_managing_the_offer_through_telegram(api, tmp_path):
    bot = await _running(tmp_path, api)
    report = lambda: bot.report(api)  # noqa: E731
    moderator, organiser = Person(api, MODERATOR, report), Person(api, ORGANISER, report)
    resident = Person(api, RESIDENT, report)
    try:
        await moderator.say("/start", "willkommen")
        await organiser.say("/start", "willkommen")
        await resident.say("/start", "willkommen")
        await _first_questions(organiser)
        await organiser.say("Pfarrhaus, Kirchstraße 3, 06484 Quedlinburg", "Was hilft Menschen")
        await _last_questions(organiser)
        await organiser.press("Absenden", "Die Moderation schaut sich")

        first = await moderator.shown("wartet auf Prüfung", 0)
        await moderator.press("Prüfen", "Angebot zur Prüfung", first.result["message_id"])
        await moderator.press("Um Änderung bitten", "Was soll der Veranstalter ändern?")
        mark = api.mark()
        await moderator.say(
            "Bitte die Telefonnummer mit Vorwahl.", "✏️ Der Veranstalter wird gebeten"
        )

        asked = await organiser.shown(
            "✏️ Die Moderation bittet Sie, „Adventscafé im Pfarrhaus“", mark
        )
        assert "„Bitte die Telefonnummer mit Vorwahl.“" in asked.text
        view = await organiser.press(
            "Meine Angebote",
            "💬 Hinweis der Moderation: Bitte die Telefonnummer mit Vorwahl.",
            asked.result["message_id"],
        )
        assert view.method == "editMessageText", view
        await organiser.press("Ändern", "Was möchten Sie an „Adventscafé im Pfarrhaus“ ändern?")
        await organiser.press("Kontakt", "Wie erreicht man Sie")
        await organiser.say("Telefon 03946 91234", "✅ Gespeichert.")
        mark = api.mark()
        await organiser.press("Erneut zur Prüfung senden", "📨 Erneut zur Prüfung gesendet.")

        again = await moderator.shown("wartet auf Prüfung", mark)
        review = await moderator.press("Prüfen", "Angebot zur Prüfung", again.result["message_id"])
        assert "Telefon 03946 91234" in review.text
        mark = api.mark()
        await moderator.press("Freigeben", "✅ Freigegeben")
        await organiser.shown("ist geprüft und veröffentlicht", mark)

        # Managing: pause (residents do not see it), continue, cancel one date with a message.
        listing = await organiser.say("/meine", "✅ veröffentlicht")
        await organiser.press(
            "Adventscafé im Pfarrhaus", "Adventscafé im Pfarrhaus", listing.result["message_id"]
        )
        await organiser.press("Pausieren", "⏸ Pausiert")
        assert "Adventscafé" not in (await resident.say("Quedlinburg", "Quedlinburg")).text
        await organiser.press("Fortsetzen", "▶")
        assert (
            "Adventscafé im Pfarrhaus"
            in (await resident.say("Quedlinburg", "Treffen bei Quedlinburg")).text
        )
        await organiser.press("Einen Termin absagen", "Welcher Termin fällt aus?")
        dates = [label for label in api.screen(ORGANISER).labels if "Uhr" in label]
        await organiser.press(dates[0], "etwas mitteilen")
        await organiser.say("Diesmal fällt es wegen Krankheit aus.", "❌ Der Termin ist abgesagt.")
        with sqlite3.connect(bot.db) as db:
            changes = db.execute("SELECT kind, message FROM offer_changes").fetchall()
        assert changes == [("date_cancelled", "Diesmal fällt es wegen Krankheit aus.")], changes

        await asyncio.sleep(0.5)
        assert not api.unanswered_callbacks(), f"unanswered button presses\n{api.describe()}"
        assert not [c for c in api.calls if c.error], f"failed calls\n{api.describe()}"
        await _stopped(bot, api)
    finally:
        await bot.kill()


async def test_a_whole_offer_in_one_message_through_telegram(api, tmp_path):
    bot = await _running(tmp_path, api)
    organiser = Person(api, ORGANISER, lambda: bot.report(api))
    try:
        await organiser.say("/start", "willkommen")
        await organiser.say("/neu", "Was für ein Treffen ist es?")  # four messages from here
        asked = await organiser.say(
            "Warme Stube jeden Dienstag und Donnerstag 14-17 Uhr im Gemeindehaus, Kirchstraße 3, "
            "06484 Quedlinburg, kostenlos, rollstuhlgerecht",
            "Beschreiben Sie es",
        )
        assert "✅ Verstanden: jeden Dienstag und Donnerstag, 14:00–17:00 Uhr" in asked.text, (
            asked.text
        )
        preview = await organiser.say(
            "Ein warmer Raum mit Tee und Zeitungen, für alle.", "Vorschau"
        )
        for line in (
            "🔥 Warme Stube",
            "📍 Gemeindehaus, Kirchstraße 3, Quedlinburg",
            "♿ Rollstuhlgerecht: Eingang ohne Stufe, alle Räume stufenlos",
            "💶 kostenlos",
        ):
            assert line in preview.text, (line, preview.text)
        await organiser.say("ja", "Die Moderation schaut sich „Warme Stube“ bald an")
        with sqlite3.connect(bot.db) as db:
            assert db.execute(
                "SELECT title, category, rrule, place_name, cost, status FROM offers"
            ).fetchall() == [
                (
                    "Warme Stube",
                    "warm_room",
                    "FREQ=WEEKLY;BYDAY=TU,TH",
                    "Quedlinburg",
                    "free",
                    "pending",
                )
            ]
        await _stopped(bot, api)
    finally:
        await bot.kill()


async def test_the_big_keyboard_is_no_answer_in_the_middle_of_neu(sessions, places, now):
    """The reply keyboard stays below the chat on Telegram; its buttons send their labels."""
    from .support import ChatDriver
    from .test_posting import RIGHTS

    chat = ChatDriver(
        sessions, places, now, user=str(ORGANISER), rights=RIGHTS, platform="telegram"
    )
    await chat.say("/start")
    keyboard = {
        b.label for r in chat.replies for row in r.keyboard for b in row if b.kind == "text"
    }
    assert keyboard == {"🔎 Ort oder PLZ eingeben", "❓ Hilfe"}
    await chat.say("/neu")
    await chat.press("Begegnungscafé")
    await chat.say("❓ Hilfe")
    assert "Sie schreiben gerade ein Angebot" in chat.text and "Wie heißt es?" in chat.text
    await chat.say("Adventscafé im Pfarrhaus")
    assert "Beschreiben Sie es" in chat.text  # the title was not "❓ Hilfe"
    await chat.say("🔎 Ort oder PLZ eingeben")  # a search instead: the draft waits
    assert "Welcher Ort oder welche Postleitzahl?" in chat.text
    await chat.say("/neu")
    assert "„Adventscafé im Pfarrhaus“. Wollen wir damit weitermachen?" in chat.text
