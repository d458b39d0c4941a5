"""Building the PTB Application: one handler for messages, one for buttons, one for errors."""

from __future__ import annotations

import html
import logging

from telegram import BotCommand, Update
from telegram.error import Forbidden
from telegram.ext import (
    AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler, ContextTypes,
    MessageHandler, filters,
)
from telegram.request import BaseRequest

from handlers.commands import command_menu
from handlers.core import Nahbar
from handlers.i18n import LANGUAGES, Translator, normalise_language

from .convert import incoming
from .render import send

log = logging.getLogger(__name__)


def build_application(token: str, core: Nahbar, *, base_url: str | None = None,
                      base_file_url: str | None = None, request: BaseRequest | None = None,
                      rate_limit: bool = True, default_language: str = "de") -> Application:
    builder = ApplicationBuilder().token(token)
    if base_url:
        builder = builder.base_url(base_url)
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    application = builder.post_init(_post_init).build()
    application.bot_data.update(core=core, default_language=default_language)
    # Private chats only for now; anything but service messages reaches the core (a sticker or
    # a voice message gets the help text rather than silence).
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, on_update))
    application.add_handler(CallbackQueryHandler(on_update))
    application.add_error_handler(on_error)
    return application


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = incoming(update)
    query = update.callback_query
    if message is None:
        if query is not None:
            await query.answer()
        return
    replies = await context.bot_data["core"].handle(message)
    if query is not None:
        notice = next((r.notice for r in replies if r.notice), None)
        await query.answer(text=html.unescape(notice) if notice else None)
    for reply in replies:
        await send(context.bot, update.effective_chat.id, reply, query)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with context, tell the user something went wrong (no details), keep serving."""
    if isinstance(context.error, Forbidden):
        log.info("user blocked the bot: %s", context.error)
        return
    chat = getattr(update, "effective_chat", None)
    user = getattr(update, "effective_user", None)
    # No chat id or message text in the log: the update id is enough to find it in a trace.
    log.error("error while handling update %s", getattr(update, "update_id", "?"), exc_info=context.error)
    if chat is None:
        return
    language = normalise_language(getattr(user, "language_code", None),
                                  context.bot_data.get("default_language", "de"))
    t = Translator(language)
    try:
        if isinstance(update, Update) and update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(
            chat.id, t("Sorry, something went wrong on our side. Please try again in a moment.")
        )
    except Exception:  # noqa: BLE001 - the user cannot be told; the log has the first error
        log.warning("could not tell the user about the error", exc_info=True)


async def _post_init(application: Application) -> None:
    """Register the command menus and the share link once the bot knows its username."""
    bot = application.bot
    default = application.bot_data.get("default_language", "de")
    for language in (None, *LANGUAGES):
        menu = command_menu(language or default)
        await bot.set_my_commands([BotCommand(c, d) for c, d in menu], language_code=language)
    username = bot.username
    application.bot_data["core"].share_links["telegram"] = (
        lambda offer_id: f"https://t.me/{username}?start=offer_{offer_id}"
    )
