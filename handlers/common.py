"""Pieces several dialogues share: the big reply keyboard and the answer to a stale button."""

from __future__ import annotations

import logging

from markupsafe import Markup

from models import User
from models.moderation import Action, log

from .context import Turn
from .i18n import Translator
from .messages import SHARE_BUTTON, SHARE_MENU, SHARE_TYPED, Button, Reply


def main_keyboard(turn: Turn) -> tuple[tuple[Button, ...], ...]:
    t = turn.t
    return (
        (Button(t("📍 Send location"), kind="location"),),
        (Button(t("🔎 Enter place or postcode"), kind="text"), Button(t("❓ Help"), kind="text")),
    )


def location_hint(turn: Turn) -> Markup | None:
    """How to send a location from where the person writes, in a sentence; None where they
    cannot (the adapter says how, see Incoming.location_sharing)."""
    t = turn.t
    return {
        SHARE_BUTTON: lambda: t("Or tap “📍 Send location” below."),
        SHARE_MENU: lambda: t(
            "Or share your location: in Element, tap “+” next to the message field, "
            "then “Location”."
        ),
        SHARE_TYPED: lambda: t("You can also type coordinates, e.g. “52.13, 11.62”."),
    }.get(turn.msg.location_sharing, lambda: None)()


def with_location_hint(turn: Turn, text: Markup, separator: str = " ") -> Markup:
    """The text, and after it how to send a location (where there is a way)."""
    hint = location_hint(turn)
    return text + separator + hint if hint is not None else text


log_ = logging.getLogger(__name__)


def refused(turn: Turn, what: str) -> list[Reply]:
    """Only moderators may do that: the refusal, logged (who tried what) and nothing changed."""
    log_.warning("refused %s for user %s: not a moderator", what, turn.user.id)
    log(turn.session, turn.user, Action.REFUSED, subject_id=turn.user.id, note=what, now=turn.now)
    t = turn.t
    return [Reply(t("Only moderators may do that."), notice=t("Only moderators may do that."))]


def stale_button(turn: Turn) -> Reply:
    t = turn.t
    return Reply(
        t("This button is no longer valid. Write your town or postcode to start again."),
        notice=t("This button is no longer valid."),
    )


def home_words(t: Translator, user: User) -> str | Markup:
    """The home place's name (for a shared position: the nearest town)."""
    return user.home_place_name or t("your home place")
