"""Sending rendered replies to a room, and the outbox's `Messenger` for Matrix.

Every way a send can fail is told by one of `scheduler.delivery`'s errors, so the live answer
path and the outbox dispatcher read failures the same way:

- `M_LIMIT_EXCEEDED`                        -> RetryAfter(retry_after_ms / 1000)
- the bot is not (or no longer) in the room,
  or nobody else is in it any more          -> Unreachable (pause, never retry)
- `M_FORBIDDEN`, `M_NOT_FOUND`               -> Unreachable
- `M_TOO_LARGE`, `M_BAD_JSON`, `M_NOT_JSON`  -> Rejected
- no connection, timeouts, 5xx, anything else -> TransientError
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import aiohttp
from nio import (
    AsyncClient,
    ErrorResponse,
    LocalProtocolError,
    MatrixRoom,
    RoomSendResponse,
    SendRetryError,
    UploadResponse,
)

from contracts.delivery import (
    DeliveryError,
    Rejected,
    RetryAfter,
    TransientError,
    Unreachable,
)
from contracts.messages import Reply
from scheduler.ratelimit import RateLimiter

from .render import Outgoing, Upload, file_content, render_each

log = logging.getLogger(__name__)
_GONE = {"M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN_ROOM"}
_BAD_CONTENT = {"M_TOO_LARGE", "M_BAD_JSON", "M_NOT_JSON", "M_INVALID_PARAM"}
DEFAULT_RETRY_AFTER = 5.0  # seconds, when M_LIMIT_EXCEEDED comes without retry_after_ms
LIVE_RETRIES = 3  # a live answer waits out this many rate limits before giving up


def others_in(room: MatrixRoom, own_user_id: str) -> int:
    """People besides the bot who are in the room or invited to it."""
    return len((set(room.users) | set(room.invited_users)) - {own_user_id})


def raise_for(response: object) -> None:
    """Turn an nio error response into the matching delivery error."""
    if isinstance(response, ErrorResponse):
        code = response.status_code
        if code == "M_LIMIT_EXCEEDED":
            retry = (response.retry_after_ms or 0) / 1000 or DEFAULT_RETRY_AFTER
            raise RetryAfter(retry, f"rate limited for {retry:g} s")
        if code in _GONE:
            raise Unreachable(f"{code}: the bot cannot post in this room")
        if code in _BAD_CONTENT:
            raise Rejected(f"{code}: the homeserver refused the message")
        raise TransientError(f"homeserver error {code or 'unknown'}")


async def send_outgoing(client: AsyncClient, room: MatrixRoom, item: Outgoing) -> str:
    """Send one rendered item; returns the event id."""
    try:
        if isinstance(item, Upload):
            item = await _upload(client, room, item)
        response = await client.room_send(
            room.room_id, "m.room.message", item, ignore_unverified_devices=True
        )
    except LocalProtocolError:  # nio: "No such room" once it has left or forgotten it
        raise Unreachable("the bot is not in this room (any more)") from None
    except (TimeoutError, SendRetryError, aiohttp.ClientError, OSError) as exc:
        raise TransientError(f"{type(exc).__name__}: could not reach the homeserver") from None
    raise_for(response)
    if not isinstance(response, RoomSendResponse):
        raise TransientError(f"unexpected answer {type(response).__name__}")
    return response.event_id


async def _upload(client: AsyncClient, room: MatrixRoom, item: Upload) -> dict:
    a = item.attachment
    encrypt = bool(room.encrypted)
    response, keys = await client.upload(
        lambda *_: io.BytesIO(a.content),
        content_type=a.mime_type,
        filename=a.filename,
        encrypt=encrypt,
        filesize=len(a.content),
    )
    raise_for(response)
    if not isinstance(response, UploadResponse):
        raise TransientError(f"upload failed: {type(response).__name__}")
    return file_content(a, response.content_uri, keys if encrypt else None)


class Connection(Protocol):
    """What the messenger needs of the running Matrix bot (bot.matrix.bot.MatrixBot)."""

    client: AsyncClient | None
    synced: bool  # the first sync is done: rooms are known

    def room_lock(self, room_id: str) -> asyncio.Lock:
        """One thing at a time per room."""
        ...


# Before an outbox message is shown: its numbered choices are remembered (bot.chats).
Shown = Callable[[str, Sequence[Reply]], Awaitable[list[Reply]]]


class MatrixMessenger:
    """Delivers neutral replies to a Matrix room: `await deliver("!room:server", replies)`.

    Serves the live answers and the outbox (reminders, digests, alerts) alike. It never waits
    out a rate limit itself: the caller decides (the outbox reschedules, a live answer waits).
    """

    platform = "matrix"
    limits_itself = False
    chats = None  # every room the bot is in

    def __init__(self, connection: Connection, shown: Shown) -> None:
        self.connection = connection
        self.shown = shown
        self.limiter = RateLimiter()  # the outbox's pace (the homeserver's own limits aside)

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        client = self.connection.client
        if client is None or not self.connection.synced:
            raise TransientError("not connected to the homeserver yet")
        room = client.rooms.get(chat_id)
        if room is None:
            raise Unreachable("the bot is not in this room (any more)")
        if others_in(room, client.user_id) == 0:
            raise Unreachable("everybody else has left the room")
        async with self.connection.room_lock(chat_id):  # its next message waits for the choices
            replies = await self.shown(f"matrix:{chat_id}", replies)
            await _send_replies(client, room, replies, send_outgoing)

    async def deliver_live(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """An answer to a message just received: rate limits are waited out a few times, since
        the person is waiting for exactly this answer."""
        client = self.connection.client
        room = client.rooms.get(chat_id) if client else None
        if room is None:
            raise Unreachable("the bot is not in this room (any more)")
        await _send_replies(client, room, replies, _send_waiting)


async def _send_replies(
    client: AsyncClient,
    room: MatrixRoom,
    replies: Sequence[Reply],
    send: Callable[[AsyncClient, MatrixRoom, Outgoing], Awaitable],
) -> None:
    """Send one turn's replies in order; a failure tells how many replies had gone out, so
    what is retried from the outbox does not repeat them."""
    delivered = 0
    try:
        for items in render_each(replies):
            for item in items:
                await send(client, room, item)
            delivered += 1
    except DeliveryError as exc:
        exc.delivered = delivered
        raise


async def _send_waiting(client: AsyncClient, room: MatrixRoom, item: Outgoing) -> None:
    """Send one item, waiting out up to LIVE_RETRIES rate limits."""
    for attempt in range(LIVE_RETRIES + 1):
        try:
            await send_outgoing(client, room, item)
            return
        except RetryAfter as wait:
            if attempt == LIVE_RETRIES:
                raise
            log.info("rate limited by the homeserver; waiting %.1f s", wait.seconds)
            await asyncio.sleep(wait.seconds)
