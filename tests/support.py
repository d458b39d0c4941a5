"""Test fakes every test can import: a chat driver that talks to the core like a user, and an
offer factory."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers.core import Nahbar
from handlers.messages import (
    SHARE_BUTTON,
    SHARE_MENU,
    SHARE_TYPED,
    Button,
    Incoming,
    Reply,
)
from handlers.messages import (
    plain_text as plain,  # the text a person reads
)
from handlers.services import Services
from models import Offer, OfferStatus, occurrences


class ChatDriver:
    """`await chat.say("Wernigerode")`, `await chat.press("Heute")`, then look at `chat.text`."""

    def __init__(
        self,
        sessions,
        places,
        now: datetime,
        user: str = "4711",
        language: str = "de",
        platform: str = "terminal",
        **services: Any,
    ) -> None:
        self.now = now
        self.core = Nahbar(sessions, Services(places, **services), clock=lambda: self.now)
        self.user, self.language, self.platform = user, language, platform
        self.replies: list[Reply] = []

    def _incoming(self, **kw) -> Incoming:
        sharing = {"telegram": SHARE_BUTTON, "matrix": SHARE_MENU, "terminal": SHARE_TYPED}[
            self.platform
        ]
        return Incoming(
            platform=self.platform,
            user_id=self.user,
            chat_id=self.user,
            language=self.language,
            location_sharing=sharing,
            buttons=self.platform == "telegram",
            **kw,
        )

    async def say(self, text: str) -> list[Reply]:
        self.replies = await self.core.handle(self._incoming(text=text))
        return self.replies

    async def share_location(self, lat: float, lon: float) -> list[Reply]:
        self.replies = await self.core.handle(self._incoming(location=(lat, lon)))
        return self.replies

    async def send_button(self, data: str) -> list[Reply]:
        self.replies = await self.core.handle(self._incoming(button=data))
        return self.replies

    @property
    def address(self) -> str:
        return f"{self.platform}:{self.user}"

    async def press(self, label: str) -> list[Reply]:
        """Press the inline button whose label contains `label` in the last answer."""
        matches = [b for b in self.buttons() if label in b.label]
        assert matches, f"no button {label!r} in {[b.label for b in self.buttons()]}"
        return await self.send_button(matches[0].data)

    def buttons(self) -> list[Button]:
        return [b for r in self.replies for row in r.buttons for b in row]

    def labels(self) -> list[str]:
        return [b.label for b in self.buttons()]

    @property
    def html(self) -> str:
        return "\n\n".join(r.text for r in self.replies)

    @property
    def text(self) -> str:
        return plain(self.html)


async def add_offer(sessions, now: datetime, **fields) -> Offer:
    """A published offer (unless said otherwise) with its occurrences materialised."""
    values = {
        "title": "Adventscafé",
        "description": "Kaffee und Kuchen",
        "category": "cafe",
        "organiser": "Heimatverein",
        "venue_name": "Pfarrhaus",
        "address": "Kirchstraße 1",
        "place_name": "Wernigerode",
        "latitude": 51.8365,
        "longitude": 10.7822,  # the town centre
        "status": OfferStatus.PUBLISHED,
        "starts_local": datetime(2026, 11, 26, 15, 0),
        "duration_minutes": 120,
        "rrule": None,
        "exdates": [],
    }
    values.update(fields)
    async with sessions() as session, session.begin():
        offer = Offer(**values)
        session.add(offer)
        await occurrences.refresh(session, offer, now)
    return offer


async def organiser_chat(
    sessions, places, now: datetime, *, trusted: bool, user: str = "org", **core_options
) -> tuple[ChatDriver, int]:
    """An organiser who has written to Nahbar, trusted by the moderators or not: (chat, user id)."""
    from sqlalchemy import select

    from models import User

    chat = ChatDriver(sessions, places, now, user=user, **core_options)
    await chat.say("/start")
    async with sessions() as session, session.begin():
        me = await session.scalar(select(User).where(User.platform_id == user))
        me.trust = "trusted" if trusted else "new"
        return chat, me.id


async def resident_reminded(
    sessions, places, now: datetime, user: str, offer_id: int, *presses: str
) -> ChatDriver:
    """A resident on Telegram who asked to be reminded of the offer ("Jedes Mal", "Beides" …)."""
    chat = ChatDriver(sessions, places, now, user=user, platform="telegram")
    await chat.say(f"/start offer_{offer_id}")
    await chat.press("🔔 Erinnern")
    for label in presses:
        await chat.press(label)
    return chat


class Postman:
    """Delivers what the outbox holds for the terminal and Telegram, as the dispatcher would;
    `await postman.deliver()` returns {chat address: [plain texts]} of this round."""

    def __init__(self, sessions, clock) -> None:

        from .outbox_fakes import FakeMessenger, outbox_dispatcher

        self.messengers = {p: FakeMessenger(platform=p) for p in ("terminal", "telegram", "matrix")}
        self.dispatcher = outbox_dispatcher(sessions, self.messengers.values(), clock=clock)
        self.replies: dict[str, list] = {}

    async def deliver(self) -> dict[str, list[str]]:
        before = {p: len(m.delivered) for p, m in self.messengers.items()}
        await self.dispatcher.drain()
        out: dict[str, list[str]] = {}
        for platform, messenger in self.messengers.items():
            for chat_id, text in messenger.delivered[before[platform] :]:
                out.setdefault(f"{platform}:{chat_id}", []).append(plain(text))
        return out
