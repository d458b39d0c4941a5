"""The Matrix bot: log in, sync, accept invites, answer messages, leave rooms nobody is in.

One task syncs. The messages of a sync are collected while nio runs its callbacks and then
written to the inbox (models.inbox) together with the sync's `next_batch`, in one transaction:
the next sync, also after a restart or a crash, starts from that stored position (not from
nio's own token, which nio saves before the callbacks run), so the position never passes a
message that is not in the inbox. Each message is then answered in its own task (never awaited
inside nio's sync callbacks, which would hold up the next sync), one at a time per room so a
typed "1" is handled after the list it refers to, and marked answered right after its replies
were handed over. A start first answers what the last run left unanswered. So every message
is answered, and twice only when the process died between sending an answer and marking it.
On a fresh store with no stored position the first sync is history and only read.

An encrypted message whose room key has not arrived (the sender's device shares it late) is
kept in the inbox as it came, sealed, and the key is asked for. Whenever room keys arrive, and
at every start, the sealed messages are tried again; one that opens is stored as read and then
answered like any other, once, also across a restart.

In a group room (more than one person besides the bot) only what is meant for the bot is
answered: commands, mentions and replies to its messages (`convert.for_the_bot`); a reply to
a message this process does not know is checked with the homeserver after the sync.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar
from weakref import WeakValueDictionary

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    EncryptionError,
    ErrorResponse,
    ForwardedRoomKeyEvent,
    InviteMemberEvent,
    MatrixInvitedRoom,
    MatrixRoom,
    MegolmEvent,
    RoomGetEventResponse,
    RoomGetStateResponse,
    RoomKeyEvent,
    RoomMemberEvent,
    RoomMessage,
    SyncError,
    SyncResponse,
)
from sqlalchemy.exc import SQLAlchemyError

from contracts.platform import EXIT_BAD_CREDENTIALS, PlatformFailed
from handlers.core import Nahbar
from handlers.i18n import Translator
from handlers.messages import Incoming, Reply
from models import inbox
from models.inbox import Received
from scheduler.delivery import DeliveryError, RetryAfter, TransientError, Unreachable

from ..chats import chat_left, queue_unsent, remember_shown, went_wrong
from ..settings import Settings
from . import convert
from .login import BadCredentials, HomeserverUnavailable, log_in
from .send import MatrixMessenger, others_in

log = logging.getLogger(__name__)
T = TypeVar("T")

SYNC_TIMEOUT_MS = 30_000
# Large, so a burst of messages between two syncs arrives whole (the homeserver otherwise
# returns only the newest events of a room and marks the timeline "limited").
TIMELINE_LIMIT = 200
MAX_BACKLOG = inbox.KEEP  # messages older than this (bot was down long) are not answered
MAX_TURNS = 32  # messages being answered at once, across all rooms
DRAIN_TIMEOUT_S = 10  # on stop, answers in progress get this long to finish
KNOWN_OWN_EVENTS = 5000  # the bot's own newest messages, to tell replies to it in group rooms


def sync_filter(timeline_limit: int) -> dict:
    """Only what the bot needs: room timelines and state; no presence, typing or receipts."""
    return {
        "presence": {"types": []},
        "account_data": {"types": []},
        "room": {
            "timeline": {"limit": timeline_limit},
            "ephemeral": {"types": []},
            "account_data": {"types": []},
        },
    }


async def exchange_keys(client: AsyncClient) -> None:
    """What nio's sync_forever does between syncs for end-to-end encryption: publish our
    keys, learn the other devices' keys, start sessions with them, send queued key shares."""
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    if client.should_claim_keys:
        await client.keys_claim(client.get_users_for_key_claiming())
    await client.send_to_device_messages()


class Backoff:
    """Exponential back-off with jitter: 1, 2, 4 … `cap` seconds."""

    def __init__(self, first: float = 1.0, cap: float = 30.0) -> None:
        self.first, self.cap, self.attempt = first, cap, 0

    def next_delay(self) -> float:
        delay = min(self.cap, self.first * 2**self.attempt)
        self.attempt += 1
        return delay * random.uniform(0.8, 1.2)

    def reset(self) -> None:
        self.attempt = 0


