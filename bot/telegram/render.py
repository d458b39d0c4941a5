"""Neutral replies in Telegram's idiom: HTML, inline keyboards, edits in place, files, venues."""

from __future__ import annotations

import logging
from io import BytesIO

from telegram import (
    CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, KeyboardButton,
    Message, ReplyKeyboardMarkup,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest

from handlers.messages import Button, Reply

log = logging.getLogger(__name__)
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH


def inline_markup(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label[:64], callback_data=b.data[:64]) for b in row] for row in rows]
    )


def keyboard_markup(rows: tuple[tuple[Button, ...], ...]) -> ReplyKeyboardMarkup | None:
    if not rows:
        return None
    return ReplyKeyboardMarkup(
        [[KeyboardButton(b.label, request_location=b.kind == "location") for b in row] for row in rows],
        resize_keyboard=True, is_persistent=True,
    )


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks within Telegram's limit, cut at line breaks (tags never span lines here)."""
    chunks, current = [], ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single huge line: cut it hard
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks


async def send(bot, chat_id: int | str, reply: Reply, query: CallbackQuery | None = None) -> None:
    """Deliver one reply; an edit falls back to a new message when Telegram refuses it."""
    inline = inline_markup(reply.buttons)
    markup = inline or keyboard_markup(reply.keyboard)
    if reply.attachment is not None:
        document = InputFile(BytesIO(reply.attachment.content), filename=reply.attachment.filename)
        caption = reply.text if len(reply.text) <= CAPTION_LIMIT else None
        await bot.send_document(chat_id, document, caption=caption, parse_mode=ParseMode.HTML,
                                reply_markup=markup)
        if caption is not None:
            return
    if reply.venue is not None:
        v = reply.venue
        await bot.send_venue(chat_id, latitude=v.latitude, longitude=v.longitude,
                             title=v.title[:256] or "📍", address=v.address[:256] or " ")
    if reply.edit and query is not None and await _edit(query.message, reply.text, inline):
        return
    chunks = split_text(reply.text)
    for n, chunk in enumerate(chunks):
        last = n == len(chunks) - 1
        await bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML,
                               reply_markup=markup if last else None,
                               disable_web_page_preview=True)
    if inline and reply.keyboard:  # one markup per message: the big keyboard comes separately
        await bot.send_message(chat_id, "⌨️", reply_markup=keyboard_markup(reply.keyboard))


async def _edit(message: Message | None, text: str, inline: InlineKeyboardMarkup | None) -> bool:
    if message is None or message.text is None or len(text) > TEXT_LIMIT:
        return False
    try:
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=inline,
                                disable_web_page_preview=True)
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return True  # the user pressed the filter that is already on
        log.info("could not edit message %s (%s); sending a new one", message.message_id, exc)
        return False
    return True
