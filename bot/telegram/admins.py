"""Who may change a group's settings: Telegram's own answer (getChatMember), kept briefly.

Only group commands ask (the adapter passes nothing else from groups), so the cache stays
small; a minute is short enough that a demoted admin loses the right soon, and long enough
that a burst of commands does not ask Telegram for each one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram import ChatMember
from telegram.error import TelegramError

log = logging.getLogger(__name__)
ADMIN_STATUSES = frozenset({ChatMember.ADMINISTRATOR, ChatMember.OWNER})
KEEP_SECONDS = 60.0
MAX_ENTRIES = 10_000


class GroupAdmins:
    def __init__(
        self, keep: float = KEEP_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.keep, self.clock = keep, clock
        self._known: dict[tuple[int, int], tuple[bool, float]] = {}

    async def is_admin(self, bot, chat_id: int, user_id: int) -> bool:
        now = self.clock()
        known = self._known.get((chat_id, user_id))
        if known is not None and known[1] > now:
            return known[0]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:  # cannot tell: not an admin, and ask again next time
            log.info(
                "getChatMember failed (%s); treating the sender as no admin", type(exc).__name__
            )
            return False
        admin = member.status in ADMIN_STATUSES
        if len(self._known) >= MAX_ENTRIES:
            self._known = {k: v for k, v in self._known.items() if v[1] > now}
        self._known[(chat_id, user_id)] = (admin, now + self.keep)
        return admin
