"""The neutral language between adapters and the conversation core.

Adapters turn platform events into an `Incoming` and render each `Reply` in their own idiom.
Reply text is a small, safe HTML subset (<b>, <i>, <a href>): every stored or user-supplied
string in it has been escaped by the handler that wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Incoming:
    platform: str  # "telegram", "matrix", "terminal"
    user_id: str  # the sender's id on that platform
    chat_id: str  # where answers go (same as user_id in a private chat)
    text: str | None = None
    location: tuple[float, float] | None = None
    button: str | None = None  # data of a pressed button
    language: str | None = None  # the platform's language hint, e.g. "de", "en-GB"

    @property
    def chat(self) -> str:
        """The chat address as stored, e.g. "telegram:12345"."""
        return f"{self.platform}:{self.chat_id}"


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str = ""  # sent back as Incoming.button
    kind: str = "action"  # "action" (inline choice), "location" (share location), "text" (sends label)


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
    notice: str | None = None  # short pop-up answer to a button press
