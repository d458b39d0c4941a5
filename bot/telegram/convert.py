"""Telegram updates to neutral incoming messages."""

from __future__ import annotations

from telegram import Update

from handlers.messages import SHARE_BUTTON, SHARE_NONE, Incoming


def addressed_to(text: str, username: str | None) -> bool:
    """A group command meant for this bot: "/wochenpost" or "/wochenpost@<this bot>", not a
    command for another bot in the same group ("/start@other_bot")."""
    command = text.split(maxsplit=1)[0] if text else ""
    if not command.startswith("/") or len(command) < 2:
        return False
    _, at, name = command.partition("@")
    return not at or (username is not None and name.lower() == username.lower())


def incoming(update: Update) -> Incoming | None:
    """The neutral message for an update, or None for what the bot does not answer."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    group = chat.type != chat.PRIVATE
    # In a group only commands reach the bot, so a shared location there would never arrive.
    base = {
        "platform": "telegram",
        "user_id": str(user.id),
        "chat_id": str(chat.id),
        "language": user.language_code,
        "group": group,
        "location_sharing": SHARE_NONE if group else SHARE_BUTTON,
    }
    if user.is_bot:
        # A message "on behalf of" a chat names a stand-in bot as its sender and the chat as
        # `sender_chat`. Only a group's admins can write as the group itself (anonymously): they
        # are answered as the group, and as its admin. Other bots are never answered.
        sender = update.message.sender_chat if update.message is not None else None
        if sender is None or not group or sender.id != chat.id:
            return None
        base.update(user_id=str(sender.id), language=None, sender_is_admin=True)
    if update.callback_query is not None:
        return Incoming(button=update.callback_query.data or "", **base)
    message = update.effective_message
    if message is None:
        return None
    if message.location is not None:
        return Incoming(location=(message.location.latitude, message.location.longitude), **base)
    if message.text is not None:
        return Incoming(text=message.text, **base)
    return Incoming(text="", **base)  # stickers, photos, voice: the core answers with help
