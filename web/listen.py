"""The web face's address taken at once, its pages served a moment later.

The terminal chat prints the web face's address before its first prompt, but loading aiohttp
and the pages (a fifth of a second) need not hold the prompt up: the socket is bound here with
the standard library (so a taken address is known, and said, at once) and handed to the server
once the prompt is out (`web.server.start_web(..., sock=...)`). A visitor who comes in between
waits in the socket's backlog for that moment. Nothing here imports aiohttp.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class AddressTaken(Exception):
    """Another process already listens there (another `nahbar chat`, most likely)."""


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port), as aiohttp would open it; AddressTaken when taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise AddressTaken(f"{host}:{port}") from exc
        raise


def url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class Reserved:
    """A bound address whose server starts when `start()` is called (once), stopped by `stop()`
    like a running web.server.WebServer."""

    def __init__(
        self, host: str, sock: socket.socket, serve: Callable[[socket.socket], Awaitable]
    ) -> None:
        self._sock = sock
        self._serve = serve
        self._task: asyncio.Task | None = None
        self.url = url_of(host, sock.getsockname()[1])  # the real port for port 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._serve(self._sock))

    async def stop(self) -> None:
        if self._task is None:
            self._sock.close()
            return
        try:
            server = await self._task
        except Exception:  # said in the log; nothing left to stop
            log.exception("the web face did not start")
            self._sock.close()
            return
        await server.stop()
