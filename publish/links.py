"""Where Nahbar can be reached from outside a chat: the public web address and the deep links
that open the bot (Telegram `t.me/<bot>?start=…`, Matrix `matrix.to`), for web pages, the
printed notice's QR code and its tear-off strips."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

# Telegram's start parameter: 1-64 characters of A-Z, a-z, 0-9, _ and -.
_START = re.compile(r"[A-Za-z0-9_-]{1,58}")


@dataclass
class Links:
    web: str = ""  # the web face's public base URL, e.g. "https://nahbar.example.org"; "" if none
    telegram_bot: str = ""  # the bot's username; the Telegram adapter fills it in once known
    matrix_bot: str = ""  # "@nahbar:example.org"
    phone: str = ""  # the coordinating office, for people without a smartphone

    def place_page(self, place_id: str) -> str:
        return f"{self.web}/ort/{quote(place_id, safe='')}" if self.web else ""

    def offer_page(self, offer_id: int) -> str:
        return f"{self.web}/angebot/{offer_id}" if self.web else ""

    def telegram_place(self, place_id: str) -> str:
        if not self.telegram_bot or not _START.fullmatch(place_id):
            return ""
        return f"https://t.me/{self.telegram_bot}?start=place_{place_id}"

    def telegram_offer(self, offer_id: int) -> str:
        return (
            f"https://t.me/{self.telegram_bot}?start=offer_{offer_id}" if self.telegram_bot else ""
        )

    def matrix(self) -> str:
        return f"https://matrix.to/#/{self.matrix_bot}" if self.matrix_bot else ""

    def opens_bot_at(self, place_id: str) -> str:
        """The link a QR code carries: the bot at that place on Telegram; else a Matrix chat
        with the bot; else the place's web page."""
        return self.telegram_place(place_id) or self.matrix() or self.place_page(place_id)
