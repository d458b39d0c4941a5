"""The terminal chat: the same core and texts, buttons shown as numbered choices to type.

Typing a number presses the button with that number; anything else is sent as a message.
A shared location is typed as coordinates ("51.83, 10.78"), which the core reads as a place.
"""

from __future__ import annotations

import asyncio
import getpass
import locale
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from contracts.delivery import RetryAfter
from contracts.messages import SHARE_TYPED, Incoming, Reply, plain_text
from handlers import understanding
from handlers.choices import label_without_number, numbered
from handlers.i18n import Translator, normalise_language
from scheduler import stop_scheduler

from .app import open_app
from .chats import remember_shown, went_wrong
from .settings import Settings

log = logging.getLogger(__name__)
QUIT = {"/ende", "/quit", "/exit", "ende", "quit", "exit"}
DOWNLOADS = Path("var/downloads")


def render(
    reply: Reply, bold: bool = False, numbers: list[tuple[int, object]] | None = None
) -> str:
    """Plain text for the terminal, buttons as numbered choices (handlers.choices); `numbers`
    are those of all replies of the turn, so a second reply's choices do not repeat "1"."""
    text = reply.text
    if bold:
        text = text.replace("<b>", "\033[1m").replace("</b>", "\033[0m")
    lines = [plain_text(text)]
    row: list[str] = []
    mine = {id(b) for grid in (reply.buttons, reply.keyboard) for r in grid for b in r}
    for number, button in (
        [(n, b) for n, b in numbers if id(b) in mine] if numbers is not None else numbered([reply])
    ):
        row.append(f"[{number}] {label_without_number(button)}")
        if len(row) == 3 or len(" ".join(row)) > 60:
            lines.append("   ".join(row))
            row = []
    if row:
        lines.append("   ".join(row))
    if reply.venue:
        v = reply.venue
        lines.append(f"geo:{v.latitude:.5f},{v.longitude:.5f}  {v.title}, {v.address}")
    if reply.attachment:
        DOWNLOADS.mkdir(parents=True, exist_ok=True)
        path = DOWNLOADS / Path(reply.attachment.filename).name
        path.write_bytes(reply.attachment.content)
        lines.append(f"📎 {path}")
    return "\n".join(lines)


class TerminalChat:
    """One person at this terminal, talking to the core."""

    def __init__(
        self, core, out: TextIO = sys.stdout, user: str | None = None, language: str | None = None
    ) -> None:
        self.core = core
        self.out = out
        self.user = user or _login_name()
        self.language = language or _system_language()
        self.bold = out.isatty()
        self.t = Translator(self.language)

    def incoming(self, line: str) -> Incoming:
        # A typed number is sent as typed: the core knows which button it stands for.
        return Incoming(
            platform="terminal",
            user_id=self.user,
            chat_id=self.user,
            language=self.language,
            text=line.strip(),
            location_sharing=SHARE_TYPED,
            buttons=False,
        )

    async def say(self, line: str) -> None:
        try:
            replies = await self.core.handle(self.incoming(line))
        except Exception:  # one bad turn must not end the chat
            log.exception("error while answering in the terminal chat")
            replies = [Reply(went_wrong(self.t))]
        self.show(replies)

    async def resume(self) -> None:
        """On start: the question that was waiting (a restart continues), else the welcome."""
        try:
            self.show(await self.core.resume(self.incoming("")))
        except Exception:
            log.exception("error while resuming the terminal chat")

    def show(self, replies) -> None:
        # A reply's `notice` is a pop-up where there are pop-ups; its text says the same.
        numbers = numbered(replies)  # numbered across the turn, as the core remembers them
        for reply in replies:
            self.out.write(render(reply, self.bold, numbers) + "\n\n")
        self.out.flush()


