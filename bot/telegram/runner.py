"""Telegram as a platform of the runner (bot/app.py): long polling or webhook."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from contracts.platform import EXIT_BAD_CREDENTIALS, EXIT_UNREACHABLE, EXIT_USAGE, PlatformFailed
from handlers.core import Nahbar
from scheduler.leadership import process_name
from scheduler.ratelimit import DatabaseRateLimiter

from ..settings import Settings
from .application import build_application
from .messenger import TelegramMessenger
from .webhook import WebhookIntake, derived_secret

log = logging.getLogger(__name__)
# Messages, button presses, and the bot's own membership (blocked, unblocked, removed).
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]


class TelegramPlatform:
    name = "telegram"
    leader_only = False  # every process takes its share of the updates

    def __init__(self, settings: Settings, core: Nahbar, worker: str | None = None) -> None:
        assert settings.telegram_bot_token is not None
        self.settings = settings
        self.core = core
        self.worker = worker or process_name()
        self.failed: asyncio.Future = asyncio.get_running_loop().create_future()
        # One budget for turn replies and outbox messages (bot.telegram.messenger), shared
        # through the database with every other process of this bot.
        limiter = DatabaseRateLimiter(
            core.sessions.kw["bind"],
            "telegram",
            overall_per_second=settings.telegram_messages_per_second,
            bulk_share=settings.bulk_share,
        )
        self.application = build_application(
            settings.telegram_bot_token.get_secret_value(),
            core,
            base_url=settings.telegram_api_base_url,
            base_file_url=settings.telegram_file_url,
            limiter=limiter,
            default_language=settings.default_language,
        )
        self.messenger = TelegramMessenger(self.application.bot)
        self.intake: WebhookIntake | None = None
        self._initialized = False

    async def start(self) -> None:
        application = self.application
        try:
            await application.initialize()  # getMe: the token is checked here
        except InvalidToken:
            raise PlatformFailed(
                "Telegram rejected the bot token (TELEGRAM_BOT_TOKEN). Check it with @BotFather.",
                EXIT_BAD_CREDENTIALS,
            ) from None
        except NetworkError as exc:
            raise PlatformFailed(
                f"cannot reach the Telegram Bot API at "
                f"{self.settings.telegram_api_base_url}: {exc}",
                EXIT_UNREACHABLE,
            ) from None
        self._initialized = True
        if application.post_init:
            await application.post_init(application)
        await application.start()
        if self.settings.telegram_webhook_url:
            await self._start_webhook()
        else:
            await application.updater.start_polling(
                allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
            )
        log.info("Telegram bot @%s is receiving", application.bot.username)

    async def _start_webhook(self) -> None:
        """Listen first, then tell Telegram where to post (every worker tells it the same)."""
        s = self.settings
        secret = (
            s.telegram_webhook_secret.get_secret_value()
            if s.telegram_webhook_secret
            else derived_secret(s.telegram_bot_token.get_secret_value())
        )
        self.intake = WebhookIntake(
            self.application,
            self.core.sessions,
            secret=secret,
            listen=s.telegram_webhook_listen,
            port=s.telegram_webhook_port,
            path=s.telegram_webhook_path,
            worker=self.worker,
        )
        try:
            await self.intake.start()
        except OSError as exc:
            raise PlatformFailed(
                f"cannot listen for Telegram's webhook on "
                f"{s.telegram_webhook_listen}:{s.telegram_webhook_port} ({exc.strerror or exc}); "
                "check TELEGRAM_WEBHOOK_LISTEN and TELEGRAM_WEBHOOK_PORT",
                EXIT_USAGE,
            ) from None
        await self.application.bot.set_webhook(
            s.telegram_webhook_url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )

    async def stop(self) -> None:
        application = self.application
        if self.intake is not None:
            await self.intake.stop()
        if application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        if self._initialized:
            await application.shutdown()
