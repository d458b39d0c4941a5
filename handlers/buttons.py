"""Button data: short strings ("o:42", "w:today") that come back when a button is pressed.

Button data arrives from outside and may be stale or forged, so it is parsed strictly here and
every handler re-checks what the argument refers to.
"""

from __future__ import annotations

import re

_DATA = re.compile(r"^([a-z]{1,3}\??)(?::([A-Za-z0-9_.,\-]{1,40}))?$")


def parse_button(data: str) -> tuple[str, str]:
    """('verb', 'argument'); an unreadable string gives ('', '') which no handler takes."""
    match = _DATA.match(data or "")
    if not match:
        return "", ""
    return match.group(1), match.group(2) or ""


def button_data(verb: str, argument: object | None = None) -> str:
    return verb if argument is None else f"{verb}:{argument}"
