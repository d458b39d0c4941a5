"""Buttons as numbered choices, for platforms without buttons (the terminal, Matrix: their
adapters say so with `Incoming.buttons=False`).

The person answers by typing the number. Numbering is decided here, once, so every such
platform shows the same numbers and the core can turn a typed number back into the button
(the mapping is kept in the dialogue state, so it survives a restart):

- a button whose label starts with a list number ("6. ☕ Adventscafé") keeps that number, so
  the sixth entry of a list is "6" on every page;
- every other button is numbered after the highest number used so far;
- buttons that only a real button can do (sharing a location) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from .messages import Button, Reply

_LIST_NUMBER = re.compile(r"^(\d{1,3})\.\s")
MAX_NUMBER = 999


def numbered(replies: Sequence[Reply]) -> list[tuple[int, Button]]:
    """(number, button) for every choice in the replies, in display order."""
    buttons = [
        b
        for reply in replies
        for grid in (reply.buttons, reply.keyboard)
        for row in grid
        for b in row
        if b.kind != "location"
    ]
    taken: dict[int, Button] = {}
    for button in buttons:
        match = _LIST_NUMBER.match(button.label)
        if match and int(match.group(1)) not in taken:
            taken[int(match.group(1))] = button
    kept = {id(b) for b in taken.values()}
    out: list[tuple[int, Button]] = []
    following = max(taken, default=0)
    for button in buttons:
        if id(button) in kept:
            number = next(n for n, b in taken.items() if b is button)
        else:
            following += 1
            number = following
        if number <= MAX_NUMBER:
            out.append((number, button))
    return out


def label_without_number(button: Button) -> str:
    """The label as shown next to its number ("6. ☕ Café" -> "☕ Café")."""
    return _LIST_NUMBER.sub("", button.label, count=1)


def remember(replies: Sequence[Reply]) -> dict[str, list[str]] | None:
    """What each number means, to be stored with the dialogue; None when there are no choices
    (the previous ones stay valid)."""
    choices = numbered(replies)
    if not choices:
        return None
    return {
        str(n): ["text", b.label] if b.kind == "text" else ["button", b.data] for n, b in choices
    }


def typed_choice(text: str | None, stored: object) -> tuple[str, str] | None:
    """("button", data) or ("text", label) for a typed number that was offered, else None."""
    number = (text or "").strip().rstrip(".")
    if not number.isdigit() or len(number) > 3 or not isinstance(stored, dict):
        return None
    meaning = stored.get(str(int(number)))
    if (
        isinstance(meaning, list)
        and len(meaning) == 2
        and meaning[0] in ("button", "text")
        and isinstance(meaning[1], str)
    ):
        return meaning[0], meaning[1]
    return None


def renumber(replies: Sequence[Reply], start: int) -> list[Reply]:
    """The replies with their choices numbered from `start` in their labels ("12. Ich komme"),
    so they can stand next to choices already on the screen without taking their numbers."""
    number = start
    out = []
    for reply in replies:
        grids = []
        for grid in (reply.buttons, reply.keyboard):
            rows = []
            for row in grid:
                cells = []
                for button in row:
                    if button.kind != "location":
                        button = replace(button, label=f"{number}. {label_without_number(button)}")
                        number += 1
                    cells.append(button)
                rows.append(tuple(cells))
            grids.append(tuple(rows))
        out.append(replace(reply, buttons=grids[0], keyboard=grids[1]))
    return out
