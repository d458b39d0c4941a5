"""Wiring: the store, places and conversation core that every adapter shares, and the runner
that serves every configured platform (Telegram, Matrix, or both) in one process."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from contracts.delivery import Messenger
from contracts.platform import EXIT_USAGE, Platform, PlatformFailed
from handlers import understanding
from handlers.core import FEATURES, Nahbar
from handlers.services import Limits, Services
from models import demo
from models.db import create_engine, session_factory, upgrade
from models.moderation import Rights, moderators
from places import Gazetteer
from publish.links import Links
from scheduler import Composers, Dispatcher, build_scheduler, run_maintenance, stop_scheduler
from scheduler.jobs import catch_up
from scheduler.leadership import Leadership

from .settings import Settings

if TYPE_CHECKING:
    from web.listen import Reserved
    from web.server import WebServer

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker
    core: Nahbar
    # Of all processes on this database, one plans and syncs Matrix (scheduler.leadership).
    leadership: Leadership
    # Platform name -> its Messenger, for the outbox: filled by `run_platforms` as they start.
    messengers: dict[str, Messenger] = field(default_factory=dict)
    outbox: Dispatcher | None = None  # the dispatcher of this process's scheduler

    async def start_web(self, deferred: bool = False) -> WebServer | Reserved | None:
        """The web face on NAHBAR_WEB_LISTEN, in this event loop; None when it is off or the
        address is taken (said once in the log and on stderr; the bot goes on without it).
        `deferred`: only the address is taken now; the pages are loaded and served from the
        returned handle's `start()` on (the terminal chat calls it after its first prompt)."""
        address = self.settings.web_address
        if address is None:
            return None
        from web.listen import AddressTaken, Reserved, bind

        try:
            if deferred:
                return Reserved(address[0], bind(*address), self._serve_web)
            server = await self._serve_web(None)
        except AddressTaken as exc:
            log.warning("web face: %s is taken, going on without it", exc)
            return None
        log.info("web face on %s", server.url)
        return server

    async def _serve_web(self, sock) -> WebServer:
        from ops.http import routes
        from web.app import WebContext
        from web.server import start_web

        context = WebContext(
            self.sessions,
            self.core.services.places,
            self.now,
            self.core.services.links,
            requests_per_minute=self.settings.web_requests_per_minute,
            default_radius_km=self.settings.default_radius_km,
            coordinators=self.core.services.coordinators,
        )
        server = await start_web(
            context,
            *self.settings.web_address,
            operations=routes(self.ops_state(), healthz=False),
            sock=sock,
        )
        if sock is not None:
            log.info("web face on %s", server.url)
        return server

    def ops_state(self):
        """What /readyz and /metrics look at (ops.http)."""
        from ops.http import OpsState, expected_revision

        return OpsState(
            self.engine,
            self.sessions,
            expected_revision(),
            role=lambda: self.leadership.role,
            clock=self.now,
        )

    def dispatcher(self, *messengers: Messenger) -> Dispatcher:
        """The outbox dispatcher for the platforms this process can send on."""
        s = self.settings
        return Dispatcher(
            self.sessions,
            messengers,
            engine=self.engine,
            composers=outbox_composers(),
            batch=s.outbox_batch,
            parallel=s.outbox_parallel,
            lease=timedelta(seconds=s.outbox_lease_seconds),
            max_attempts=s.outbox_max_attempts,
            clock=self.now,
        )

    def scheduler(self, *messengers: Messenger) -> AsyncIOScheduler:
        """Maintenance, retention and the planners (which run while this process leads), and
        the dispatcher (not started). Messengers may join the dispatcher later (`self.outbox`)."""
        self.outbox = self.dispatcher(*messengers)
        return build_scheduler(
            self.sessions,
            dispatcher=self.outbox,
            retention=self.settings.retention,
            dispatch_every=self.settings.outbox_every_seconds,
            planning=self.settings.planning,
            clock=self.now,
            leader=lambda: self.leadership.is_leader,
        )

    @asynccontextmanager
    async def leading(self, scheduler: AsyncIOScheduler, on_change=None):
        """Run the leadership loop while the scheduler runs: on becoming the leader the planners
        catch up at once (`on_change(is_leader)` is called too); on leaving, hand over."""

        async def changed(leading: bool) -> None:
            if leading:
                catch_up(scheduler)
            if on_change is not None:
                await on_change(leading)

        self.leadership.on_change = changed
        task = asyncio.create_task(self.leadership.run(), name="leadership")
        try:
            yield self.leadership
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            self.leadership.on_change = on_change
            await self.leadership.resign()

    def now(self) -> datetime:
        """The core's clock: what the planners and the dispatcher go by too (tests move it)."""
        return self.core.clock()


