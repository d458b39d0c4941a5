"""Starting the web face next to the bot, in the same event loop. A second process that finds
the address taken says so once and goes on without it."""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import web

from .app import WebContext, make_app
from .listen import AddressTaken, url_of

__all__ = ["AddressTaken", "WebServer", "start_web"]

log = logging.getLogger(__name__)


@dataclass
class WebServer:
    runner: web.AppRunner
    url: str  # where it listens, e.g. "http://127.0.0.1:8080"

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_web(
    context: WebContext,
    host: str,
    port: int,
    operations: Sequence[web.RouteDef] = (),
    sock: socket.socket | None = None,
) -> WebServer:
    """Serve on (host, port), or on `sock` already bound there (web.listen)."""
    runner = web.AppRunner(make_app(context, operations), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port) if sock is None else web.SockSite(runner, sock)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        if exc.errno in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise AddressTaken(f"{host}:{port}") from exc
        raise
    bound = runner.addresses[0][1] if runner.addresses else port  # the real one for port 0
    return WebServer(runner, url_of(host, bound))
