"""Which updates of a private chat reach the core: the same as
`filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL`, checked more cheaply.

PTB's StatusUpdate.ALL asks some forty filters in turn, each through its own check_update, on
every update. A message with text or a location is never a service message (Telegram sends
service messages with their own fields and neither of these), so those two kinds, nearly every
update the bot gets, skip the forty checks; any other message gets PTB's own check.
"""

from __future__ import annotations

from telegram import Chat, Update
from telegram.ext import filters


class PrivateConversation(filters.UpdateFilter):
    __slots__ = ()

    def filter(self, update: Update) -> bool:
        message = update.effective_message
        if message is None or message.chat.type != Chat.PRIVATE:
            return False
        if message.text is not None or message.location is not None:
            return True
        return not filters.StatusUpdate.ALL.check_update(update)


PRIVATE_CONVERSATION = PrivateConversation(name="private chat, no service message")