def services(settings: Settings, rights: Rights) -> Services:
    """What the conversation may use beyond its turn (handlers.services)."""
    geocoder = None
    if settings.geocoder == "nominatim":
        from places.geocoder import NominatimGeocoder

        geocoder = NominatimGeocoder(settings.geocoder_user_agent)
    return Services(
        Gazetteer.load(home_region=settings.home_region),
        rights=rights,
        geocoder=geocoder,
        limits=Limits(
            default_radius_km=settings.default_radius_km,
            max_offers_per_day=settings.max_offers_per_day,
            reminder_evening=settings.reminder_evening,
        ),
        links=Links(
            web=settings.web_url,
            telegram_bot=settings.telegram_bot_username,
            matrix_bot=settings.matrix_user_id or "",
            phone=settings.phone,
        ),
        coordinators=settings.coordinator_list(),
    )


def outbox_composers() -> Composers:
    """What turns each kind of queued row into replies when it is sent: the built-in replies
    and what every feature declares (handed to each dispatcher)."""
    return Composers.of(*(feature.composers for feature in FEATURES))


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
        leadership = Leadership(sessions)
        if await leadership.step():  # the first process (or the only one) catches up now
            await run_maintenance(sessions, retention=settings.retention)
        rights = Rights(frozenset(settings.moderators))
        await _check_moderators(sessions, rights)
        core = Nahbar(
            sessions, services(settings, rights), default_language=settings.default_language
        )
        if not gc.isenabled():  # off for the start (bot.cli.main): what was made stays
            gc.freeze()
            gc.enable()
        try:
            yield App(settings, engine, sessions, core, leadership)
        finally:
            await leadership.resign()
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
        log.warning(
            "NAHBAR_MODERATORS: %d of %d have not written to the bot yet; they hear of new "
            "offers once they have (until then /pruefen shows them)",
            missing,
            len(rights.addresses),
        )


def configured_platforms(settings: Settings, app: App) -> list[Platform]:
    platforms: list[Platform] = []
    if settings.has_telegram:
        from .telegram.runner import TelegramPlatform

        platforms.append(TelegramPlatform(settings, app.core, worker=app.leadership.holder))
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
    """Start the platforms every process serves (Telegram), and those only the leader may
    (Matrix: one device, one sync) whenever this process leads; dispatch the outbox in every
    process, plan in the leader's."""
    everywhere = [p for p in platforms if not p.leader_only]
    leader_only = [p for p in platforms if p.leader_only]
    started: list[Platform] = []
    scheduler = None
    ops = None
    # Before the first update can come: the reader's dictionaries (a thread, so that a long
    # start-up does not stall the event loop's other start-up work).
    await asyncio.to_thread(understanding.warm_up)
    site = await app.start_web()
    try:
        for platform in everywhere:
            await platform.start()
            started.append(platform)
            if platform.messenger is not None:
                app.messengers[platform.name] = platform.messenger
        # One scheduler for every platform: maintenance, and the outbox sent on each of them.
        scheduler = app.scheduler(*app.messengers.values())

        async def leading(leader: bool) -> None:
            for platform in leader_only:
                running = platform in started
                if leader and not running:
                    await platform.start()
                    started.append(platform)
                    if platform.messenger is not None:
                        app.messengers[platform.name] = platform.messenger
                        app.outbox.use(platform.messenger)
                elif not leader and running:
                    app.outbox.forget(platform.name)
                    app.messengers.pop(platform.name, None)
                    started.remove(platform)
                    await platform.stop()

        if app.leadership.is_leader:
            await leading(True)
        if site is None:  # the web face is off (or its address taken): their own port, if set
            ops = await _serve_ops(app)
        scheduler.start()
        async with app.leading(scheduler, on_change=leading):
            log.info(
                "nahbar is running on %s (%s)",
                " and ".join(p.name for p in platforms),
                app.leadership.role,
            )
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait(
                [stopping, *(p.failed for p in platforms)], return_when=asyncio.FIRST_COMPLETED
            )
            stopping.cancel()
            for platform in platforms:
                if platform.failed.done():
                    error = platform.failed.result()
                    raise (
                        error
                        if isinstance(error, PlatformFailed)
                        else PlatformFailed(f"{platform.name} stopped: {error}", exit_code=1)
                    )
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
            except Exception:  # stop the others all the same
                log.exception("error while stopping %s", platform.name)
        if ops is not None:
            await ops.cleanup()


async def _serve_ops(app: App):
    """/healthz, /readyz and /metrics on NAHBAR_OPS_LISTEN, when set and the web face does not
    run (when it runs, they are served beside it: `App.start_web`)."""
    if not app.settings.ops_listen:
        return None
    from ops.http import serve

    host, _, port = app.settings.ops_listen.rpartition(":")
    try:
        return await serve(app.ops_state(), host, int(port))
    except OSError as exc:
        raise PlatformFailed(
            f"cannot serve health and metrics on {app.settings.ops_listen} "
            f"({exc.strerror or exc}); check NAHBAR_OPS_LISTEN",
            EXIT_USAGE,
        ) from None
