"""Text from outside, made safe to show: control and bidi characters out, length bounded.

Everything a person typed or an organiser stored passes through `clean()` or `shorten()`
before it is echoed. Escaping for the reply HTML is not done here: replies are
`markupsafe.Markup`, which escapes every plain string put into it (see handlers.i18n).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# C0/C1 controls (terminal escapes, NUL), zero-width and bidi formatting characters (the
# right-to-left override turns "gpj.exe" into "exe.jpg"), line/paragraph separators.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\ufff9-\ufffb]"
)
_NEWLINES = re.compile(r"\r\n?|\n")


CACHED = 300  # short texts (titles, place names, messages) repeat: cleaned once each


def clean(value: object, *, multiline: bool = False) -> str:
    """The text without invisible and control characters, whitespace runs collapsed."""
    text = str(value)
    if len(text) <= CACHED:
        return _clean_short(text, multiline)
    return _clean(text, multiline)


@lru_cache(maxsize=4096)
def _clean_short(text: str, multiline: bool) -> str:
    return _clean(text, multiline)


def _clean(text: str, multiline: bool) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _NEWLINES.sub("\n", text)
    text = _INVISIBLE.sub("", text.replace("\t", " "))
    if multiline:
        paragraphs = (" ".join(line.split()) for line in text.strip().split("\n"))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(paragraphs))
    return " ".join(text.split())


def shorten(value: object, limit: int, *, multiline: bool = False) -> str:
    """`clean()`, cut to at most `limit` characters at a word boundary, with "…" when cut."""
    text = clean(value, multiline=multiline)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 0.6:  # a word boundary not too far back
        cut = cut[:space]
    return cut.rstrip(" ,;:-–") + "…"