class TerminalMessenger:
    """Outbox messages for the person at this terminal (reminders, digests…) appear in the
    chat when they are due, between the prompts."""

    platform = "terminal"
    limiter = None  # nothing to protect: no rate limits
    limits_itself = False

    def __init__(self, chat: TerminalChat) -> None:
        self.chat = chat
        # Only this person's messages: others on a shared file are left for their own terminal.
        self.chats = (chat.user,)

    async def deliver(self, chat_id: str, replies) -> None:
        if chat_id != self.chat.user:  # not claimed (see `chats`); kept as a guard
            raise RetryAfter(300, "for another terminal user")
        # Its numbers mean its buttons from now on: stored before it is shown, so a number typed
        # as soon as it appears is read that way.
        replies = await remember_shown(self.chat.core, f"terminal:{chat_id}", replies)
        self.chat.out.write("\n")
        self.chat.show(replies)
        self.chat.out.write("> ")
        self.chat.out.flush()


async def run_terminal(
    settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout, user: str | None = None
) -> int:
    """The terminal chat as `user` (default: the login name), until /ende or end of input."""
    async with open_app(settings) as app:
        chat = TerminalChat(app.core, out, user=user)
        # The address now, the pages after the first prompt (aiohttp need not hold it up).
        site = await app.start_web(deferred=True)

        def after_prompt() -> None:
            if site is not None:
                site.start()
            if _interactive(stdin):
                # While the person types, not when they have sent their first words (0.6 s).
                threading.Thread(
                    target=understanding.warm_up, name="reader-warm-up", daemon=True
                ).start()

        scheduler = app.scheduler(TerminalMessenger(chat))
        scheduler.start()
        try:
            # Several terminals on one file: one of them plans, each shows its own messages.
            async with app.leading(scheduler):
                await _converse(
                    chat,
                    settings,
                    stdin,
                    out,
                    named=user is not None,
                    web=site.url if site else None,
                    after_prompt=after_prompt,
                )
        finally:
            await stop_scheduler(scheduler)
            if site is not None:
                await site.stop()
    return 0


async def _converse(
    chat: TerminalChat,
    settings: Settings,
    stdin: TextIO,
    out: TextIO,
    named: bool = False,
    web: str | None = None,
    after_prompt: Callable[[], None] | None = None,
) -> None:
    t = Translator(normalise_language(chat.language, settings.default_language))
    out.write(t("Nahbar in the terminal. Type a number to press a button; /ende quits.") + "\n")
    if web:
        out.write(t("The web pages are at {address}", address=web) + "\n")
    elif settings.web_address is not None:
        out.write(
            t(
                "The web pages are not running: {address} is already in use (another Nahbar?).",
                address=settings.web_listen,
            )
            + "\n"
        )
    if named:  # several people take turns on one database (nahbar chat --user NAME)
        out.write(t("You are writing as “{name}”.", name=chat.user) + "\n")
    out.write("\n")
    await chat.resume()
    lines = _read_lines(stdin)
    while True:
        out.write("> ")
        out.flush()
        if after_prompt is not None:
            after_prompt()  # once
            after_prompt = None
        line = await lines.get()
        if line is None or line.strip().lower() in QUIT:
            try:  # in the language the chat has come to, e.g. English after "in English please"
                t = Translator(await chat.core.language(chat.incoming("")))
            except Exception:
                log.exception("could not look up the language for the goodbye")
            out.write("\n" + t("Goodbye!") + "\n")
            return
        if line.strip():
            await chat.say(line)


def _interactive(stdin: TextIO) -> bool:
    """Someone at a terminal (not a pipe, whose lines are all there at once)."""
    try:
        return stdin.isatty()
    except (AttributeError, ValueError):  # a closed or stand-in stream
        return False


def _read_lines(stdin: TextIO) -> asyncio.Queue[str | None]:
    """Lines from stdin, read by a daemon thread: waiting for input never holds up Ctrl-C or
    the end of the program (a thread pool would wait for the pending read)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        while True:
            try:
                line = stdin.readline()
            except Exception:  # noqa: BLE001 - an unreadable input ends the chat like Ctrl-D
                line = ""
            loop.call_soon_threadsafe(queue.put_nowait, line or None)
            if not line:
                return

    threading.Thread(target=read, name="terminal-input", daemon=True).start()
    return queue


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


def _system_language() -> str:
    return normalise_language(os.environ.get("LANG") or (locale.getlocale()[0] or ""), "de")
