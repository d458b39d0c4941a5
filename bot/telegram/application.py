"""Building the PTB Application: one handler for messages, one for buttons, one for errors."""

from __future__ import annotations

import html
import logging
from dataclasses import replace

from telegram import BotCommand, ChatMember, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from handlers.commands import command_menu
from handlers.core import Nahbar
from handlers.i18n import LANGUAGES, Translator, normalise_language
from scheduler.ratelimit import RateLimiter

from ..chats import chat_back, chat_left, queue_unsent, went_wrong
from .admins import GroupAdmins
from .convert import addressed_to, incoming
from .messenger import SharedRateLimiter, retry_after_seconds
from .private_filter import PRIVATE_CONVERSATION
from .render import send

log = logging.getLogger(__name__)


def build_application(
    token: str,
    core: Nahbar,
    *,
    base_url: str | None = None,
    base_file_url: str | None = None,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
    limiter: RateLimiter | None = None,
    default_language: str = "de",
) -> Application:
    """`limiter` is shared with the outbox's TelegramMessenger (one budget for all sends)."""
    builder = ApplicationBuilder().token(token)
    if base_url:
        builder = builder.base_url(base_url)
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limit:
        builder = builder.rate_limiter(SharedRateLimiter(limiter or RateLimiter()))
    application = builder.post_init(_post_init).build()
    application.bot_data.update(core=core, default_language=default_language, admins=GroupAdmins())
    # In private chats anything but service messages reaches the core (a sticker or a voice
    # message gets the help text rather than silence); in groups only commands meant for us
    # (e.g. an admin's /wochenpost), never the members' conversation.
    application.add_handler(MessageHandler(PRIVATE_CONVERSATION, on_update))
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, on_group_command)
    )
    application.add_handler(CallbackQueryHandler(on_update))
    application.add_handler(ChatMemberHandler(on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_error_handler(on_error)
    return application


async def on_group_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = update.effective_message.text if update.effective_message else None
    if text and addressed_to(text, context.bot.username):
        await on_update(update, context)


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = incoming(update)
    query = update.callback_query
    if message is None:
        if query is not None:
            await query.answer()
        return
    if message.group and not message.sender_is_admin:  # an anonymous admin is one already
        admin = await context.bot_data["admins"].is_admin(
            context.bot, update.effective_chat.id, update.effective_user.id
        )
        message = replace(message, sender_is_admin=admin)
    replies = await context.bot_data["core"].handle(message)
    if message.group:  # a reply keyboard in a group would sit in front of every member
        replies = [replace(r, keyboard=()) for r in replies]
    if query is not None:
        notice = next((r.notice for r in replies if r.notice), None)
        await query.answer(text=html.unescape(notice) if notice else None)
    for n, reply in enumerate(replies):
        try:
            await send(context.bot, update.effective_chat.id, reply, query)
        except BadRequest:
            raise
        except (NetworkError, RetryAfter) as exc:
            # The turn has committed: queue what did not go out, the outbox sends it later.
            queued = await queue_unsent(
                context.bot_data["core"].sessions,
                message.chat,
                replies[n:],
                key=f"reply:telegram:{update.update_id}",
                wait=retry_after_seconds(exc) if isinstance(exc, RetryAfter) else 0,
            )
            log.info(
                "update %s: %d replies queued after %s",
                update.update_id,
                queued,
                type(exc).__name__,
            )
            return


# The bot's own membership in a chat (`my_chat_member`): in a private chat "kicked" means the
# person blocked the bot, "member" that they unblocked or restarted it; in a group, that the
# bot was removed or added again.
GONE = frozenset({ChatMember.BANNED, ChatMember.LEFT})
BACK = frozenset(
    {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED}
)


async def on_my_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pause a chat the moment the bot cannot write there any more, as Matrix does when a DM is
    left, so nothing more is planned or queued for it; resume it when the bot is back."""
    changed = update.my_chat_member
    if changed is None:
        return
    chat, status = f"telegram:{changed.chat.id}", changed.new_chat_member.status
    if status in GONE:
        await chat_left(
            context.bot_data["core"], chat, "blocked the bot or removed it from the chat"
        )
    elif status in BACK and changed.old_chat_member.status in GONE:
        await chat_back(context.bot_data["core"], chat)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with context, tell the user something went wrong (no details), keep serving."""
    if isinstance(context.error, Forbidden):
        log.info("user blocked the bot: %s", context.error)
        return
    chat = getattr(update, "effective_chat", None)
    user = getattr(update, "effective_user", None)
    # No chat id or message text in the log: the update id is enough to find it in a trace.
    log.error(
        "error while handling update %s", getattr(update, "update_id", "?"), exc_info=context.error
    )
    if chat is None:
        return
    language = normalise_language(
        getattr(user, "language_code", None), context.bot_data.get("default_language", "de")
    )
    t = Translator(language)
    try:
        if isinstance(update, Update) and update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(chat.id, went_wrong(t))
    except Exception:
        log.warning("could not tell the user about the error", exc_info=True)


async def _post_init(application: Application) -> None:
    """Register the command menus and the share link once the bot knows its username."""
    bot = application.bot
    default = application.bot_data.get("default_language", "de")
    for language in (None, *LANGUAGES):
        menu = command_menu(language or default)
        await bot.set_my_commands([BotCommand(c, d) for c, d in menu], language_code=language)
    username = bot.username
    services = application.bot_data["core"].services
    services.links.telegram_bot = username  # QR codes on notices open the bot
    services.share_links["telegram"] = lambda offer_id: (
        f"https://t.me/{username}?start=offer_{offer_id}"
    )
