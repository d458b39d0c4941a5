"""Settings from the environment and `.env`; every variable is described in `.env.example`."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE = "sqlite+aiosqlite:///var/nahbar.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(DEFAULT_DATABASE, validation_alias="DATABASE_URL")
    home_region: str = Field("Sachsen-Anhalt", validation_alias="NAHBAR_HOME_REGION")
    # auto: examples only for the terminal chat (no messenger configured); true; false.
    demo_data: Literal["auto", "true", "false"] = Field("auto", validation_alias="NAHBAR_DEMO_DATA")
    default_radius_km: int = Field(10, ge=1, le=100, validation_alias="NAHBAR_DEFAULT_RADIUS_KM")
    default_language: str = Field("de", validation_alias="NAHBAR_DEFAULT_LANGUAGE")
    log_level: str = Field("INFO", validation_alias="NAHBAR_LOG_LEVEL")

    telegram_bot_token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field("https://api.telegram.org/bot",
                                       validation_alias="TELEGRAM_API_BASE_URL")
    telegram_api_base_file_url: str | None = Field(None, validation_alias="TELEGRAM_API_BASE_FILE_URL")
    telegram_webhook_url: str | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_webhook_listen: str = Field("127.0.0.1", validation_alias="TELEGRAM_WEBHOOK_LISTEN")
    telegram_webhook_port: int = Field(8443, ge=1, le=65535, validation_alias="TELEGRAM_WEBHOOK_PORT")
    telegram_webhook_path: str = Field("telegram", validation_alias="TELEGRAM_WEBHOOK_PATH")

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        # People paste plain URLs; the store needs the async drivers.
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            return "postgresql+asyncpg://" + url.split("://", 1)[1]
        if url.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + url[len("sqlite:///"):]
        return url

    @field_validator("home_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        from places import REGIONS

        if value not in REGIONS.values():
            raise ValueError("NAHBAR_HOME_REGION must be a German state as spelled in GeoNames, "
                             "e.g. Sachsen-Anhalt or Sachsen")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("NAHBAR_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value.upper()

    @field_validator("demo_data", mode="before")
    @classmethod
    def _tri_state(cls, value):
        words = {"": "auto", "auto": "auto", "true": "true", "1": "true", "yes": "true", "on": "true",
                 "ja": "true", "false": "false", "0": "false", "no": "false", "off": "false",
                 "nein": "false"}
        key = str(value).strip().lower() if not isinstance(value, bool) else str(value).lower()
        if key not in words:
            raise ValueError("NAHBAR_DEMO_DATA must be auto, true or false")
        return words[key]

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in ("de", "en"):
            raise ValueError("NAHBAR_DEFAULT_LANGUAGE must be 'de' or 'en'")
        return value

    @field_validator("telegram_bot_token", "telegram_webhook_url", "telegram_webhook_secret",
                     "telegram_api_base_file_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value):
        return value or None

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # "<bot id>:<secret>" as @BotFather hands it out; catches pasted quotes, spaces, halves.
        if value is not None and not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", value.get_secret_value()):
            raise ValueError("TELEGRAM_BOT_TOKEN does not look like a bot token (<digits>:<letters>)")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_token_charset(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and - in the secret token.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET: 1-256 characters A-Z, a-z, 0-9, _ or -")
        return value

    @property
    def has_telegram(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def has_messenger(self) -> bool:
        """A messenger platform is configured (real residents may see the offers)."""
        return self.has_telegram

    @property
    def seed_demo_data(self) -> bool:
        """Examples go into an empty store when switched on, or by default for the terminal
        chat only: residents on a messenger must never mistake them for real meetings."""
        if self.demo_data == "auto":
            return not self.has_messenger
        return self.demo_data == "true"

    @property
    def telegram_file_url(self) -> str:
        """The file URL that goes with the API URL (".../bot" -> ".../file/bot")."""
        if self.telegram_api_base_file_url:
            return self.telegram_api_base_file_url
        head, _, tail = self.telegram_api_base_url.rstrip("/").rpartition("/")
        return f"{head}/file/{tail}"


@lru_cache
def get_settings(env_file: Path | None = None) -> Settings:
    return Settings(_env_file=env_file or ".env")
