"""Wiring: the store, places and conversation core that every adapter shares, and the runner
that serves every configured platform (Telegram, Matrix, or both) in one process."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from handlers.core import Nahbar
from handlers.messages import Reply
from models import demo
from models.db import create_engine, session_factory, upgrade
from models.moderation import Rights, moderators
from models.outbox import pause_chat, resume_chat
from places import Gazetteer
from publish.links import Links
from scheduler import Dispatcher, build_scheduler, run_maintenance, stop_scheduler
from scheduler.delivery import Messenger

from .settings import Settings

if TYPE_CHECKING:
    from web.server import WebServer

log = logging.getLogger(__name__)
EXIT_BAD_CREDENTIALS = 3
EXIT_UNREACHABLE = 4


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker
    core: Nahbar
    # Platform name -> its Messenger, for the outbox: filled by `run_platforms` as they start.
    messengers: dict[str, Messenger] = field(default_factory=dict)

    async def start_web(self) -> WebServer | None:
        """The web face on NAHBAR_WEB_LISTEN, in this event loop; None when it is off or the
        address is taken (said once in the log and on stderr; the bot goes on without it)."""
        address = self.settings.web_address
        if address is None:
            return None
        from web.app import WebContext
        from web.server import AddressTaken, start_web

        context = WebContext(self.sessions, self.core.places, self.now, self.core.links,
                             requests_per_minute=self.settings.web_requests_per_minute,
                             default_radius_km=self.settings.default_radius_km,
                             coordinators=self.core.coordinators)
        try:
            server = await start_web(context, *address)
        except AddressTaken as exc:
            log.warning("web face: %s is taken, going on without it", exc)
            return None
        log.info("web face on %s", server.url)
        return server

    def dispatcher(self, *messengers: Messenger) -> Dispatcher:
        """The outbox dispatcher for the platforms this process can send on."""
        s = self.settings
        return Dispatcher(self.sessions, messengers, batch=s.outbox_batch,
                          lease=timedelta(seconds=s.outbox_lease_seconds),
                          max_attempts=s.outbox_max_attempts, clock=self.now)

    def scheduler(self, *messengers: Messenger) -> AsyncIOScheduler:
        """Maintenance and retention, and the dispatcher when there is a messenger (not started)."""
        dispatcher = self.dispatcher(*messengers) if messengers else None
        return build_scheduler(self.sessions, dispatcher=dispatcher, retention=self.settings.retention,
                               dispatch_every=self.settings.outbox_every_seconds,
                               planning=self.settings.planning, clock=self.now)

    def now(self) -> datetime:
        """The core's clock: what the planners and the dispatcher go by too (tests move it)."""
        return self.core.clock()


async def remember_shown(core: Nahbar, chat: str, replies: Sequence[Reply]) -> list[Reply]:
    """Before an outbox message is shown: its numbered choices become what a typed number means
    (see Nahbar.shown); returns the replies to show. A failure here must not stop the message."""
    try:
        return await core.shown(chat, list(replies))
    except Exception:  # noqa: BLE001
        log.warning("could not remember the choices of an outbox message", exc_info=True)
        return list(replies)


async def chat_left(core: Nahbar, chat: str, reason: str = "everybody else has left the chat") -> None:
    """The chat cannot be reached any more (everybody else has left a Matrix room, a person
    blocked the bot on Telegram): pause it at once, so no planner queues anything for it and
    what is queued is dropped. If that fails, the next delivery there finds it unreachable and
    pauses it then."""
    try:
        async with core.sessions() as session, session.begin():
            await pause_chat(session, chat, reason, core.clock())
    except Exception as exc:  # noqa: BLE001 - the error's text may name the chat: not logged
        log.warning("could not pause a chat that cannot be reached (%s)", type(exc).__name__)


async def chat_back(core: Nahbar, chat: str) -> None:
    """The chat can be reached again (a person unblocked the bot): deliveries may go out again.
    If that fails, their next message resumes it (models.conversations.load_turn)."""
    try:
        async with core.sessions() as session, session.begin():
            await resume_chat(session, chat)
    except Exception as exc:  # noqa: BLE001
        log.warning("could not resume a chat that can be reached again (%s)", type(exc).__name__)


