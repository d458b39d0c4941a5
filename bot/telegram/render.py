"""Neutral replies in Telegram's idiom: HTML, inline keyboards, edits in place, files, venues."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from io import BytesIO

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest

from contracts.messages import Button, Reply, plain_text

log = logging.getLogger(__name__)
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH
PHOTOS = ("image/png", "image/jpeg")  # shown in the chat itself (a map); anything else is a file


def inline_markup(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return _InlineKeyboard([[_inline_button(b.label, b.data) for b in row] for row in rows])


@lru_cache(maxsize=4096)
def _inline_button(label: str, data: str) -> InlineKeyboardButton:
    """PTB's objects are immutable, and lists repeat the same filter and paging buttons (and
    popular meetings): each is built once, not for every message."""
    return InlineKeyboardButton(label[:64], callback_data=data[:64])


@lru_cache(maxsize=4096)
def _inline_button_dict(label: str, data: str) -> dict[str, object]:
    return _inline_button(label, data).to_dict()


class _InlineKeyboard(InlineKeyboardMarkup):
    """An inline keyboard of _inline_button's buttons, put into the request as PTB would, from
    each button's JSON made once: PTB's generic to_dict walked every button of every list
    again (about a sixth of the adapter's time)."""

    __slots__ = ()

    def to_dict(self, recursive: bool = True) -> dict[str, object]:
        if not recursive or self.api_kwargs:
            return super().to_dict(recursive)
        return {
            "inline_keyboard": [
                [dict(_inline_button_dict(b.text, str(b.callback_data))) for b in row]
                for row in self.inline_keyboard
            ]
        }


def keyboard_markup(rows: tuple[tuple[Button, ...], ...]) -> ReplyKeyboardMarkup | None:
    if not rows:
        return None
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(b.label, request_location=b.kind == "location") for b in row]
            for row in rows
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


_PIECE = re.compile(r"<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);|[^<&]+|[<&]")
_TAG_NAME = re.compile(r"</?([a-zA-Z]+)")


def visible_length(html_text: str) -> int:
    """Characters Telegram counts: the text after entity parsing (tags out, &amp; one char)."""
    return len(plain_text(html_text))


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks of reply HTML that each stay within Telegram's limit (counted as Telegram counts:
    after parsing), cut preferably at a line break, else at a space, never inside a tag or an
    entity; a tag open at a cut is closed and opened again in the next chunk."""
    if len(text) <= limit or visible_length(text) <= limit:  # nearly always: one chunk, as is
        return [text.strip("\n") or text]
    pieces: list[tuple[str, int]] = []  # (raw, visible length); text runs split per character
    for match in _PIECE.finditer(text):
        raw = match.group(0)
        if raw.startswith("<") and len(raw) > 1:
            pieces.append((raw, 0))
        elif raw.startswith("&") and len(raw) > 1:
            pieces.append((raw, 1))
        else:
            pieces.extend((ch, 1) for ch in raw)
    chunks: list[str] = []
    start, open_tags = 0, []  # open_tags: the opening tags in force where a chunk starts
    while start < len(pieces):
        length, end, best_break, best_space, tags = 0, start, None, None, list(open_tags)
        tags_at: dict[int, list[str]] = {}
        while end < len(pieces) and length + pieces[end][1] <= limit:
            raw, width = pieces[end]
            length += width
            end += 1
            if width == 0:
                _track(tags, raw)
            elif raw == "\n":
                best_break = (end, length)
            elif raw == " ":
                best_space = (end, length)
            tags_at[end] = list(tags)
        cut = end
        if end < len(pieces):  # more to come: a line break, else a space, not too early
            for candidate in (best_break, best_space):
                if candidate is not None and candidate[1] >= limit // 2:
                    cut = candidate[0]
                    break
        body = "".join(raw for raw, _ in pieces[start:cut])
        tags_here = tags_at.get(cut, tags)
        chunk = "".join(open_tags) + body + "".join(_closing(t) for t in reversed(tags_here))
        chunks.append(chunk.strip("\n") or chunk)
        open_tags = tags_here
        start = cut
    return chunks or [""]


def _track(tags: list[str], raw: str) -> None:
    name = _TAG_NAME.match(raw)
    if name is None:
        return
    if raw.startswith("</"):
        for i in range(len(tags) - 1, -1, -1):
            if _TAG_NAME.match(tags[i]).group(1).lower() == name.group(1).lower():
                del tags[i]
                break
    elif not raw.endswith("/>"):
        tags.append(raw)


def _closing(opening: str) -> str:
    return f"</{_TAG_NAME.match(opening).group(1)}>"


async def send(bot, chat_id: int | str, reply: Reply, query: CallbackQuery | None = None) -> None:
    """Deliver one reply; an edit falls back to a new message when Telegram refuses it."""
    inline = inline_markup(reply.buttons)
    markup = inline or keyboard_markup(reply.keyboard)
    if reply.attachment is not None:
        upload = InputFile(BytesIO(reply.attachment.content), filename=reply.attachment.filename)
        caption = reply.text if visible_length(reply.text) <= CAPTION_LIMIT else None
        sender = bot.send_photo if reply.attachment.mime_type in PHOTOS else bot.send_document
        await sender(
            chat_id, upload, caption=caption, parse_mode=ParseMode.HTML, reply_markup=markup
        )
        if caption is not None:
            return
    if reply.venue is not None:
        v = reply.venue
        await bot.send_venue(
            chat_id,
            latitude=v.latitude,
            longitude=v.longitude,
            title=v.title[:256] or "📍",
            address=v.address[:256] or " ",
        )
    if reply.edit and query is not None and await _edit(query.message, reply.text, inline):
        return
    chunks = split_text(reply.text)
    for n, chunk in enumerate(chunks):
        last = n == len(chunks) - 1
        await bot.send_message(
            chat_id,
            chunk,
            parse_mode=ParseMode.HTML,
            reply_markup=markup if last else None,
            disable_web_page_preview=True,
        )
    if inline and reply.keyboard:  # one markup per message: the big keyboard comes separately
        await bot.send_message(chat_id, "⌨️", reply_markup=keyboard_markup(reply.keyboard))


async def _edit(message: Message | None, text: str, inline: InlineKeyboardMarkup | None) -> bool:
    if message is None or message.text is None or visible_length(text) > TEXT_LIMIT:
        return False
    try:
        await message.edit_text(
            text, parse_mode=ParseMode.HTML, reply_markup=inline, disable_web_page_preview=True
        )
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return True  # the user pressed the filter that is already on
        log.info("could not edit message %s (%s); sending a new one", message.message_id, exc)
        return False
    return True
