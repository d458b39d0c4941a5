"""The Telegram adapter through a real PTB Application, offline: what the user sees."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from telegram import Update

from bot.telegram import build_application
from bot.telegram.render import send, split_text, visible_length
from handlers.core import Nahbar
from handlers.messages import Reply
from handlers.offer_detail import DESCRIPTION_LIMIT
from handlers.services import Services

from .support import add_offer
from .telegram_fakes import RecordingRequest, callback_update, location_update, text_update


class TelegramChat:
    """A resident in a private chat with the bot; `request` holds every Bot API call."""

    def __init__(
        self, application, request: RecordingRequest, user_id: int = 4711, language: str = "de"
    ):
        self.application, self.request = application, request
        self.user_id, self.language = user_id, language

    async def _process(self, update: dict) -> None:
        self.request.clear()
        await self.application.process_update(Update.de_json(update, self.application.bot))

    async def say(self, text: str) -> None:
        await self._process(text_update(text, self.user_id, self.language))

    async def share_location(self, lat: float, lon: float) -> None:
        await self._process(location_update(lat, lon, self.user_id, self.language))

    async def press(self, label: str, on=None) -> None:
        message = on or self.request.last("sendMessage", "editMessageText")
        data = message.button(label)["callback_data"]
        message_id = int(message.params.get("message_id", 100))
        await self._process(
            callback_update(data, message_id, message.text, self.user_id, self.language)
        )

    async def press_data(self, data: str, message_id: int = 100) -> None:
        await self._process(callback_update(data, message_id, "…", self.user_id, self.language))


@pytest.fixture
async def telegram(sessions, places, now):
    request = RecordingRequest()
    core = Nahbar(sessions, Services(places), clock=lambda: now)
    application = build_application("123:TEST", core, request=request)
    await application.initialize()
    await application.post_init(application)
    yield TelegramChat(application, request)
    await application.shutdown()


async def test_commands_are_registered_per_language(sessions, places, now):
    request = RecordingRequest()
    application = build_application("123:TEST", Nahbar(sessions, Services(places)), request=request)
    await application.initialize()
    await application.post_init(application)
    menus = {
        c.params.get("language_code"): c.params["commands"] for c in request.sent("setMyCommands")
    }
    assert set(menus) == {None, "de", "en"}
    assert '"angebote"' in menus["de"] and '"offers"' in menus["en"]
    assert menus[None] == menus["de"]
    await application.shutdown()


async def test_start_shows_welcome_and_location_keyboard(telegram):
    await telegram.say("/start")
    call = telegram.request.last()
    assert "willkommen bei Nahbar" in call.text
    assert call.params["parse_mode"] == "HTML"
    keyboard = call.markup["keyboard"]
    assert keyboard[0][0] == {"text": "📍 Standort senden", "request_location": True}
    assert call.markup["resize_keyboard"] is True


async def test_location_list_details_and_filter_edit_in_place(telegram, sessions, now):
    await add_offer(
        sessions,
        now,
        title="Adventscafé",
        rrule="FREQ=WEEKLY;BYDAY=TU",
        starts_local=datetime(2026, 1, 6, 15),
    )
    await telegram.share_location(51.8365, 10.7822)
    listing = telegram.request.last()
    assert listing.method == "sendMessage"
    assert "Treffen bei Ihrem Standort nahe Wernigerode" in listing.text
    assert "Di., 1. Dez., 15:00 Uhr" in listing.text
    assert "1. ☕ Adventscafé" in listing.button_labels()

    await telegram.press("Adventscafé", on=listing)
    details = telegram.request.last()
    assert details.method == "editMessageText"
    assert "🔁 jeden Dienstag" in details.text
    assert [c.method for c in telegram.request.calls].count("answerCallbackQuery") == 1

    await telegram.press("Zurück")
    await telegram.press("14 Tage")
    edited = telegram.request.last()
    assert edited.method == "editMessageText" and "in den nächsten 14 Tagen" in edited.text
    assert not telegram.request.sent("sendMessage")


async def test_user_strings_are_escaped_for_html(telegram, sessions, now):
    await add_offer(sessions, now, title="<b>Hi</b> & <a href=x>")
    await telegram.say("Wernigerode")
    assert "&lt;b&gt;Hi&lt;/b&gt; &amp; &lt;a href=x&gt;" in telegram.request.last().text


async def test_forged_button_gets_a_polite_answer(telegram):
    await telegram.press_data("o:424242")
    assert "gibt es leider nicht" in telegram.request.last("sendMessage").text
    await telegram.press_data("totally-forged-💥")
    answer = telegram.request.last("answerCallbackQuery")
    assert "gilt nicht mehr" in answer.params.get("text", "")


async def test_english_user_gets_english(telegram):
    telegram.language = "en"
    await telegram.say("/start")
    assert "welcome to Nahbar" in telegram.request.last().text


async def test_a_long_description_is_cut_on_the_plain_text(telegram, sessions, now):
    # 1,500 quotes used to become 9,167 characters of "&quot;" before the cut.
    offer = await add_offer(sessions, now, title="Lang", description='"' * 3000)
    await telegram.say(f"/start offer_{offer.id}")
    [message] = telegram.request.sent("sendMessage")
    assert visible_length(message.text) <= 4096
    assert html.unescape(message.text).count('"') == DESCRIPTION_LIMIT - 1  # then "…"
    assert "&#34;…" in message.text


async def test_long_replies_are_split_where_telegram_allows(telegram):
    # Entities and tags right at the limit: no chunk may cut "&quot;" or a tag in two.
    body = (
        "<b>Überschrift</b>\n"
        + "&quot;Wort&amp;Wort&quot; " * 900
        + "\n<i>"
        + "kursiv " * 700
        + "</i>"
    )
    await send(telegram.application.bot, 4711, Reply(Markup(body)))
    texts = [c.text for c in telegram.request.sent("sendMessage")]
    assert len(texts) >= 3
    for text in texts:
        assert visible_length(text) <= 4096
        assert not re.search(r"&[a-z]*$|^[a-z]*;", text)  # no entity cut at an edge
        assert text.count("<i>") == text.count("</i>") and text.count("<b>") == text.count("</b>")
    shown = "".join(html.unescape(re.sub(r"<[^>]+>", "", t)) for t in texts)
    assert shown.replace("\n", "").replace(" ", "") == html.unescape(
        re.sub(r"<[^>]+>", "", body)
    ).replace("\n", "").replace(" ", "")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", " ", "\n", "&amp;", "&quot;", "<b>x</b>", "<i>", "</i>", "ü"]),
        min_size=0,
        max_size=400,
    ),
    st.integers(min_value=8, max_value=60),
)
def test_split_text_keeps_everything_and_every_chunk_is_whole(pieces, limit):
    text = "".join(pieces)
    chunks = split_text(text, limit)
    for chunk in chunks:
        assert visible_length(chunk) <= limit
        assert not re.search(r"&[a-z]*$", chunk) and not re.search(r"^[a-z]*;", chunk)
    strip = lambda t: html.unescape(re.sub(r"<[^>]+>", "", t)).replace("\n", "")  # noqa: E731
    assert "".join(strip(c) for c in chunks) == strip(text)


async def test_errors_are_logged_and_the_user_is_told(telegram, caplog, monkeypatch):
    async def broken(message):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(telegram.application.bot_data["core"], "handle", broken)
    await telegram.say("Wernigerode")
    assert "etwas schiefgelaufen" in telegram.request.last("sendMessage").text
    assert "database on fire" not in telegram.request.last("sendMessage").text
    assert "database on fire" in caplog.text
    assert "Wernigerode" not in caplog.text and "4711" not in caplog.text  # no text, no chat id


async def test_message_that_cannot_be_edited_is_sent_anew(telegram, sessions, now):
    await add_offer(sessions, now, title="Café")
    await telegram.say("Wernigerode")
    listing = telegram.request.last()
    telegram.request.fail_next["editMessageText"] = (400, "Bad Request: message can't be edited")
    await telegram.press("Heute", on=listing)
    assert telegram.request.last().method == "sendMessage"


async def test_a_chat_is_paused_when_the_person_blocks_the_bot_and_resumed_when_they_unblock(
    telegram, sessions, now
):
    from datetime import timedelta

    from sqlalchemy import select

    from models import OutboxMessage, OutboxStatus
    from models.outbox import Outgoing, enqueue, paused_among

    from .telegram_fakes import membership_update

    async def process(update: dict) -> None:
        await telegram.application.process_update(Update.de_json(update, telegram.application.bot))

    async def paused(chat: str) -> bool:
        async with sessions() as session:
            return bool(await paused_among(session, [chat]))

    await telegram.say("/start")
    telegram.request.clear()
    async with sessions() as session, session.begin():
        await enqueue(
            session,
            Outgoing(
                key="remind:1:x:eve",
                chat="telegram:4711",
                kind="remind",
                payload={},
                due_at=now + timedelta(days=1),
            ),
        )
    await process(membership_update("member", "kicked"))
    assert await paused("telegram:4711")
    async with sessions() as session:
        [row] = await session.scalars(select(OutboxMessage))
        assert row.status is OutboxStatus.DROPPED
    async with sessions() as session, session.begin():  # planners queue nothing more for it
        assert (
            await enqueue(
                session,
                Outgoing(
                    key="digest:1:x", chat="telegram:4711", kind="digest", payload={}, due_at=now
                ),
            )
            == 0
        )
    await process(membership_update("kicked", "member"))
    assert not await paused("telegram:4711")

    # A group that removes the bot: its weekly post pauses too; adding the bot again resumes it.
    await process(membership_update("member", "left", chat_id=-100777, group=True))
    assert await paused("telegram:-100777")
    await process(membership_update("left", "member", chat_id=-100777, group=True))
    assert not await paused("telegram:-100777")
    assert telegram.request.sent() == []  # nobody is written to about it


async def test_private_messages_without_text_get_help_and_service_messages_nothing(telegram):
    sticker = text_update("x", telegram.user_id)
    message = sticker["message"]
    del message["text"]
    message["sticker"] = {
        "file_id": "s1",
        "file_unique_id": "u1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    await telegram._process(sticker)
    assert "So geht es" in telegram.request.last("sendMessage").text

    for service in (
        {"pinned_message": {"message_id": 1, "date": 0, "chat": message["chat"]}},
        {"write_access_allowed": {}},
    ):
        update = text_update("x", telegram.user_id)
        del update["message"]["text"]
        update["message"].update(service)
        await telegram._process(update)
        assert not telegram.request.sent("sendMessage"), service

    group = text_update("Wernigerode", telegram.user_id)
    group["message"]["chat"] = {"id": -100, "type": "group", "title": "Verein"}
    await telegram._process(group)
    assert not telegram.request.sent("sendMessage")
