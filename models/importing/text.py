"""Cleaning text from files nobody here wrote: no markup, no control characters, bounded length."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

_TAG_RE = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_CONTROL_RE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]"
)
_BLOCKS = {
    "br",
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
}
_HIDDEN = {"script", "style", "head", "title"}
MAX_URL = 200


class _TextOnly(HTMLParser):
    """Keeps the words of an HTML fragment; block elements become line breaks, links their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def strip_markup(text: str) -> str:
    """The readable text of a string that may hold HTML (Google Calendar writes descriptions so)."""
    if not _TAG_RE.search(text):
        return text
    parser = _TextOnly()
    parser.feed(text)
    parser.close()
    return unescape("".join(parser.parts))


def paragraph(value: object, limit: int) -> str:
    """Multi-line text without markup, blank runs squeezed, cut to `limit` characters."""
    text = _CONTROL_RE.sub(
        " ", strip_markup(str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    )
    lines = [" ".join(line.split()) for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return cut(text, limit)


def line(value: object, limit: int) -> str:
    """One line of text without markup, cut to `limit` characters."""
    return cut(" ".join(_CONTROL_RE.sub(" ", strip_markup(str(value or ""))).split()), limit)


def cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def web_url(value: object) -> str:
    """The value if it is a plain http(s) address that fits, else ""."""
    url = str(value or "").strip()
    if not url or len(url) > MAX_URL or any(ch.isspace() for ch in url) or _CONTROL_RE.search(url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else ""


def contact_line(contact: object, url: object, limit: int = 200) -> str:
    """A contact (phone, e-mail) and a web address, the address kept only if http(s) and whole."""
    text, address = line(contact, limit), web_url(url)
    if address and len(text) + len(address) + 3 <= limit:
        return f"{text} · {address}" if text else address
    return text
