"""Telegram's webhook, losing nothing: an update is stored before Telegram hears "200 OK".

Python-telegram-bot's own webhook server answers 200 and keeps the update in memory; a worker
killed right then loses it, and Telegram never sends it again. Here each POST is written to the
inbox (models.inbox, as Matrix messages are) and claimed by this worker in one short
transaction, and only then acknowledged; a worker that cannot store it answers 503 and
Telegram delivers it again later. The worker answers its stored updates one at a time, through
the PTB Application as before, and marks each answered right after its replies went out. It
renews its claims while it lives; when it dies, any other worker takes over what it left
unanswered once the claims run out (`ORPHANS_EVERY`, `CLAIM`). An update Telegram delivers
again (because the first 200 was lost) is answered only if nobody has answered it and nobody
alive holds it. So every update is answered, and twice only when a worker died between sending
an answer and marking it: at most one per kill, as updates are answered one after the other.

Several workers (each `nahbar run` on its own TELEGRAM_WEBHOOK_PORT behind one reverse proxy)
set the same webhook URL and secret; without TELEGRAM_WEBHOOK_SECRET the secret is derived from
the bot token, so they agree without being told. Stored updates keep no names (`scrub`): only
ids, the language and what was written, until answered.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta

from aiohttp import web
from sqlalchemy.ext.asyncio import async_sessionmaker
from telegram import Update
from telegram.ext import Application

from models import inbox
from models.inbox import Received
from ops.metrics import UPDATES

log = logging.getLogger(__name__)
CLAIM = timedelta(seconds=30)  # a worker's hold on what it took in, renewed while it lives
RENEW_EVERY = 5.0
ORPHANS_EVERY = 5.0
MAX_BODY = 1 << 20  # an update is a few kB; Telegram never sends a megabyte
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# What may identify a person in an update and is not needed to answer it.
_NAMES = ("first_name", "last_name", "username")


def derived_secret(token: str) -> str:
    """The webhook's secret token when none is configured: the same for every worker of this
    bot, and unguessable without the bot token."""
    return hmac.new(token.encode(), b"nahbar telegram webhook", hashlib.sha256).hexdigest()


def scrub(value):
    """The update without names: users and chats keep their ids, type and language; first
    names become empty (PTB needs the field), last names and usernames go."""
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if not isinstance(value, dict):
        return value
    person = "is_bot" in value or "type" in value
    out = {}
    for key, item in value.items():
        if person and key in _NAMES:
            if key == "first_name":
                out[key] = ""
            continue
        out[key] = scrub(item)
    return out


def _addresses(update: dict) -> tuple[str, str] | None:
    """(chat address, sender id) of an update, or None for one without a chat."""
    for kind, body in update.items():
        if kind == "update_id" or not isinstance(body, dict):
            continue
        chat = body.get("chat") or (body.get("message") or {}).get("chat") or body.get("from")
        sender = body.get("from") or {}
        if isinstance(chat, dict) and "id" in chat:
            return f"telegram:{chat['id']}", str(sender.get("id", ""))
    return None


def received(update: dict, now: datetime) -> Received | None:
    """The inbox row for an update (None: not something the bot answers)."""
    update_id = update.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return None
    addresses = _addresses(update)
    chat, sender = addresses if addresses else ("telegram:", "")
    return Received(
        event_id=f"telegram:{update_id}",
        chat=chat[:255],
        sender=sender[:255],
        received_at=now,
        payload=scrub(update),
    )


class WebhookIntake:
    """The webhook's HTTP server and this worker's answer loop (see the module docstring)."""

    def __init__(
        self,
        application: Application,
        sessions: async_sessionmaker,
        *,
        secret: str,
        listen: str,
        port: int,
        path: str,
        worker: str,
        clock=lambda: datetime.now(UTC),
    ) -> None:
        self.application = application
        self.sessions = sessions
        self.secret = secret.encode()
        self.listen, self.port, self.path = listen, port, "/" + path.strip("/")
        self.worker = worker
        self.clock = clock
        self.queue: asyncio.Queue[Received] = asyncio.Queue()
        self._queued: set[str] = set()  # event ids in the queue or being answered
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task] = []
        self.answering: str | None = None  # the event id in hand
        self._stopping = False

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._post)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()
        self._tasks = [
            asyncio.create_task(self._answer_loop(), name="telegram-answers"),
            asyncio.create_task(self._every(RENEW_EVERY, self._renew), name="telegram-claims"),
            asyncio.create_task(self._every(ORPHANS_EVERY, self._orphans), name="telegram-orphans"),
        ]
        log.info("Telegram webhook listening on %s:%s%s", self.listen, self.port, self.path)

    async def stop(self) -> None:
        """Take nothing more in, finish the update in hand, hand the rest back at once."""
        if self._runner is not None:
            await self._runner.cleanup()
        self._stopping = True
        for task in self._tasks[1:]:
            task.cancel()
        if self._tasks:
            answering = self._tasks[0]
            if self.answering is None:  # waiting for the next update: nothing to finish
                answering.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            async with self.sessions() as session, session.begin():
                await inbox.renew_claims(session, self.worker, self.clock() - timedelta(seconds=1))
        except Exception as exc:  # noqa: BLE001 - they run out by themselves then
            log.warning("could not hand unanswered updates back (%s)", type(exc).__name__)

    # -- taking in ---------------------------------------------------------------------------

    async def _post(self, request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), self.secret):
            return web.Response(status=403)
        try:
            update = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="not JSON")
        item = received(update, self.clock()) if isinstance(update, dict) else None
        if item is None:
            return web.Response(status=400, text="not an update")
        now = self.clock()
        try:
            async with self.sessions() as session, session.begin():
                mine = await inbox.take_in(session, item, self.worker, now + CLAIM, now)
        except Exception as exc:  # noqa: BLE001 - Telegram delivers it again later
            log.warning(
                "could not store an update (%s); asking Telegram to send it again",
                type(exc).__name__,
            )
            return web.Response(status=503)
        if mine:
            self._enqueue(item)
        else:
            UPDATES.labels("telegram", "duplicate").inc()
        return web.Response(status=200)

    def _enqueue(self, item: Received) -> None:
        if item.event_id not in self._queued:
            self._queued.add(item.event_id)
            self.queue.put_nowait(item)

    # -- answering ---------------------------------------------------------------------------

    async def _answer_loop(self) -> None:
        bot = self.application.bot
        while not self._stopping:
            item = await self.queue.get()
            self.answering = item.event_id
            try:
                await self._answer(bot, item)
            finally:
                self._queued.discard(item.event_id)
                self.answering = None

    async def _answer(self, bot, item: Received) -> None:
        try:
            update = Update.de_json(item.payload or {}, bot)
            await self.application.process_update(update)
        except Exception:  # PTB handles handler errors; this is a bad update
            log.exception("could not handle a stored Telegram update")
        await self._mark_answered(item.event_id)

    async def _mark_answered(self, event_id: str) -> None:
        delay = 0.5
        while True:
            try:
                async with self.sessions() as session, session.begin():
                    await inbox.mark_answered(session, event_id, self.clock())
                return
            except Exception as exc:  # noqa: BLE001 - the database restarting: keep trying
                log.warning("could not mark an update answered (%s); retrying", type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)

    # -- claims ------------------------------------------------------------------------------

    async def _every(self, seconds: float, work) -> None:
        while True:
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - try again next time
                log.warning("%s failed (%s)", work.__name__.strip("_"), type(exc).__name__)
            await asyncio.sleep(seconds)

    async def _renew(self) -> None:
        async with self.sessions() as session, session.begin():
            await inbox.renew_claims(session, self.worker, self.clock() + CLAIM)

    async def _orphans(self) -> None:
        now = self.clock()
        async with self.sessions() as session, session.begin():
            found = await inbox.claim_orphans(
                session, "telegram:", self.worker, now + CLAIM, now, since=now - inbox.KEEP
            )
        if found:
            log.info("answering %d Telegram updates another worker left unanswered", len(found))
        for item in found:
            self._enqueue(item)
