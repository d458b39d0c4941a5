"""The neutral language between adapters and the conversation core.

Adapters turn platform events into an `Incoming` and render each `Reply` in their own idiom.
Reply text is a small, safe HTML subset (<b>, <i>, <a href>) held as `markupsafe.Markup`: a
plain `str` given as reply text is escaped on the way in, so markup can only come from the
catalogues and formatting helpers, never from what a person typed or stored. Button labels
and notices are plain text.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

# How the sender can share a location where they are (the adapter knows; hints follow it).
SHARE_BUTTON = "button"  # a keyboard button sends it (Telegram's "📍 Standort senden")
SHARE_MENU = "menu"  # the client's own menu (Matrix: Element's "+", then "Location")
SHARE_TYPED = "typed"  # only as typed coordinates, "52.13, 11.62" (the terminal)
SHARE_NONE = "none"  # not at all here (a group chat, where the bot reads only what is meant for it)


@dataclass(frozen=True, slots=True)
class Incoming:
    platform: str  # "telegram", "matrix", "terminal"
    user_id: str  # the sender's id on that platform
    chat_id: str  # where answers go (same as user_id in a private chat)
    text: str | None = None
    location: tuple[float, float] | None = None
    button: str | None = None  # data of a pressed button
    language: str | None = None  # the platform's language hint, e.g. "de", "en-GB"
    group: bool = False  # sent in a group chat (several members), not a private chat
    sender_is_admin: bool = False  # in a group: the sender may change the group's settings
    location_sharing: str = SHARE_NONE  # how they can send a location: SHARE_BUTTON, _MENU, _TYPED
    # The adapter shows buttons under a message. Without (the terminal, Matrix), choices are
    # numbered and answered by typing the number (handlers.choices).
    buttons: bool = True

    @property
    def chat(self) -> str:
        """The chat address as stored, e.g. "telegram:12345"."""
        return f"{self.platform}:{self.chat_id}"


_TAG = re.compile(r"<[^>]+>")


def plain_text(markup: str) -> str:
    """Reply text without its markup: tags dropped, entities decoded, line breaks kept."""
    return html.unescape(_TAG.sub("", markup))


def plain(value: object) -> str:
    """Plain text for labels and pop-ups: Markup loses its tags and entities, str stays."""
    return plain_text(value) if isinstance(value, Markup) else str(value)


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str = ""  # sent back as Incoming.button
    kind: str = (
        "action"  # "action" (inline choice), "location" (share location), "text" (sends label)
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", plain(self.label))


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class Venue:
    latitude: float
    longitude: float
    title: str
    address: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()  # inline choices, rows of buttons
    keyboard: tuple[tuple[Button, ...], ...] = ()  # persistent reply keyboard (big buttons)
    edit: bool = False  # replace the message whose button was pressed, if the platform can
    attachment: Attachment | None = None
    venue: Venue | None = None
    # A short pop-up answer to a button press (plain text), shown only where the platform has
    # pop-ups (Telegram); the text must say the same in a sentence, as it is all others show.
    notice: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", escape(self.text))  # Markup stays, str is escaped
        if self.notice is not None:
            object.__setattr__(self, "notice", plain(self.notice))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe form, so a reply can wait in the outbox (see `from_dict`)."""

        def rows(grid: tuple[tuple[Button, ...], ...]) -> list[list[dict[str, str]]]:
            return [
                [{"label": b.label, "data": b.data, "kind": b.kind} for b in row] for row in grid
            ]

        out: dict[str, Any] = {"text": str(self.text)}
        if self.buttons:
            out["buttons"] = rows(self.buttons)
        if self.keyboard:
            out["keyboard"] = rows(self.keyboard)
        if self.attachment:
            a = self.attachment
            out["attachment"] = {
                "filename": a.filename,
                "mime_type": a.mime_type,
                "content": base64.b64encode(a.content).decode("ascii"),
            }
        if self.venue:
            v = self.venue
            out["venue"] = {
                "latitude": v.latitude,
                "longitude": v.longitude,
                "title": v.title,
                "address": v.address,
            }
        if self.notice:
            out["notice"] = str(self.notice)
        return out  # `edit` is dropped: a reply sent later is always a new message

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        def rows(grid: list[list[dict[str, str]]] | None) -> tuple[tuple[Button, ...], ...]:
            return tuple(
                tuple(
                    Button(str(b["label"]), str(b.get("data", "")), str(b.get("kind", "action")))
                    for b in row
                )
                for row in grid or ()
            )

        attachment: Attachment | None = None
        venue: Venue | None = None
        if data.get("attachment"):
            a = data["attachment"]
            attachment = Attachment(
                str(a["filename"]), base64.b64decode(a["content"]), str(a["mime_type"])
            )
        if data.get("venue"):
            v = data["venue"]
            venue = Venue(
                float(v["latitude"]), float(v["longitude"]), str(v["title"]), str(v["address"])
            )
        return cls(
            text=Markup(str(data["text"])),
            buttons=rows(data.get("buttons")),
            keyboard=rows(data.get("keyboard")),
            attachment=attachment,
            venue=venue,
            notice=data.get("notice"),
        )
