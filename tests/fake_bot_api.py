"""A small Telegram Bot API server on 127.0.0.1, for driving the real bot process end to end.

    async with FakeBotApi("123456:TEST-token") as api:   # bot: TELEGRAM_API_BASE_URL=api.base_url
        api.push_command(4711, "/start")                 # the user writes
        call = await api.next_bot_message(4711)          # sendMessage / editMessageText / ...
        api.keyboard(4711)                               # the reply keyboard the user now sees
        api.press(4711, "Zurück")                        # tap an inline button (callback query)
        api.push_forged_callback(4711, "va:1")           # data no button offered (modified client)
        api.screen(4711).text, api.screen(4711).buttons  # what the newest bot message shows

Enough of the Bot API for python-telegram-bot 22 (long polling, messages, edits, callback
queries, commands, uploads), mimicking what bites adapters on Telegram: HTML it cannot parse,
"message is not modified", an edit without reply_markup dropping the inline keyboard, callback
data over 64 bytes, unknown chats, unknown methods (404), a wrong token (401), allowed_updates,
drop_pending_updates. Text is stored as Telegram returns it (tags stripped, no entities).

Faults on demand, for the delivery paths (one rule per inject call, matched in order):

    api.inject(Fault.retry_after(3), method="sendMessage", chat_id=4711, times=1)  # 429
    api.inject(Fault.server_error(502))     # 5xx        api.inject(Fault.forbidden())  # blocked
    api.inject(Fault.timeout(6))            # answers only after the client gave up
    api.inject(Fault.disconnect())          # drops the connection without an answer
    api.send_delay = 0.05                   # every message send takes this long (crash tests)
    api.add_user(4711)                      # a chat the bot may write to without a message first

Membership and groups:

    api.block(4711) / api.unblock(4711)     # my_chat_member updates; sends to a blocked chat: 403
    api.add_group(-100123, admins={501})    # a supergroup; getChatMember says who is an admin
    api.push_group_text(-100123, 502, "/wochenpost")   # a member writes in the group
    api.push_anonymous_admin(-100123, "/wochenpost")   # an admin writing as the group itself
    api.press(-100123, "Dienstag", user_id=501)        # a member taps a button in the group

Webhook delivery, as Telegram does it once a webhook is set: every pushed update is POSTed with
the secret token to the given workers in turn (a reverse proxy), and POSTed again, to the next
worker, until one answers 200:

    api.deliver_by_webhook(["http://127.0.0.1:8441/hook", "http://127.0.0.1:8442/hook"])
    api.push_text(4711, "/hilfe")           # now POSTed instead of waiting for getUpdates
    api.acknowledged, api.webhook_attempts  # update ids answered 200; POSTs per update id

PTB 22 sends form-urlencoded parameters (multipart/form-data with a file), every non-string
value JSON-encoded (reply_markup='{"inline_keyboard": ...}'); JSON bodies work as well.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.web_request import FileField

DEFAULT_CHAT = 4711
# Telegram's stand-in sender for an anonymous group admin (the message's sender_chat is the group).
ANONYMOUS_ADMIN = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
_JSON_FIELDS = {
    "reply_markup",
    "entities",
    "caption_entities",
    "commands",
    "scope",
    "allowed_updates",
    "link_preview_options",
    "reply_parameters",
}
_INT_FIELDS = {"offset", "limit", "message_id", "reply_to_message_id", "cache_time"}
_BOOL_FIELDS = {"drop_pending_updates", "disable_notification", "show_alert", "protect_content"}
# Methods whose answer is a message shown in a chat; next_bot_message() waits for these.
MESSAGE_METHODS = {
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "sendDocument",
    "sendVenue",
    "sendLocation",
    "sendPhoto",
    "editMessageCaption",
}
_HARMLESS = {
    "close",
    "logout",
    "sendchataction",
    "deletemycommands",
    "setmydescription",
    "setmyshortdescription",
    "setmyname",
    "setchatmenubutton",
}  # answered True
# Tags Telegram's HTML parse mode accepts (https://core.telegram.org/bots/api#html-style).
_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "tg-emoji",
    "code",
    "pre",
    "blockquote",
}
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)([^<>]*)>")


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class Fault:
    """What goes wrong with a matching request (see FakeBotApi.inject)."""

    kind: str
    seconds: float = 0
    status: int = 0

    @classmethod
    def retry_after(cls, seconds: int) -> Fault:
        return cls("retry_after", seconds=seconds)

    @classmethod
    def server_error(cls, status: int = 502) -> Fault:
        return cls("server_error", status=status)

    @classmethod
    def forbidden(cls) -> Fault:
        return cls("forbidden")

    @classmethod
    def timeout(cls, seconds: float) -> Fault:
        return cls("timeout", seconds=seconds)

    @classmethod
    def disconnect(cls) -> Fault:
        return cls("disconnect")

    async def apply(self, request: web.Request) -> None:
        """Raise the API error this fault stands for (or drop the connection)."""
        if self.kind == "retry_after":
            raise ApiError(
                429,
                f"Too Many Requests: retry after {int(self.seconds)}",
                {"retry_after": int(self.seconds)},
            )
        if self.kind == "server_error":
            raise ApiError(
                self.status,
                {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}.get(
                    self.status, "Server Error"
                ),
            )
        if self.kind == "forbidden":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if self.kind == "timeout":
            await asyncio.sleep(self.seconds)
            raise ApiError(504, "Gateway Timeout (the client had given up)")
        if self.kind == "disconnect":
            request.transport.close()
            raise ApiError(0, "connection dropped")
        raise ValueError(f"unknown fault {self.kind}")


@dataclass
class _Rule:
    fault: Fault
    method: str | None
    chat_id: int | None
    times: int

    def matches(self, method: str, params: dict) -> bool:
        return (
            self.times > 0
            and (self.method is None or self.method.lower() == method.lower())
            and (self.chat_id is None or _int_or_none(params.get("chat_id")) == self.chat_id)
        )


@dataclass
class Upload:
    filename: str
    mime_type: str
    content: bytes


@dataclass
class Call:
    """One request the bot made: method name, decoded parameters, and what we answered."""

    method: str
    params: dict[str, Any]
    result: Any = None
    error: str | None = None
    index: int = 0
    at: float = 0.0  # time.monotonic() when it arrived

    @property
    def chat_id(self) -> int | None:
        return _int_or_none(self.params.get("chat_id"))

    @property
    def text(self) -> str:
        """The text as Telegram shows it (HTML removed); for a failed call, the text sent."""
        if isinstance(self.result, dict):
            return Screen(self.result).text
        return plain_text(str(self.params.get("text", "")))

    def __repr__(self) -> str:
        shown = {
            k: (f"<{len(v.content)} bytes {v.filename}>" if isinstance(v, Upload) else v)
            for k, v in self.params.items()
        }
        return f"#{self.index} {self.method}({shown})" + (f" -> {self.error}" if self.error else "")


class Screen:
    """What the user sees of one bot message: text, and inline buttons as (label, data)."""

    def __init__(self, message: dict) -> None:
        self.message = message
        self.text: str = message.get("text") or message.get("caption") or ""
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        self.buttons = [(b["text"], b.get("callback_data")) for row in rows for b in row]
        self.labels = [label for label, _ in self.buttons]


def plain_text(source: str, parse_mode: str | None = "HTML") -> str:
    return html.unescape(_TAG.sub("", source)) if parse_mode == "HTML" else source


def check_html(source: str) -> None:
    """Raise the 400 Telegram gives for HTML it cannot parse: unknown or unbalanced tags, or a
    bare '<' (user text that was not escaped)."""
    stack: list[str] = []
    for closing, tag, _ in _TAG.findall(source):
        if tag.lower() not in _TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: unsupported start tag "{tag}"'
            )
        if not closing:
            stack.append(tag.lower())
        elif not stack or stack.pop() != tag.lower():
            raise ApiError(400, f'Bad Request: can\'t parse entities: unexpected end tag "{tag}"')
    if stack or "<" in _TAG.sub("", source):
        raise ApiError(
            400, "Bad Request: can't parse entities: can't find end tag or unsupported start tag"
        )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class FakeBotApi:
    def __init__(
        self,
        token: str = "123456:TEST-token",
        *,
        username: str = "nahbar_test_bot",
        first_name: str = "Nahbar",
    ) -> None:
        self.token = token
        bot_id = _int_or_none(token.split(":")[0]) or 123456  # a bot's id is its token's prefix
        self.me = {"id": bot_id, "is_bot": True, "first_name": first_name, "username": username}
        self.calls: list[Call] = []
        self.commands: dict[tuple[str, str], list[dict]] = {}  # (scope JSON, language) -> commands
        self.uploads: list[Upload] = []
        self.messages: dict[int, dict[int, dict]] = {}  # chat -> message_id -> Message (current)
        self.keyboards: dict[int, dict | None] = {}  # chat -> reply keyboard shown at the bottom
        self.users: dict[int, dict] = {}
        self.blocked: set[int] = set()  # private chats whose person blocked the bot
        self.groups: dict[int, dict] = {}  # group chat id -> {"chat": Chat, "admins": {user ids}}
        self.answered: set[str] = set()
        self.pushed_callbacks: list[str] = []
        self._updates: list[dict] = []
        self._allowed: set[str] | None = None
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}  # one counter per private chat
        self._callback_ids = itertools.count(1)
        self._cursor: dict[int, int] = {}  # chat -> index of the next call next_bot_message() reads
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.polling = 0  # getUpdates requests being held open right now
        self.webhook: dict | None = None  # the last setWebhook parameters
        self.faults: list[_Rule] = []
        self.send_delay = 0.0  # seconds each message send takes
        self._closing = False
        # Webhook delivery (deliver_by_webhook): what is waiting, and what became of it.
        self._outgoing: asyncio.Queue[dict] | None = None
        self._deliverers: list[asyncio.Task] = []
        self.acknowledged: set[int] = set()  # update ids a worker answered 200
        self.webhook_attempts: Counter = Counter()  # update id -> POSTs

    # -- server lifecycle ---------------------------------------------------------------------

    async def __aenter__(self) -> FakeBotApi:
        app = web.Application(client_max_size=50 * 2**20)  # Telegram allows 50 MB uploads
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # File downloads (base_file_url) are not served: answered 404 by aiohttp.
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        self.base_file_url = f"http://127.0.0.1:{port}/file/bot"
        return self

    async def __aexit__(self, *exc) -> None:
        # Long polls still held open (a bot that was killed) end now, not after their timeout.
        self._closing = True
        for task in self._deliverers:
            task.cancel()
        await asyncio.gather(*self._deliverers, return_exceptions=True)
        await self._notify()
        await self._runner.cleanup()

    # -- what goes wrong ------------------------------------------------------------------------

    def inject(
        self,
        fault: Fault,
        method: str | None = "sendMessage",
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` requests matching method (None: any) and chat fail with `fault`."""
        self.faults.append(_Rule(fault, method, chat_id, times))

    def _fault_for(self, method: str, params: dict) -> Fault | None:
        for rule in self.faults:
            if rule.matches(method, params):
                rule.times -= 1
                return rule.fault
        return None

    # -- what tests do as the user ------------------------------------------------------------

    def add_user(self, chat_id: int, language_code: str = "de") -> None:
        """A person who has talked to the bot before (the bot may write to them)."""
        self._user(chat_id, language_code)
        self.messages.setdefault(chat_id, {})

    def _user(self, chat_id: int, language_code: str) -> dict:
        user = self.users.setdefault(
            chat_id, {"id": chat_id, "is_bot": False, "first_name": "Erika", "last_name": "Muster"}
        )
        user["language_code"] = language_code
        return user

    # -- membership and groups ----------------------------------------------------------------

    def _my_member(self, status: str) -> dict:
        member = {"status": status, "user": self.me}
        if status == "kicked":
            member["until_date"] = 0
        return member

    def _push_my_chat_member(self, chat: dict, user: dict, old: str, new: str) -> None:
        self._push(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": user,
                    "date": int(time.time()),
                    "old_chat_member": self._my_member(old),
                    "new_chat_member": self._my_member(new),
                }
            }
        )

    def block(self, chat_id: int) -> None:
        """The person blocks the bot: Telegram tells the bot (my_chat_member, "kicked"), and
        from now on every message to them fails with 403."""
        user = self._user(chat_id, self.users.get(chat_id, {}).get("language_code", "de"))
        self.blocked.add(chat_id)
        self._push_my_chat_member(
            {"id": chat_id, "type": "private", "first_name": user["first_name"]},
            user,
            "member",
            "kicked",
        )

    def unblock(self, chat_id: int) -> None:
        """The person unblocks (or restarts) the bot: my_chat_member, "member" again."""
        user = self._user(chat_id, self.users.get(chat_id, {}).get("language_code", "de"))
        self.blocked.discard(chat_id)
        self._push_my_chat_member(
            {"id": chat_id, "type": "private", "first_name": user["first_name"]},
            user,
            "kicked",
            "member",
        )

    def add_group(
        self, chat_id: int, title: str = "Dorfgruppe", admins: set[int] = frozenset()
    ) -> dict:
        """A supergroup the bot is in; `admins` are the user ids getChatMember calls admins."""
        chat = {"id": chat_id, "type": "supergroup", "title": title}
        self.groups[chat_id] = {"chat": chat, "admins": set(admins)}
        self.messages.setdefault(chat_id, {})
        return chat

    def push_group_text(
        self, chat_id: int, user_id: int, text: str, language_code: str = "de"
    ) -> dict:
        """Member `user_id` writes `text` in the group."""
        return self._push_group(chat_id, text, from_=self._user(user_id, language_code))

    def push_anonymous_admin(self, chat_id: int, text: str) -> dict:
        """An admin who posts anonymously writes: Telegram names GroupAnonymousBot as the sender
        and the group itself as `sender_chat`."""
        return self._push_group(
            chat_id, text, from_=ANONYMOUS_ADMIN, sender_chat=self.groups[chat_id]["chat"]
        )

    def _push_group(self, chat_id: int, text: str, **sender) -> dict:
        message = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self.groups[chat_id]["chat"],
            "text": text,
            **{("from" if k == "from_" else k): v for k, v in sender.items()},
        }
        command = re.match(r"/[A-Za-z0-9_]+(@\w+)?", text)
        if command:
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
        self.messages[chat_id][message["message_id"]] = message
        self._push({"message": message})
        return message

    def webhook_message(self, chat_id: int, text: str, language_code: str = "de") -> dict:
        """A message update as Telegram would POST it to a webhook (not queued for getUpdates)."""
        user = self._user(chat_id, language_code)
        message = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": user["first_name"]},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        self.messages.setdefault(chat_id, {})[message["message_id"]] = message
        return {"update_id": next(self._update_ids), "message": message}

    def _push_message(self, chat_id: int, language_code: str, **content) -> dict:
        user = self._user(chat_id, language_code)
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        message = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            **content,
        }
        self.messages.setdefault(chat_id, {})[message["message_id"]] = message
        self._push({"message": message})
        return message

    def push_text(self, chat_id: int, text: str, language_code: str = "de") -> dict:
        """The user types `text`. Like Telegram, a leading /command gets a bot_command entity."""
        content: dict[str, Any] = {"text": text}
        command = re.match(r"/[A-Za-z0-9_]+(@\w+)?", text)
        if command:
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
        return self._push_message(chat_id, language_code, **content)

    def push_command(self, *args: Any, language_code: str = "de") -> dict:
        """push_command("/start") for DEFAULT_CHAT, or push_command(chat_id, "/start")."""
        chat_id, text = (DEFAULT_CHAT, *args) if len(args) == 1 else args
        assert text.startswith("/"), text
        return self.push_text(chat_id, text, language_code)

    def push_location(
        self, chat_id: int, lat: float, lon: float, language_code: str = "de"
    ) -> dict:
        """The user shares a location (e.g. with a request_location keyboard button)."""
        return self._push_message(
            chat_id, language_code, location={"latitude": lat, "longitude": lon}
        )

    def push_callback(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        language_code: str = "de",
        user_id: int | None = None,
    ) -> str:
        """The user taps an inline button; only data on the message's current keyboard exists.
        In a group, `user_id` says which member taps it."""
        message = self.messages.get(chat_id, {}).get(message_id)
        assert message is not None, f"chat {chat_id} has no message {message_id}"
        offered = [d for _, d in Screen(message).buttons]
        assert data in offered, f"{data!r} is not a button of message {message_id}: {offered}"
        return self._push_callback(chat_id, message, data, language_code, user_id)

    def _push_callback(
        self, chat_id: int, message: dict, data: str, language_code: str, user_id: int | None = None
    ) -> str:
        query_id = str(next(self._callback_ids) + 10**15)
        self.pushed_callbacks.append(query_id)
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(chat_id if user_id is None else user_id, language_code),
                    "message": message,
                    "chat_instance": f"-{chat_id}42",
                    "data": data,
                }
            }
        )
        return query_id

    def push_forged_callback(
        self, chat_id: int, data: str, message_id: int | None = None, language_code: str = "de"
    ) -> str:
        """A modified client taps a button that was never offered to this user: `data` of the
        caller's choosing, on a bot message in their own chat (the newest by default)."""
        return self._push_callback(
            chat_id, self.screen(chat_id, message_id).message, data, language_code
        )

    def answer_of(self, query_id: str) -> Call | None:
        """The bot's answerCallbackQuery for a pushed callback (its pop-up text), if any yet."""
        return next(
            (
                c
                for c in self.calls
                if c.method == "answerCallbackQuery"
                and str(c.params.get("callback_query_id")) == query_id
            ),
            None,
        )

    def press(
        self, chat_id: int, label: str, message_id: int | None = None, user_id: int | None = None
    ) -> str:
        """Tap the first inline button whose label contains `label` (newest message by default)."""
        screen = self.screen(chat_id, message_id)
        data = [d for text, d in screen.buttons if label in text]
        assert data, (
            f"no button {label!r} in message {screen.message['message_id']}: {screen.labels}"
        )
        return self.push_callback(chat_id, screen.message["message_id"], data[0], user_id=user_id)

    def _push(self, update: dict) -> None:
        update = {"update_id": next(self._update_ids), **update}
        if self._outgoing is not None:
            self._outgoing.put_nowait(update)
        else:
            self._updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())

    # -- webhook delivery -----------------------------------------------------------------------

    def deliver_by_webhook(
        self,
        targets: list[str],
        secret: str | None = None,
        connections: int = 8,
        timeout: float = 10.0,
    ) -> None:
        """From now on, POST every pushed update to `targets` in turn (several workers behind
        one proxy) with the secret token (default: the one the bot set), again and again until
        a worker answers 200, as Telegram does; up to `connections` at once."""
        secret = secret if secret is not None else (self.webhook or {}).get("secret_token", "")
        self._outgoing = asyncio.Queue()
        turn = itertools.count()
        for _ in range(connections):
            self._deliverers.append(
                asyncio.get_running_loop().create_task(
                    self._deliver(targets, secret, turn, timeout)
                )
            )

    async def _deliver(self, targets: list[str], secret: str, turn, timeout: float) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http:
            while True:
                update = await self._outgoing.get()
                delay = 0.05
                while True:
                    self.webhook_attempts[update["update_id"]] += 1
                    url = targets[next(turn) % len(targets)]
                    try:
                        async with http.post(url, json=update, headers=headers) as response:
                            ok = response.status == 200
                    except (TimeoutError, aiohttp.ClientError, OSError):
                        ok = False
                    if ok:
                        self.acknowledged.add(update["update_id"])
                        await self._notify()
                        break
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 1.0)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- what tests look at -------------------------------------------------------------------

    def screen(self, chat_id: int, message_id: int | None = None) -> Screen:
        """The bot message `message_id`, or the newest bot message with an inline keyboard."""
        mine = {i: m for i, m in self.messages.get(chat_id, {}).items() if m.get("from") == self.me}
        if message_id is None:
            with_keys = [i for i, m in mine.items() if m.get("reply_markup")] or list(mine)
            assert with_keys, f"the bot has not written to chat {chat_id}"
            message_id = max(with_keys)
        return Screen(mine[message_id])

    def keyboard(self, chat_id: int) -> list[dict]:
        """Buttons of the reply keyboard the user currently sees, e.g.
        {"text", "request_location"}."""
        markup = self.keyboards.get(chat_id) or {}
        return [
            b if isinstance(b, dict) else {"text": b}
            for row in markup.get("keyboard", [])
            for b in row
        ]

    def unanswered_callbacks(self) -> list[str]:
        return [q for q in self.pushed_callbacks if q not in self.answered]

    def mark(self) -> int:
        return len(self.calls)

    async def wait_until(
        self,
        condition: Callable[[], Any],
        timeout: float = 10,
        what: str = "condition",
        since: int = 0,
    ) -> Any:
        """Wait until `condition()` returns something truthy, and return that."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(condition)
                return condition()
        except TimeoutError:
            raise AssertionError(
                f"no {what} within {timeout} s; calls since #{since}:\n" + self.describe(since)
            ) from None

    async def wait_for(
        self, predicate: Callable[[Call], bool], timeout: float = 10, since: int = 0
    ) -> Call:
        """The first call from index `since` on that satisfies `predicate`, waiting if needed."""
        return await self.wait_until(
            lambda: next((c for c in self.calls[since:] if predicate(c)), None),
            timeout,
            "matching call",
            since,
        )

    async def wait_polling(self, timeout: float = 30) -> None:
        """Wait until the bot holds a getUpdates request open (it is ready for updates)."""
        await self.wait_until(lambda: self.polling, timeout, "getUpdates request")

    async def next_bot_message(self, chat_id: int = DEFAULT_CHAT, timeout: float = 10) -> Call:
        """The next successful send/edit call to `chat_id` not returned before (failed calls are
        skipped: the user never saw them; describe() lists them)."""

        def wanted(call: Call) -> bool:
            return call.method in MESSAGE_METHODS and call.chat_id == chat_id and not call.error

        call = await self.wait_for(wanted, timeout, since=self._cursor.get(chat_id, 0))
        self._cursor[chat_id] = call.index + 1
        return call

    def describe(self, since: int = 0) -> str:
        """The calls from `since` on, without the polling, one per line (for failure messages)."""
        return (
            "\n".join(repr(c) for c in self.calls[since:] if c.method != "getUpdates") or "(none)"
        )

    # -- the HTTP side --------------------------------------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params = await self._params(request)
        call = Call(request.match_info["method"], params, at=time.monotonic())
        name = call.method.lower()  # method names are case-insensitive in the Bot API
        try:
            fault = self._fault_for(call.method, params)
            if fault is not None:
                await fault.apply(request)
            if self.send_delay and call.method in MESSAGE_METHODS:
                await asyncio.sleep(self.send_delay)
            if hasattr(self, f"_api_{name}"):
                call.result = await getattr(self, f"_api_{name}")(params)
            elif name in _HARMLESS:
                call.result = True
            else:
                raise ApiError(404, "Not Found")  # what Telegram answers for unknown methods
            body, status = {"ok": True, "result": call.result}, 200
        except ApiError as exc:
            call.error = f"{exc.code} {exc.description}"
            body = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            status = exc.code or 500
        call.index = len(self.calls)
        self.calls.append(call)
        await self._notify()
        return web.json_response(body, status=status)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json() or {})
            return params
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in (await request.post()).items():
                if isinstance(value, FileField):  # an uploaded file (multipart)
                    params[key] = Upload(value.filename, value.content_type, value.file.read())
                elif key in _JSON_FIELDS:
                    params[key] = json.loads(value)
                elif key in _INT_FIELDS:
                    params[key] = int(value)
                elif key in _BOOL_FIELDS:
                    params[key] = value == "true"
                else:
                    params[key] = value  # text stays text, even "38855"
        return params

    def _chat(self, params: dict) -> int:
        chat_id = _int_or_none(params.get("chat_id"))
        if chat_id in self.groups:
            return chat_id
        if chat_id not in self.users:  # a bot can only write to users who wrote to it first
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _chat_object(self, chat_id: int) -> dict:
        if chat_id in self.groups:
            return self.groups[chat_id]["chat"]
        return {"id": chat_id, "type": "private", "first_name": self.users[chat_id]["first_name"]}

    def _new_message(self, params: dict, **content) -> dict:
        chat_id = self._chat(params)
        message = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat_object(chat_id),
            "from": self.me,
            **content,
        }
        self._apply_markup(chat_id, message, params.get("reply_markup"))
        self.messages[chat_id][message["message_id"]] = message
        return message

    def _apply_markup(self, chat_id: int, message: dict, markup: dict | None) -> None:
        """Inline keyboards belong to the message (and are echoed back); reply keyboards replace
        the keyboard at the bottom of the chat and are not part of the returned Message."""
        markup = markup or {}
        for button in (b for row in markup.get("inline_keyboard", []) for b in row):
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        if "inline_keyboard" in markup:
            message["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        else:
            message.pop("reply_markup", None)
            if "keyboard" in markup:
                self.keyboards[chat_id] = markup
            elif markup.get("remove_keyboard"):
                self.keyboards[chat_id] = None

    def _text(self, params: dict, key: str = "text", limit: int = 4096) -> str:
        source, mode = str(params.get(key, "")), params.get("parse_mode")
        if mode == "HTML":
            check_html(source)
        text = plain_text(source, mode)
        if key == "text" and not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > limit:
            raise ApiError(400, "Bad Request: message is too long")
        return text

    def _stored(self, params: dict) -> dict:
        message = self.messages.get(self._chat(params), {}).get(params.get("message_id"))
        if message is None or message.get("from") != self.me:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    # -- Bot API methods (https://core.telegram.org/bots/api) ---------------------------------

    async def _api_getme(self, params: dict) -> dict:
        return {
            **self.me,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_getupdates(self, params: dict) -> list[dict]:
        """Long polling: updates below `offset` are confirmed and forgotten; with nothing to
        deliver, the request is held open for up to `timeout` seconds."""
        offset, limit = params.get("offset", 0), min(max(params.get("limit", 100), 1), 100)
        if "allowed_updates" in params:  # Telegram remembers the last list; [] means default
            self._allowed = set(params["allowed_updates"]) or None
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

        def deliverable() -> list[dict]:  # types the bot did not ask for are never delivered
            self._updates = [
                u
                for u in self._updates
                if self._allowed is None or (set(u) - {"update_id"}) & self._allowed
            ]
            return self._updates[:limit]

        self.polling += 1
        await self._notify()
        try:
            async with asyncio.timeout(float(params.get("timeout", 0))), self._changed:
                await self._changed.wait_for(lambda: deliverable() or self._closing)
        except TimeoutError:
            pass
        finally:
            self.polling -= 1
        return deliverable()

    async def _api_deletewebhook(self, params: dict) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = None
        return True

    async def _api_setwebhook(self, params: dict) -> bool:
        # Telegram would now POST updates to params["url"] with the secret_token header;
        # tests do that themselves against the bot's local webhook server.
        self.webhook = params
        return True

    def _command_key(self, params: dict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code", "")

    async def _api_setmycommands(self, params: dict) -> bool:
        self.commands[self._command_key(params)] = params["commands"]
        return True

    async def _api_getmycommands(self, params: dict) -> list[dict]:
        return self.commands.get(self._command_key(params), [])

    async def _api_sendmessage(self, params: dict) -> dict:
        return self._new_message(params, text=self._text(params))

    async def _api_editmessagetext(self, params: dict) -> dict:
        message = self._stored(params)
        text, markup = self._text(params), params.get("reply_markup")
        new_markup = {"inline_keyboard": markup["inline_keyboard"]} if markup else None
        if text == message.get("text") and new_markup == message.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message "
                "content and reply markup are exactly the same as a current "
                "content and reply markup of the message",
            )
        message["text"], message["edit_date"] = text, int(time.time())
        # An edit without reply_markup removes the inline keyboard, as on Telegram.
        self._apply_markup(message["chat"]["id"], message, markup)
        return message

    async def _api_editmessagereplymarkup(self, params: dict) -> dict:
        message = self._stored(params)
        markup = params.get("reply_markup")
        if (markup or None) == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message["edit_date"] = int(time.time())
        self._apply_markup(message["chat"]["id"], message, markup)
        return message

    async def _api_getchatmember(self, params: dict) -> dict:
        chat_id, user_id = _int_or_none(params.get("chat_id")), _int_or_none(params.get("user_id"))
        group = self.groups.get(chat_id)
        if group is None:
            raise ApiError(400, "Bad Request: chat not found")
        if user_id not in self.users:
            raise ApiError(400, "Bad Request: user not found")
        if user_id in group["admins"]:
            return {
                "status": "administrator",
                "user": self.users[user_id],
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            }
        return {"status": "member", "user": self.users[user_id]}

    async def _api_answercallbackquery(self, params: dict) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self.pushed_callbacks:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.answered.add(query_id)
        return True

    async def _api_senddocument(self, params: dict) -> dict:
        upload = params.get("document")
        if not isinstance(upload, Upload):
            raise ApiError(400, "Bad Request: there is no document in the request")
        self.uploads.append(upload)
        content: dict[str, Any] = {
            "document": {
                "file_id": f"DOC{len(self.uploads)}",
                "file_unique_id": f"U{len(self.uploads)}",
                "file_name": upload.filename,
                "mime_type": upload.mime_type,
                "file_size": len(upload.content),
            }
        }
        if params.get("caption"):
            content["caption"] = self._text(params, "caption", limit=1024)
        return self._new_message(params, **content)

    async def _api_sendphoto(self, params: dict) -> dict:
        upload = params.get("photo")
        if not isinstance(upload, Upload):
            raise ApiError(400, "Bad Request: there is no photo in the request")
        if not upload.content.startswith((b"\x89PNG", b"\xff\xd8")):
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        self.uploads.append(upload)
        n = len(self.uploads)
        content: dict[str, Any] = {
            "photo": [  # Telegram keeps a few sizes of every photo
                {"file_id": f"PHOTO{n}s", "file_unique_id": f"P{n}s", "width": 90, "height": 90},
                {"file_id": f"PHOTO{n}", "file_unique_id": f"P{n}", "width": 1280, "height": 1280},
            ]
        }
        if params.get("caption"):
            content["caption"] = self._text(params, "caption", limit=1024)
        return self._new_message(params, **content)

    async def _api_sendlocation(self, params: dict) -> dict:
        location = {"latitude": float(params["latitude"]), "longitude": float(params["longitude"])}
        if "title" not in params:
            return self._new_message(params, location=location)
        venue = {"location": location, "title": params["title"], "address": params["address"]}
        return self._new_message(params, venue=venue, location=location)

    _api_sendvenue = _api_sendlocation  # a venue is a location with a title and an address
