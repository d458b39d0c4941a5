"""What the runner (bot/app.py) asks of a chat platform (bot/telegram, bot/matrix), how a
platform says it cannot run, and the process's exit codes."""

from __future__ import annotations

import asyncio
from typing import Protocol

from .delivery import Messenger

EXIT_USAGE = 2  # usage or settings
EXIT_BAD_CREDENTIALS = 3  # credentials the platform rejects
EXIT_UNREACHABLE = 4  # the platform cannot be reached
EXIT_NOTHING_TO_RUN = 5  # no platform configured and no terminal


class PlatformFailed(Exception):
    """A platform cannot run with this configuration (e.g. rejected credentials)."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_CREDENTIALS) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Platform(Protocol):
    """One chat platform served by the runner."""

    name: str
    messenger: Messenger | None  # delivers the outbox's replies on this platform
    # True when only the process that leads may run it (Matrix: one device, one sync).
    leader_only: bool
    # Resolved with the exception when the platform stops for good while running (e.g. the
    # homeserver refused the credentials after it came back); never resolved otherwise.
    failed: asyncio.Future[BaseException]

    async def start(self) -> None:
        """Connect and start receiving; raise PlatformFailed for a configuration it cannot use."""

    async def stop(self) -> None:
        """Stop receiving, finish what is in progress, disconnect."""
