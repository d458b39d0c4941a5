"""Matrix room events to neutral incoming messages.

Works on the event's raw `content` (nio hands `m.location` over as `RoomMessageUnknown`, and a
decrypted event carries its cleartext content the same way), so one function serves plain and
encrypted rooms. `to_inbox` / `from_inbox` carry a message through the inbox (models.inbox), where
it waits, durable, until it has been answered.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from handlers.messages import SHARE_MENU, SHARE_NONE, Incoming
from models.inbox import Received

# geo:<lat>,<lon>[,<alt>][;u=<uncertainty>...] (RFC 5870), as Matrix clients send it.
_GEO_URI = re.compile(
    r"geo:(-?\d{1,3}(?:\.\d+)?),(-?\d{1,3}(?:\.\d+)?)(?:,[-\d.]+)?(?:;.*)?", re.IGNORECASE
)
# Plain-text reply fallback: "> <@alice:example.org> earlier text" lines, then a blank line.
_REPLY_FALLBACK = re.compile(r"\A(?:>[^\n]*\n)+\n", re.MULTILINE)
MAX_BODY = 4000  # longer bodies are cut before they reach the core (it refuses long text anyway)


def parse_geo_uri(uri: object) -> tuple[float, float] | None:
    """(latitude, longitude) from a geo URI, or None for anything malformed or out of range."""
    if not isinstance(uri, str):
        return None
    match = _GEO_URI.fullmatch(uri.strip())
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def server_of(user_id: str) -> str:
    """The homeserver part of a user id ("@alice:example.org" -> "example.org")."""
    return user_id.partition(":")[2].lower()


def is_for_us(content: dict) -> bool:
    """False for messages the bot must not answer: notices (bots talk in notices, so two bots
    never answer each other) and edits of earlier messages (the original was answered)."""
    if content.get("msgtype") == "m.notice":
        return False
    relates = content.get("m.relates_to")
    return not (isinstance(relates, dict) and relates.get("rel_type") == "m.replace")


ADMIN_LEVEL = 50  # the power level Matrix clients call "moderator"; what may change room settings
CREATOR_LEVEL = 2**53  # room version 12 on: a room's creators outrank every power level


def creators_rule(room_version: str) -> bool:
    """Whether the room's creators are its highest admins without a power level (room version
    12 and later, and the "hydra" test versions that introduced it)."""
    if room_version.startswith("org.matrix.hydra."):
        return True
    return room_version.isdigit() and int(room_version) >= 12


def creators_of(state: list) -> frozenset[str]:
    """The creators named by a room's state: who sent `m.room.create`, and its
    `additional_creators`."""
    for event in state:
        if isinstance(event, dict) and event.get("type") == "m.room.create":
            content = event.get("content") if isinstance(event.get("content"), dict) else {}
            more = content.get("additional_creators")
            more = (
                [user for user in more if isinstance(user, str)] if isinstance(more, list) else []
            )
            sender = event.get("sender")
            return frozenset([sender, *more] if isinstance(sender, str) else more)
    return frozenset()


def incoming(
    content: dict, *, sender: str, room_id: str, group: bool, power_level: int = 0
) -> Incoming | None:
    """The neutral message for an `m.room.message` content, or None for what we ignore.
    `power_level` is the sender's in the room: from 50 on they count as the group's admin."""
    if not isinstance(content, dict) or not is_for_us(content):
        return None
    base = {
        "platform": "matrix",
        "user_id": sender,
        "chat_id": room_id,
        "group": group,
        "sender_is_admin": group and power_level >= ADMIN_LEVEL,
        "location_sharing": sharing(group),
        "buttons": False,  # Matrix clients show no buttons: choices are numbered
    }
    msgtype = content.get("msgtype")
    if msgtype == "m.location":
        location = parse_geo_uri(content.get("geo_uri"))
        if location is not None:
            return Incoming(location=location, **base)
        return Incoming(text="", **base)  # a broken location: the core answers with help
    body = content.get("body")
    if msgtype in ("m.text", "m.emote") and isinstance(body, str):
        return Incoming(text=_strip_reply_fallback(body)[:MAX_BODY], **base)
    return Incoming(text="", **base)  # images, files, voice: help rather than silence


def sharing(group: bool) -> str:
    """How a location is sent: with the client's own menu in a DM; in a group room the bot reads
    only what is addressed to it, and a location never is."""
    return SHARE_NONE if group else SHARE_MENU


# -- in a group room only what is meant for the bot ------------------------------------------


def reply_to(content: dict) -> str | None:
    """The event a message answers (a Matrix reply), if any."""
    relates = content.get("m.relates_to")
    target = relates.get("m.in_reply_to") if isinstance(relates, dict) else None
    event_id = target.get("event_id") if isinstance(target, dict) else None
    return event_id if isinstance(event_id, str) else None


def for_the_bot(
    content: dict, *, bot_id: str, bot_name: str | None, sent_by_bot: Callable[[str], bool]
) -> bool | None:
    """Whether a message in a group room is meant for the bot: a command ("!" or "/"), a
    mention (`m.mentions`, the bot's id or a link to it, or its name at the start, as older
    clients write it) or a reply to one of its messages. None: a reply to a message this
    process does not know; the caller asks the homeserver whose it is."""
    body = content.get("body")
    body = _strip_reply_fallback(body) if isinstance(body, str) else ""
    if body.lstrip().startswith(("!", "/")):
        return True
    mentions = content.get("m.mentions")
    users = mentions.get("user_ids") if isinstance(mentions, dict) else None
    if isinstance(users, list) and bot_id in users:
        return True
    formatted = content.get("formatted_body")
    formatted = formatted if isinstance(formatted, str) else ""
    if (
        bot_id in body
        or f"matrix.to/#/{bot_id}" in formatted
        or f"matrix.to/#/{quote(bot_id)}" in formatted
    ):
        return True
    if _named(body, bot_name) is not None:
        return True
    quoted = content.get("body") if isinstance(content.get("body"), str) else ""
    if quoted.startswith(f"> <{bot_id}>"):  # the reply fallback names whose message it answers
        return True
    target = reply_to(content)
    if target is None:
        return False
    return True if sent_by_bot(target) else None


def without_mention(content: dict, *, bot_id: str, bot_name: str | None) -> dict:
    """The content with a leading mention of the bot taken off the body ("Nahbar: Halle" ->
    "Halle"), so the core reads the person's words only."""
    body = content.get("body")
    if not isinstance(body, str):
        return content
    words = _strip_reply_fallback(body)
    rest = _named(words, bot_id) if words.startswith(bot_id) else _named(words, bot_name)
    return content if rest is None else {**content, "body": rest}