class PlatformFailed(Exception):
    """A platform cannot run with this configuration (e.g. rejected credentials)."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_CREDENTIALS) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Platform(Protocol):
    """One chat platform served by the runner (bot/telegram, bot/matrix)."""

    name: str
    messenger: Messenger | None  # delivers the outbox's replies on this platform
    # Resolved with the exception when the platform stops for good while running (e.g. the
    # homeserver refused the credentials after it came back); never resolved otherwise.
    failed: asyncio.Future

    async def start(self) -> None:
        """Connect and start receiving; raise PlatformFailed for a configuration it cannot use."""

    async def stop(self) -> None:
        """Stop receiving, finish what is in progress, disconnect."""


@asynccontextmanager
async def open_app(settings: Settings):
    """Migrate, seed examples into an empty store, catch up on maintenance, then serve."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        if settings.seed_demo_data:
            async with sessions() as session, session.begin():
                added = await demo.seed_if_empty(session)
            if added:
                log.info("seeded %d example offers", added)
        await run_maintenance(sessions, retention=settings.retention)
        places = Gazetteer.load(home_region=settings.home_region)
        geocoder = None
        if settings.geocoder == "nominatim":
            from places.geocoder import NominatimGeocoder

            geocoder = NominatimGeocoder(settings.geocoder_user_agent)
        rights = Rights(frozenset(settings.moderators))
        await _check_moderators(sessions, rights)
        core = Nahbar(sessions, places, default_language=settings.default_language,
                      default_radius_km=settings.default_radius_km, rights=rights,
                      max_offers_per_day=settings.max_offers_per_day, geocoder=geocoder,
                      reminder_evening=settings.reminder_evening)
        core.coordinators = settings.coordinator_list()
        core.links = Links(web=settings.web_url, telegram_bot=settings.telegram_bot_username,
                           matrix_bot=settings.matrix_user_id or "", phone=settings.phone)
        yield App(settings, engine, sessions, core)
    finally:
        await engine.dispose()


async def _check_moderators(sessions: async_sessionmaker, rights: Rights) -> None:
    """Tell the operator when moderators from the settings cannot be told about new offers yet
    (the bot may only write to people who wrote to it first). Counts only, no addresses."""
    if not rights.addresses:
        return
    async with sessions() as session:
        known = {user.address for user in await moderators(session, rights)}
    missing = len(rights.addresses - known)
    if missing:
        log.warning("NAHBAR_MODERATORS: %d of %d have not written to the bot yet; they hear of new "
                    "offers once they have (until then /pruefen shows them)", missing, len(rights.addresses))


def configured_platforms(settings: Settings, app: App) -> list[Platform]:
    platforms: list[Platform] = []
    if settings.has_telegram:
        from .telegram.runner import TelegramPlatform

        platforms.append(TelegramPlatform(settings, app.core))
    if settings.has_matrix:
        from .matrix import MatrixBot

        platforms.append(MatrixBot(settings, app.core))
    return platforms


async def run_platforms(settings: Settings) -> int:
    """Serve every configured platform over one store and one scheduler until SIGINT/SIGTERM
    (exit 0); a platform that cannot run with its settings ends the process with its code."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with open_app(settings) as app:
            return await _serve(app, configured_platforms(settings, app), stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _serve(app: App, platforms: list[Platform], stop: asyncio.Event) -> int:
    started: list[Platform] = []
    scheduler = None
    site = await app.start_web()
    try:
        for platform in platforms:
            await platform.start()
            started.append(platform)
            if platform.messenger is not None:
                app.messengers[platform.name] = platform.messenger
        # One scheduler for every platform: maintenance, and the outbox sent on each of them.
        scheduler = app.scheduler(*app.messengers.values())
        scheduler.start()
        log.info("nahbar is running on %s", " and ".join(p.name for p in platforms))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait([stopping, *(p.failed for p in started)],
                           return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        for platform in started:
            if platform.failed.done():
                error = platform.failed.result()
                raise error if isinstance(error, PlatformFailed) else PlatformFailed(
                    f"{platform.name} stopped: {error}", exit_code=1)
        log.info("shutting down")
        return 0
    except PlatformFailed as exc:
        print(f"nahbar: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        if site is not None:
            await site.stop()
        if scheduler is not None:
            await stop_scheduler(scheduler)
        for platform in reversed(started):
            try:
                await platform.stop()
            except Exception:  # noqa: BLE001 - stop the others all the same
                log.exception("error while stopping %s", platform.name)
