"""Offline Telegram for adapter tests: a PTB request class that records every Bot API call and
answers it like Telegram would (PTB's own test suite works the same way), plus update builders.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field

from telegram.request import BaseRequest, RequestData

BOT = {
    "id": 999,
    "is_bot": True,
    "first_name": "Nahbar",
    "username": "nahbar_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    method: str
    params: dict
    files: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.params.get("text") or self.params.get("caption") or ""

    @property
    def markup(self) -> dict:
        raw = self.params.get("reply_markup")
        return json.loads(raw) if isinstance(raw, str) else (raw or {})

    def button_labels(self) -> list[str]:
        return [b["text"] for row in self.markup.get("inline_keyboard", []) for b in row]

    def button(self, label: str) -> dict:
        matches = [
            b for row in self.markup.get("inline_keyboard", []) for b in row if label in b["text"]
        ]
        assert matches, f"no button {label!r} in {self.button_labels()}"
        return matches[0]


class RecordingRequest(BaseRequest):
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._ids = itertools.count(100)
        self.fail_next: dict[str, tuple[int, str]] = {}  # method -> (status, description)

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self, url, method, request_data: RequestData | None = None, *args, **kwargs
    ):
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.json_parameters) if request_data else {}
        files = {}
        if request_data and request_data.contains_files:
            for key, value in request_data.multipart_data.items():
                if isinstance(value, tuple):
                    files[key] = (value[0], value[1])
        if name in self.fail_next:
            status, description = self.fail_next.pop(name)
            return status, json.dumps(
                {"ok": False, "error_code": status, "description": description}
            ).encode()
        if name != "getUpdates":
            self.calls.append(Call(name, params, files))
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _result(self, name: str, params: dict):
        if name == "getMe":
            return BOT
        if name == "getUpdates":
            return []
        if name in {
            "sendMessage",
            "editMessageText",
            "sendDocument",
            "sendPhoto",
            "sendVenue",
            "sendLocation",
        }:
            chat_id = int(params.get("chat_id", 1))
            message = {
                "message_id": int(params.get("message_id", next(self._ids))),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Erna"},
                "from": BOT,
            }
            if "text" in params:
                message["text"] = params["text"]
            if name == "sendDocument":
                message["document"] = {"file_id": "f1", "file_unique_id": "u1"}
            if name == "sendPhoto":
                message["photo"] = [
                    {"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}
                ]
            return message
        return True

    # Reading what the user saw ----------------------------------------------------------------

    def sent(self, *methods: str) -> list[Call]:
        wanted = methods or (
            "sendMessage",
            "editMessageText",
            "sendDocument",
            "sendPhoto",
            "sendVenue",
        )
        return [c for c in self.calls if c.method in wanted]

    def last(self, *methods: str) -> Call:
        sent = self.sent(*methods)
        assert sent, f"nothing sent; calls were {[c.method for c in self.calls]}"
        return sent[-1]

    def clear(self) -> None:
        self.calls.clear()


_update_ids = itertools.count(1)


def user(user_id: int = 4711, language: str = "de") -> dict:
    return {"id": user_id, "is_bot": False, "first_name": "Erna", "language_code": language}


def text_update(text: str, user_id: int = 4711, language: str = "de") -> dict:
    message = {
        "message_id": next(_update_ids) + 10_000,
        "date": int(time.time()),
        "text": text,
        "chat": {"id": user_id, "type": "private", "first_name": "Erna"},
        "from": user(user_id, language),
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": next(_update_ids), "message": message}


def location_update(lat: float, lon: float, user_id: int = 4711, language: str = "de") -> dict:
    message = {
        "message_id": next(_update_ids) + 10_000,
        "date": int(time.time()),
        "location": {"latitude": lat, "longitude": lon},
        "chat": {"id": user_id, "type": "private", "first_name": "Erna"},
        "from": user(user_id, language),
    }
    return {"update_id": next(_update_ids), "message": message}


def callback_update(
    data: str, message_id: int, text: str = "…", user_id: int = 4711, language: str = "de"
) -> dict:
    message = {
        "message_id": message_id,
        "date": int(time.time()),
        "text": text,
        "chat": {"id": user_id, "type": "private", "first_name": "Erna"},
        "from": BOT,
    }
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": user(user_id, language),
            "chat_instance": "ci",
            "data": data,
            "message": message,
        },
    }


def membership_update(old: str, new: str, chat_id: int = 4711, group: bool = False) -> dict:
    """The bot's own membership changed (`my_chat_member`): in a private chat "kicked" is the
    person blocking the bot, "member" unblocking it; in a group, the bot removed or added."""
    chat = (
        {"id": chat_id, "type": "supergroup", "title": "Dorfgruppe"}
        if group
        else {"id": chat_id, "type": "private", "first_name": "Erna"}
    )

    def member(status: str) -> dict:
        return {"status": status, "user": BOT, **({"until_date": 0} if status == "kicked" else {})}

    return {
        "update_id": next(_update_ids),
        "my_chat_member": {
            "chat": chat,
            "from": user(4711),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        },
    }
