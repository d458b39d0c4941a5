"""Pieces several dialogues share: the big reply keyboard and the answer to a stale button."""

from __future__ import annotations

from .context import Turn
from .messages import Button, Reply


def main_keyboard(turn: Turn) -> tuple[tuple[Button, ...], ...]:
    t = turn.t
    return (
        (Button(t("📍 Send location"), kind="location"),),
        (Button(t("🔎 Enter place or postcode"), kind="text"), Button(t("❓ Help"), kind="text")),
    )


def stale_button(turn: Turn) -> Reply:
    t = turn.t
    return Reply(t("This button is no longer valid. Write your town or postcode to start again."),
                 notice=t("This button is no longer valid."))
