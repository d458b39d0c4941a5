"""Neutral replies in Matrix's idiom: `m.notice` with HTML and a plain body, choices as numbers.

Matrix has no inline keyboards, so every button becomes a numbered line and the person answers
with the number. The numbers come from `handlers.choices.numbered` over all replies of one
turn at once: that is what the core stored, so "7" typed later opens entry 7.
A calendar file becomes an `m.file` (uploaded first, see `send.py`), a venue an `m.location`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from contracts.messages import Attachment, Button, Reply, plain_text
from handlers.choices import label_without_number, numbered

_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Upload:
    """A file to upload and then post as `m.file`."""

    attachment: Attachment


Outgoing = dict | Upload  # an event content to send as is, or a file to upload first


def plain(markup: str) -> str:
    """The plain `body` for HTML: tags dropped, links spelled out, entities decoded."""

    def link(match: re.Match[str]) -> str:
        url, label = html.unescape(match.group(1)), plain_text(match.group(2))
        return label if url in (label, "") else f"{label} ({url})"

    return plain_text(_LINK.sub(link, markup))


def notice(markup: str) -> dict:
    """An `m.notice` with the HTML as `formatted_body` and its plain twin as `body`."""
    return {
        "msgtype": "m.notice",
        "body": plain(markup),
        "format": "org.matrix.custom.html",
        "formatted_body": markup.replace("\n", "<br>"),
    }


def location(latitude: float, longitude: float, title: str, address: str) -> dict:
    description = ", ".join(part for part in (title, address) if part) or "📍"
    return {
        "msgtype": "m.location",
        "body": description,
        "geo_uri": f"geo:{latitude:.6f},{longitude:.6f}",
    }


def file_content(attachment: Attachment, url: str, encrypted: dict | None = None) -> dict:
    """The `m.file` for an uploaded attachment, or an `m.image` shown in the chat itself for a
    picture (a map); in an encrypted room the key info replaces `url`."""
    info = {"mimetype": attachment.mime_type, "size": len(attachment.content)}
    size = _png_size(attachment.content) if attachment.mime_type == "image/png" else None
    if size is not None:
        info["w"], info["h"] = size  # clients keep room for the picture before it has loaded
    content = {
        "msgtype": "m.image" if size is not None else "m.file",
        "body": attachment.filename,
        "filename": attachment.filename,
        "info": info,
    }
    if encrypted is None:
        content["url"] = url
    else:
        content["file"] = {**encrypted, "url": url}
    return content


def _png_size(content: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header (its first chunk, IHDR, says them)."""
    if (
        len(content) < 24
        or not content.startswith(b"\x89PNG\r\n\x1a\n")
        or content[12:16] != b"IHDR"
    ):
        return None
    return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")


def render(replies: Sequence[Reply]) -> list[Outgoing]:
    """What to send, in order, for one turn's replies."""
    return [item for items in render_each(replies) for item in items]


def render_each(replies: Sequence[Reply]) -> list[list[Outgoing]]:
    """What to send for each reply of one turn (numbered across all of them), so a sender can
    tell how many replies went out before a failure."""
    numbers = {id(button): number for number, button in numbered(replies)}
    out: list[list[Outgoing]] = []
    for reply in replies:
        items: list[Outgoing] = []
        if reply.attachment is not None:
            items.append(Upload(reply.attachment))
        if reply.venue is not None:
            v = reply.venue
            items.append(location(v.latitude, v.longitude, v.title, v.address))
        text = _with_choices(reply, numbers)
        if text.strip():
            items.append(notice(text))
        out.append(items)
    return out


def _with_choices(reply: Reply, numbers: dict[int, int]) -> str:
    parts = []  # `notice` is a pop-up on Telegram; Matrix has none, and the text says it
    if reply.text:
        parts.append(reply.text)
    lines = [_choice_line(row, numbers) for grid in (reply.buttons, reply.keyboard) for row in grid]
    lines = [line for line in lines if line]
    if lines:
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _choice_line(row: Sequence[Button], numbers: dict[int, int]) -> str:
    """One row of buttons on one line: "<b>6</b> ☕ Adventscafé". Labels are plain text, so they
    are escaped here; location buttons are left out (clients have their own "share location")."""
    cells = [
        f"<b>{numbers[id(b)]}</b> {html.escape(label_without_number(b), quote=False)}"
        for b in row
        if id(b) in numbers
    ]
    return " · ".join(cells)