class MatrixBot:
    """The Matrix platform for the runner: `await start()`, `await stop()`, `failed`,
    `messenger`."""

    name = "matrix"
    leader_only = True  # one device, one sync position: only the leading process syncs

    def __init__(
        self,
        settings: Settings,
        core: Nahbar,
        *,
        max_backoff: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.core = core
        self.sessions = core.sessions  # the inbox and the sync position live in the core's store
        self.clock = clock
        self.allowed_servers = frozenset(settings.matrix_allowed_servers)
        self.account = f"matrix:{settings.matrix_user_id}"  # whose sync position is stored
        self.messenger = MatrixMessenger(
            self, lambda chat, replies: remember_shown(core, chat, replies)
        )
        self.client: AsyncClient | None = None
        self.synced = False  # the first sync is done: rooms are known, deliveries can go out
        self.ready = asyncio.Event()
        self.failed: asyncio.Future[BaseException] = asyncio.get_running_loop().create_future()
        self._max_backoff = max_backoff
        self._main: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._room_locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()
        self._turns = asyncio.Semaphore(MAX_TURNS)
        self._history = False  # inside the first sync of a fresh store: read, do not answer
        self._received: list[Received] = []  # messages of the sync in progress, for the inbox
        self._unsure: dict[str, tuple[str, str]] = {}  # event -> (room, the event it replies to)
        self._own_events: OrderedDict[str, None] = OrderedDict()  # what the bot itself sent
        self._keys_arrived = False  # room keys came in this sync: try the sealed messages again
        self._creators: dict[str, frozenset[str]] = {}  # room -> its creators (room version 12 on)
        self._greet: dict[str, Incoming] = {}  # rooms being joined: greet once a sync shows it
        self._joining: set[str] = set()  # invites being accepted or declined
        self._leaving: set[str] = set()

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Start connecting in the background; an unreachable homeserver is retried."""
        self.client = AsyncClient(
            self.settings.matrix_homeserver,
            self.settings.matrix_user_id,
            store_path=str(self.settings.matrix_store_path),
            config=AsyncClientConfig(
                encryption_enabled=True,
                # Still saved, but only read when the database has no position yet (a store
                # from before the inbox): the database's position is the one that counts.
                store_sync_tokens=True,
                max_limit_exceeded=0,  # we decide how to wait (send.py)
                max_timeouts=1,
                request_timeout=30,
                backoff_factor=0.5,
            ),
        )
        self.client.add_event_callback(self._on_message, RoomMessage)
        self.client.add_event_callback(self._on_undecryptable, MegolmEvent)
        self.client.add_event_callback(self._on_invite, InviteMemberEvent)
        self.client.add_event_callback(self._on_membership, RoomMemberEvent)
        self.client.add_to_device_callback(self._on_room_key, (RoomKeyEvent, ForwardedRoomKeyEvent))
        self._main = asyncio.create_task(self._run(), name="matrix-sync")

    async def stop(self) -> None:
        """Stop syncing, let answers in progress finish, close the connection. An answer cut
        off here stays unanswered in the inbox and is given at the next start."""
        if self._main is not None:
            self._main.cancel()
            await asyncio.gather(self._main, return_exceptions=True)
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=DRAIN_TIMEOUT_S)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("stopped %d Matrix answers that did not finish in time", len(pending))
        if self.client is not None:
            await self.client.close()

    async def _run(self) -> None:
        try:
            if not await self._log_in():
                return
            await self._sync_forever()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must stop the process, loudly
            log.exception("the Matrix sync loop failed")
            if not self.failed.done():
                self.failed.set_result(exc)

    async def _log_in(self) -> bool:
        backoff = Backoff(cap=self._max_backoff)
        while True:
            try:
                await log_in(self.client, self.settings)
                return True
            except BadCredentials as exc:
                if not self.failed.done():
                    self.failed.set_result(
                        PlatformFailed(
                            f"Matrix: {exc}. Check MATRIX_USER_ID and MATRIX_PASSWORD or "
                            "MATRIX_ACCESS_TOKEN.",
                            EXIT_BAD_CREDENTIALS,
                        )
                    )
                return False
            except HomeserverUnavailable as exc:
                delay = backoff.next_delay()
                log.warning("Matrix login failed (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)

    async def _sync_forever(self) -> None:
        client = self.client
        backoff = Backoff(cap=self._max_backoff)
        first = True
        # The database's position; nio's own token only for a store from before the inbox.
        position = (
            await self._in_store(inbox.position, self.account) or client.loaded_sync_token or None
        )
        fresh = position is None
        if fresh:
            log.info("new Matrix store: messages sent before this start are not answered")
        while True:
            self._history = first and fresh
            self._received = []
            known = set(client.rooms)
            try:
                response = await client.sync(
                    since=position,
                    timeout=0 if first else SYNC_TIMEOUT_MS,
                    full_state=first or None,
                    # On a fresh store the timeline is history: fetch only a little of it.
                    sync_filter=sync_filter(1 if self._history else TIMELINE_LIMIT),
                )
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                response = exc
            finally:
                self._history = False
            if not isinstance(response, SyncResponse):
                if isinstance(response, SyncError) and response.status_code in (
                    "M_UNKNOWN_TOKEN",
                    "M_MISSING_TOKEN",
                ):
                    log.warning("the homeserver ended the Matrix session; logging in again")
                    if not await self._log_in():
                        return
                    continue
                delay = backoff.next_delay()
                log.warning(
                    "Matrix sync failed (%s); retrying in %.0f s",
                    getattr(response, "status_code", None) or type(response).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            if first:
                log.info("connected to the Matrix homeserver")
            backoff.reset()
            received, self._received = self._received, []
            received = await self._meant_for_us(received)
            # Only once the messages are stored may the position move past them.
            new = await self._in_store(self._take_in, received, response.next_batch)
            position = response.next_batch
            left_over = []
            if first:
                left_over = await self._in_store(self._left_over, {r.event_id for r in new})
            self.synced = True
            self.ready.set()
            for item in left_over + new:  # what the last run left unanswered goes first
                if item.sealed is None:
                    self._spawn(convert.from_inbox(item).chat_id, self._answer(item))
            if first or self._keys_arrived or any(item.sealed for item in new):
                self._keys_arrived = False
                await self._open_sealed()
            first = False
            self._after_sync(response, known)
            await self._keys()

    async def _in_store(self, work: Callable[..., Awaitable[T]], *args) -> T:
        """`work(session, *args)` in one transaction, retried until the database answers."""

        async def attempt() -> T:
            async with self.sessions() as session, session.begin():
                return await work(session, *args)

        return await self._persistently(attempt)

    async def _persistently(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Retry a database write until it succeeds: the sync waits rather than move on
        without its messages stored, an answer rather than be forgotten as unanswered."""
        backoff = Backoff(cap=self._max_backoff)
        while True:
            try:
                return await attempt()
            except (SQLAlchemyError, OSError) as exc:
                delay = backoff.next_delay()
                log.warning(
                    "the database is not available for Matrix messages (%s); retrying in %.0f s",
                    type(exc).__name__,
                    delay,
                )
                await asyncio.sleep(delay)

    async def _take_in(self, session, received: list[Received], token: str) -> list[Received]:
        return await inbox.receive(session, self.account, token, received)

    async def _left_over(self, session, new: set[str]) -> list[Received]:
        since = datetime.fromtimestamp(self.clock(), UTC) - MAX_BACKLOG
        rows = await inbox.unanswered(session, "matrix:", since)
        rows = [row for row in rows if row.event_id not in new]
        if rows:
            log.info("answering %d Matrix messages the last run left unanswered", len(rows))
        return rows

    def _after_sync(self, response: SyncResponse, known: set[str]) -> None:
        # A room just joined always comes "limited" (its history is not sent); only a room we
        # were already in can have lost messages to the timeline limit.
        skipped = sum(
            1
            for room_id, info in response.rooms.join.items()
            if info.timeline.limited and room_id in known
        )
        if skipped:
            log.warning(
                "%d rooms had more than %d new events at once; older ones were skipped",
                skipped,
                TIMELINE_LIMIT,
            )
        for room in list(self.client.rooms.values()):
            if (
                others_in(room, self.client.user_id) == 0
                and room.room_id not in self._joining | self._leaving
            ):
                self._leaving.add(room.room_id)
                self._spawn(room.room_id, self._leave(room.room_id, pause=True))

    async def _keys(self) -> None:
        try:
            await exchange_keys(self.client)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            log.warning(
                "Matrix key exchange failed (%s); trying again after the next sync",
                type(exc).__name__,
            )

    # -- events (called inside nio's sync: never wait for an answer here) ------------------

    async def _on_message(self, room: MatrixRoom, event: RoomMessage) -> None:
        if event.sender == self.client.user_id:
            self._remember_own(event.event_id)
            return
        if (
            self._history
            or not self._recent(event.server_timestamp)
            or not self._allowed(event.sender)
        ):
            return
        message, unsure = self._read(room, event.source.get("content", {}), event.sender)
        if message is not None:
            if unsure is not None:
                self._unsure[event.event_id] = (room.room_id, unsure)
            self._receive(event.event_id, message, event.server_timestamp)

    def _read(
        self, room: MatrixRoom, content: object, sender: str
    ) -> tuple[Incoming | None, str | None]:
        """The neutral message for a room message's content, or None for what is not answered
        (in a group room: what is not meant for the bot). The second value names the event a
        group message replies to when only the homeserver can say whether it was the bot's."""
        if not isinstance(content, dict):
            return None, None
        group = others_in(room, self.client.user_id) > 1
        unsure = None
        if group:
            me, name = self.client.user_id, room.user_name(self.client.user_id)
            verdict = convert.for_the_bot(
                content, bot_id=me, bot_name=name, sent_by_bot=self._sent_by_me
            )
            if verdict is False:
                return None, None
            content = convert.without_mention(content, bot_id=me, bot_name=name)
            unsure = convert.reply_to(content) if verdict is None else None
        creators = self._creators.get(room.room_id, frozenset())
        level = (
            convert.CREATOR_LEVEL
            if sender in creators
            else room.power_levels.get_user_level(sender)
        )
        message = convert.incoming(
            content, sender=sender, room_id=room.room_id, group=group, power_level=level
        )
        return message, unsure

    async def _learn_creators(self, room: MatrixRoom) -> frozenset[str]:
        """Who created the room: from room version 12 on they outrank everybody without being in
        the power levels (a room's admin who made it). Asked of the homeserver once per room."""
        if room.room_id in self._creators or not convert.creators_rule(room.room_version):
            return self._creators.get(room.room_id, frozenset())
        try:
            response = await self.client.room_get_state(room.room_id)
        except (TimeoutError, aiohttp.ClientError, OSError):
            return frozenset()  # asked again with the next message
        if not isinstance(response, RoomGetStateResponse):
            return frozenset()
        creators = convert.creators_of(response.events)
        self._creators[room.room_id] = creators
        return creators

    def _remember_own(self, event_id: str) -> None:
        self._own_events[event_id] = None
        while len(self._own_events) > KNOWN_OWN_EVENTS:
            self._own_events.popitem(last=False)

    def _sent_by_me(self, event_id: str) -> bool:
        return event_id in self._own_events

    async def _replies_to_me(self, room_id: str, event_id: str) -> bool:
        """Whether the bot sent `event_id` (a message from before this start), as the homeserver
        says; when it cannot say, the message is taken as not meant for the bot."""
        if self._sent_by_me(event_id):
            return True
        try:
            response = await self.client.room_get_event(room_id, event_id)
        except (TimeoutError, aiohttp.ClientError, OSError):
            return False
        mine = (
            isinstance(response, RoomGetEventResponse)
            and response.event.sender == self.client.user_id
        )
        if mine:
            self._remember_own(event_id)
        return mine

    async def _meant_for_us(self, received: list[Received]) -> list[Received]:
        """The messages of a sync without the group replies that turn out not to answer the bot,
        and with the rooms' creators counted as their admins."""
        unsure, self._unsure = self._unsure, {}
        keep = []
        for item in received:
            target = unsure.get(item.event_id)
            if target is not None and not await self._replies_to_me(*target):
                continue
            room = self.client.rooms.get(item.chat.removeprefix("matrix:"))
            if (
                item.group
                and not item.sender_is_admin
                and room is not None
                and item.sender in await self._learn_creators(room)
            ):
                item = replace(item, sender_is_admin=True)
            keep.append(item)
        return keep

    def _recent(self, server_timestamp: int) -> bool:
        """Young enough to answer: not from long before this start."""
        return server_timestamp / 1000 >= self.clock() - MAX_BACKLOG.total_seconds()

    def _receive(self, event_id: str, message: Incoming, server_timestamp: int) -> None:
        """Keep a message of this sync for the inbox (stored, then answered, after the sync)."""
        received_at = datetime.fromtimestamp(server_timestamp / 1000, UTC)
        self._received.append(convert.to_inbox(event_id, message, received_at))

    async def _on_undecryptable(self, room: MatrixRoom, event: MegolmEvent) -> None:
        if self._history or event.sender == self.client.user_id:
            return
        if not self._recent(event.server_timestamp) or not self._allowed(event.sender):
            return
        # Kept as it came until its key arrives (`_open_sealed`); the key is asked for meanwhile.
        received_at = datetime.fromtimestamp(event.server_timestamp / 1000, UTC)
        self._received.append(
            Received(
                event_id=event.event_id,
                chat=f"matrix:{room.room_id}",
                sender=event.sender,
                received_at=received_at,
                sealed=json.dumps({**event.source, "room_id": room.room_id}),
            )
        )
        log.info(
            "could not decrypt a message (no room key yet); kept until the key comes, and asked "
            "for it"
        )
        try:
            await self.client.request_room_key(event)
        except Exception:  # a key request already on its way raises here
            log.debug("room key request not sent", exc_info=True)

    async def _on_room_key(self, event: RoomKeyEvent | ForwardedRoomKeyEvent) -> None:
        self._keys_arrived = (
            True  # nio has stored the key; the sealed messages are tried after the sync
        )

    async def _open_sealed(self) -> None:
        """Try the sealed messages again with the keys there are now; answer those that open."""
        since = datetime.fromtimestamp(self.clock(), UTC) - MAX_BACKLOG
        for item in await self._in_store(self._sealed_since, since):
            opened = await self._open(item)
            if opened is False:
                continue  # still no key
            if opened is None:  # nothing to answer: not meant for the bot, or not a message
                await self._in_store(inbox.mark_answered, item.event_id)
            elif await self._in_store(inbox.unseal, opened):
                self._spawn(convert.from_inbox(opened).chat_id, self._answer(opened))

    async def _sealed_since(self, session, since: datetime) -> list[Received]:
        return await inbox.unanswered(session, "matrix:", since, sealed=True)

    async def _open(self, item: Received) -> Received | bool | None:
        """The readable inbox row for a sealed message; False while its key is missing, None when
        there is nothing to answer."""
        try:
            source = json.loads(item.sealed or "")
            event = MegolmEvent.from_dict(source)
        except (ValueError, TypeError):
            return None
        room = (
            self.client.rooms.get(source.get("room_id", "")) if isinstance(source, dict) else None
        )
        if not isinstance(event, MegolmEvent) or room is None:
            return None  # unreadable, or a room the bot has left
        event.room_id = room.room_id
        try:
            decrypted = self.client.decrypt_event(event)
        except EncryptionError:
            return False
        if not isinstance(decrypted, RoomMessage):
            return None
        await self._learn_creators(room)
        message, unsure = self._read(room, decrypted.source.get("content", {}), item.sender)
        if message is None or (
            unsure is not None and not await self._replies_to_me(room.room_id, unsure)
        ):
            return None
        log.info("a message kept until its room key came can be read now")
        return convert.to_inbox(item.event_id, message, item.received_at)

    async def _on_invite(self, room: MatrixInvitedRoom, event: InviteMemberEvent) -> None:
        client = self.client
        if event.state_key != client.user_id or event.membership != "invite":
            return
        if room.room_id in self._joining or room.room_id in client.rooms:
            return
        self._joining.add(room.room_id)
        if not self._allowed(event.sender):
            log.info("declining an invite from a homeserver not in MATRIX_ALLOWED_SERVERS")
            self._spawn(room.room_id, self._leave(room.room_id))
            return
        direct = bool(event.content.get("is_direct"))
        greeting = Incoming(
            platform="matrix",
            user_id=event.sender,
            chat_id=room.room_id,
            text="/start",
            group=not direct,
            buttons=False,
        )
        self._spawn(room.room_id, self._join(room.room_id, greeting))

    async def _on_membership(self, room: MatrixRoom, event: RoomMemberEvent) -> None:
        # Leaving is handled after the sync (`_after_sync`), when the room's state is complete.
        if event.state_key != self.client.user_id:
            return
        if event.membership in ("leave", "ban"):
            self._greet.pop(room.room_id, None)
        elif event.membership == "join" and event.prev_membership == "invite" and not self._history:
            # Our own join, as the sync shows it: the greeting goes through the inbox like a
            # message, keyed by the join event, so a crash cannot lose or repeat it.
            greeting = self._greet.pop(room.room_id, None) or self._greeting_from(room, event)
            if greeting is not None and self._recent(event.server_timestamp):
                self._receive(event.event_id, greeting, event.server_timestamp)

    def _greeting_from(self, room: MatrixRoom, event: RoomMemberEvent) -> Incoming | None:
        """The greeting for a join whose invite this run did not see (it joined, then stopped
        before the sync that shows the join): the inviter and "direct" come from the previous
        membership, as the homeserver tells it (Synapse adds `prev_sender`)."""
        inviter = (event.source.get("unsigned") or {}).get("prev_sender")
        if not isinstance(inviter, str) or not self._allowed(inviter):
            return None
        direct = bool((event.prev_content or {}).get("is_direct"))
        return Incoming(
            platform="matrix",
            user_id=inviter,
            chat_id=room.room_id,
            text="/start",
            group=not direct,
            buttons=False,
        )

    # -- work in tasks ---------------------------------------------------------------------

    def _spawn(self, room_id: str, work: Coroutine) -> None:
        task = asyncio.create_task(self._in_turn(room_id, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def room_lock(self, room_id: str) -> asyncio.Lock:
        """One thing at a time per room: answering a message, or an outbox message with its
        numbered choices (so a number typed right after it is read against it)."""
        lock = self._room_locks.get(room_id)
        if lock is None:
            lock = self._room_locks[room_id] = asyncio.Lock()
        return lock

    async def _in_turn(self, room_id: str, work: Awaitable) -> None:
        async with self.room_lock(room_id), self._turns:
            await work

    async def _answer(self, item: Received) -> None:
        message = convert.from_inbox(item)
        try:
            replies = await self.core.handle(message)
        except Exception:  # tell the person, keep serving everyone else
            log.exception("error while answering a Matrix message")
            replies = [Reply(went_wrong(Translator(self.core.default_language)))]
        try:
            await self.messenger.deliver_live(message.chat_id, replies)
        except Unreachable:
            log.info("could not answer: the bot is no longer in that room")
        except (TransientError, RetryAfter) as exc:
            # The turn has committed: what did not go out waits in the outbox.
            rest, wait = replies[exc.delivered :], exc.seconds if isinstance(exc, RetryAfter) else 0
            queued = await self._persistently(
                lambda: queue_unsent(
                    self.sessions,
                    message.chat,
                    rest,
                    key=f"reply:matrix:{item.event_id}",
                    wait=wait,
                )
            )
            log.info(
                "a Matrix answer could not be sent (%s); %d replies queued",
                type(exc).__name__,
                queued,
            )
        except DeliveryError as exc:
            log.warning("could not answer a Matrix message: %s", exc)
        await self._in_store(inbox.mark_answered, item.event_id)

    async def _join(self, room_id: str, greeting: Incoming) -> None:
        # Known before the join, so the sync that shows the join finds it whenever it comes.
        self._greet[room_id] = greeting
        backoff = Backoff(cap=self._max_backoff)
        try:
            for _ in range(5):
                try:
                    response = await self.client.join(room_id)
                except (TimeoutError, aiohttp.ClientError, OSError):
                    response = None
                if response is not None and not isinstance(response, ErrorResponse):
                    return
                if isinstance(response, ErrorResponse) and response.status_code in (
                    "M_FORBIDDEN",
                    "M_NOT_FOUND",
                ):
                    log.info("could not join a room: the invite was withdrawn")
                    break
                await asyncio.sleep(backoff.next_delay())
            else:
                log.warning("gave up joining a room after 5 attempts")
            self._greet.pop(room_id, None)
        finally:
            self._joining.discard(room_id)

    async def _leave(self, room_id: str, pause: bool = False) -> None:
        """Leave (or decline) and forget: a DM the person has left is not written to again."""
        if pause:  # everybody else left: their subscriptions here pause at once
            await chat_left(self.core, f"matrix:{room_id}")
        try:
            await self.client.room_leave(room_id)
            await self.client.room_forget(room_id)
        except (TimeoutError, aiohttp.ClientError, OSError):
            log.warning("could not leave an empty room; trying again after the next sync")
        finally:
            self._joining.discard(room_id)
            self._leaving.discard(room_id)
            self._greet.pop(room_id, None)

    def _allowed(self, user_id: str) -> bool:
        return not self.allowed_servers or convert.server_of(user_id) in self.allowed_servers
