"""Running the Telegram bot: long polling or webhook, clean shutdown on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import sys

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from scheduler import RateLimiter, stop_scheduler

from ..app import open_app
from ..settings import Settings
from .application import build_application
from .messenger import TelegramMessenger

log = logging.getLogger(__name__)
EXIT_BAD_TOKEN = 3
EXIT_UNREACHABLE = 4


async def run_telegram(settings: Settings) -> int:
    assert settings.telegram_bot_token is not None
    async with open_app(settings) as app:
        # One budget for turn replies and outbox messages (bot.telegram.messenger).
        limiter = RateLimiter(overall_per_second=settings.telegram_messages_per_second)
        application = build_application(
            settings.telegram_bot_token.get_secret_value(), app.core,
            base_url=settings.telegram_api_base_url, base_file_url=settings.telegram_file_url,
            limiter=limiter, default_language=settings.default_language,
        )
        try:
            await application.initialize()  # getMe: the token is checked here
        except InvalidToken:
            print("nahbar: Telegram rejected the bot token (TELEGRAM_BOT_TOKEN). "
                  "Check it with @BotFather.", file=sys.stderr)
            return EXIT_BAD_TOKEN
        except NetworkError as exc:
            print(f"nahbar: cannot reach the Telegram Bot API at {settings.telegram_api_base_url}: {exc}",
                  file=sys.stderr)
            return EXIT_UNREACHABLE
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        scheduler = app.scheduler(TelegramMessenger(application.bot))
        try:
            if application.post_init:
                await application.post_init(application)
            await application.start()
            await _start_updates(application, settings)
            scheduler.start()
            log.info("nahbar is running on Telegram as @%s", application.bot.username)
            await stop.wait()
            log.info("shutting down")
        finally:
            if scheduler.running:
                await stop_scheduler(scheduler)
            if application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
            await application.shutdown()
    return 0


async def _start_updates(application, settings: Settings) -> None:
    updater = application.updater
    if not settings.telegram_webhook_url:
        await updater.start_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY],
                                    drop_pending_updates=False)
        return
    secret = (settings.telegram_webhook_secret.get_secret_value()
              if settings.telegram_webhook_secret else secrets.token_urlsafe(32))
    await updater.start_webhook(
        listen=settings.telegram_webhook_listen, port=settings.telegram_webhook_port,
        url_path=settings.telegram_webhook_path, webhook_url=settings.telegram_webhook_url,
        secret_token=secret, allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY],
    )
