"""Starting the web face next to the bot, in the same event loop. A second process that finds
the address taken says so once and goes on without it."""

from __future__ import annotations

import errno
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import web

from .app import WebContext, make_app

log = logging.getLogger(__name__)


@dataclass
class WebServer:
    runner: web.AppRunner
    url: str  # where it listens, e.g. "http://127.0.0.1:8080"

    async def stop(self) -> None:
        await self.runner.cleanup()


class AddressTaken(Exception):
    """Another process already listens there (another `nahbar chat`, most likely)."""


async def start_web(
    context: WebContext, host: str, port: int, operations: Sequence[web.RouteDef] = ()
) -> WebServer:
    runner = web.AppRunner(make_app(context, operations), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        if exc.errno in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise AddressTaken(f"{host}:{port}") from exc
        raise
    bound = runner.addresses[0][1] if runner.addresses else port  # the real one for port 0
    shown = f"[{host}]" if ":" in host else host
    return WebServer(runner, f"http://{shown}:{bound}")
