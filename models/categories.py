"""The kinds of meeting offers, as the coordination office names them in the field."""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Marks a string for the message catalogue; it is translated where it is shown."""
    return message


@dataclass(frozen=True, slots=True)
class Category:
    key: str
    emoji: str
    name: str  # English msgid; the German name comes from the message catalogue


CATEGORIES: tuple[Category, ...] = (
    Category("cafe", "☕", N_("Meeting café / Advent café")),
    Category("warm_room", "🔥", N_("Warm room")),
    Category("walk", "🚶", N_("Walks & exercise")),
    Category("baking", "🥧", N_("Baking & cooking together")),
    Category("creative", "🎁", N_("Crafts & gift actions")),
    Category("generations", "👵", N_("Generations together")),
    Category("help", "🤝", N_("Neighbourly help")),
    Category("talk", "💬", N_("Conversation circle")),
    Category("other", "✨", N_("Other")),
)

BY_KEY: dict[str, Category] = {c.key: c for c in CATEGORIES}


def category(key: str) -> Category:
    """The category for a stored key; unknown keys (old data) fall back to "other"."""
    return BY_KEY.get(key, BY_KEY["other"])