def _named(body: str, name: str | None) -> str | None:
    """What follows `name` at the start of the body ("Nahbar: Halle" -> "Halle"), or None."""
    if not name:
        return None
    match = re.match(re.escape(name) + r"(?:[:,]\s*|\s+|$)", body, re.IGNORECASE)
    return body[match.end() :] if match else None


def _strip_reply_fallback(body: str) -> str:
    """The person's own words of a reply, without the quoted message some clients prepend."""
    return _REPLY_FALLBACK.sub("", body, count=1) if body.startswith(">") else body


def to_inbox(event_id: str, message: Incoming, received_at: datetime) -> Received:
    """The inbox row for a message taken from a sync."""
    return Received(
        event_id=event_id,
        chat=message.chat,
        sender=message.user_id,
        received_at=received_at,
        text=message.text,
        location=message.location,
        group=message.group,
        sender_is_admin=message.sender_is_admin,
    )


def from_inbox(item: Received) -> Incoming:
    """The neutral message again, from its inbox row."""
    platform, _, chat_id = item.chat.partition(":")
    return Incoming(
        platform=platform,
        user_id=item.sender,
        chat_id=chat_id,
        text=item.text,
        location=item.location,
        group=item.group,
        sender_is_admin=item.sender_is_admin,
        location_sharing=sharing(item.group),
        buttons=False,
    )
