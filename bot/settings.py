"""Settings from the environment and `.env`; every variable is described in `.env.example`."""

from __future__ import annotations

import re
from datetime import time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from scheduler.planners import Planning
from scheduler.retention import Retention

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
    # "text" (readable lines) or "json" (one JSON object per line, for log collectors).
    log_format: Literal["text", "json"] = Field("text", validation_alias="NAHBAR_LOG_FORMAT")
    # host:port for /healthz, /readyz and /metrics (ops/) when the web face is off (they are
    # served beside it otherwise); empty: not served.
    ops_listen: str | None = Field(None, validation_alias="NAHBAR_OPS_LISTEN")

    telegram_bot_token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(
        "https://api.telegram.org/bot", validation_alias="TELEGRAM_API_BASE_URL"
    )
    telegram_api_base_file_url: str | None = Field(
        None, validation_alias="TELEGRAM_API_BASE_FILE_URL"
    )
    telegram_webhook_url: str | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(
        None, validation_alias="TELEGRAM_WEBHOOK_SECRET"
    )
    telegram_webhook_listen: str = Field("127.0.0.1", validation_alias="TELEGRAM_WEBHOOK_LISTEN")
    telegram_webhook_port: int = Field(
        8443, ge=1, le=65535, validation_alias="TELEGRAM_WEBHOOK_PORT"
    )
    telegram_webhook_path: str = Field("telegram", validation_alias="TELEGRAM_WEBHOOK_PATH")

    # The outbox dispatcher and the nightly retention job (scheduler/).
    outbox_every_seconds: float = Field(
        2.0, ge=0.5, le=60, validation_alias="NAHBAR_OUTBOX_EVERY_SECONDS"
    )
    outbox_batch: int = Field(100, ge=1, le=1000, validation_alias="NAHBAR_OUTBOX_BATCH")
    outbox_parallel: int = Field(4, ge=1, le=32, validation_alias="NAHBAR_OUTBOX_PARALLEL")
    outbox_lease_seconds: float = Field(
        60.0, ge=1, le=3600, validation_alias="NAHBAR_OUTBOX_LEASE_SECONDS"
    )
    outbox_max_attempts: int = Field(8, ge=1, le=100, validation_alias="NAHBAR_OUTBOX_MAX_ATTEMPTS")
    telegram_messages_per_second: float = Field(
        30.0, gt=0, le=1000, validation_alias="TELEGRAM_MESSAGES_PER_SECOND"
    )
    # The share of that rate weekly posts and alerts may use; the rest stays free for answers,
    # reminders and change notices (which always go first).
    bulk_share: float = Field(0.8, gt=0, le=1, validation_alias="NAHBAR_BULK_SHARE")
    keep_dialogue_days: int = Field(30, ge=1, le=3650, validation_alias="NAHBAR_KEEP_DIALOGUE_DAYS")
    keep_idle_user_days: int = Field(
        548, ge=1, le=3650, validation_alias="NAHBAR_KEEP_IDLE_USER_DAYS"
    )
    keep_ended_offer_days: int = Field(
        90, ge=1, le=3650, validation_alias="NAHBAR_KEEP_ENDED_OFFER_DAYS"
    )
    keep_outbox_days: int = Field(30, ge=1, le=3650, validation_alias="NAHBAR_KEEP_OUTBOX_DAYS")

    matrix_homeserver: str | None = Field(None, validation_alias="MATRIX_HOMESERVER")
    matrix_user_id: str | None = Field(None, validation_alias="MATRIX_USER_ID")
    matrix_password: SecretStr | None = Field(None, validation_alias="MATRIX_PASSWORD")
    matrix_access_token: SecretStr | None = Field(None, validation_alias="MATRIX_ACCESS_TOKEN")
    matrix_device_name: str = Field("Nahbar", validation_alias="MATRIX_DEVICE_NAME")
    matrix_store_path: Path = Field(Path("var/matrix"), validation_alias="MATRIX_STORE_PATH")
    # Comma-separated homeserver names; empty: invites from everywhere are accepted.
    matrix_allowed_servers: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias="MATRIX_ALLOWED_SERVERS"
    )

    # Organisers and moderators.
    moderators: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias="NAHBAR_MODERATORS"
    )
    # Coordinators: chat addresses, each optionally "=District" ("telegram:123=Harz").
    coordinators: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias="NAHBAR_COORDINATORS"
    )
    max_offers_per_day: int = Field(5, ge=1, le=100, validation_alias="NAHBAR_MAX_OFFERS_PER_DAY")
    geocoder: Literal["off", "nominatim"] = Field("off", validation_alias="NAHBAR_GEOCODER")

    # Reminders, digests and alerts (Berlin wall-clock times, HH:MM).
    reminder_evening: time = Field(time(18), validation_alias="NAHBAR_REMINDER_EVENING")
    alerts_at: time = Field(time(17), validation_alias="NAHBAR_ALERTS_AT")
    geocoder_user_agent: str = Field("", validation_alias="NAHBAR_GEOCODER_USER_AGENT")

    # The web face (web/): "host:port" to listen on, or "off".
    web_listen: str = Field("127.0.0.1:8080", validation_alias="NAHBAR_WEB_LISTEN")
    # Its address as people reach it (links, feeds, the notice's QR code); default: the listen
    # address.
    public_url: str = Field("", validation_alias="NAHBAR_PUBLIC_URL")
    web_requests_per_minute: int = Field(
        120, ge=1, le=100_000, validation_alias="NAHBAR_WEB_REQUESTS_PER_MINUTE"
    )
    # The coordinating office's phone number, printed on notices for people without a smartphone.
    phone: str = Field("", max_length=40, validation_alias="NAHBAR_PHONE")
    # For links on notices made by `nahbar aushang` (the running bot learns its name itself).
    telegram_bot_username: str = Field("", validation_alias="TELEGRAM_BOT_USERNAME")

    @field_validator("web_listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        value = value.strip()
        if value.lower() in ("off", "false", "no", "0", ""):
            return "off"
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("NAHBAR_WEB_LISTEN must be host:port (e.g. 127.0.0.1:8080) or off")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and (
            urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc
        ):
            raise ValueError(
                "NAHBAR_PUBLIC_URL must be a web address such as https://nahbar.example.org"
            )
        return value

    @field_validator("telegram_bot_username")
    @classmethod
    def _bot_username(cls, value: str) -> str:
        value = value.strip().removeprefix("@")
        if value and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", value):
            raise ValueError("TELEGRAM_BOT_USERNAME must be the bot's username, e.g. nahbar_bot")
        return value

    @property
    def web_address(self) -> tuple[str, int] | None:
        """(host, port) for the web face, None when it is off."""
        if self.web_listen == "off":
            return None
        host, _, port = self.web_listen.rpartition(":")
        return host.strip("[]"), int(port)

    @property
    def web_url(self) -> str:
        """The web face's address for links: NAHBAR_PUBLIC_URL, else the listen address."""
        if self.public_url:
            return self.public_url
        if self.web_address is None:
            return ""
        host, port = self.web_address
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    @field_validator("moderators", "coordinators", mode="before")
    @classmethod
    def _addresses(cls, value, info) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else list(value or ())
        addresses = tuple(dict.fromkeys(i.strip() for i in items if str(i).strip()))
        if info.field_name == "coordinators":
            from places.municipalities import load

            for entry in addresses:
                address, _, district = entry.partition("=")
                if not re.fullmatch(r"(terminal|telegram|matrix):\S{1,250}", address.strip()) or (
                    district.strip() and load().district_by_name(district) is None
                ):
                    raise ValueError(
                        "NAHBAR_COORDINATORS: comma-separated chat addresses, each "
                        "optionally with its district: telegram:123456=Harz, matrix:@a:example.org"
                    )
            return addresses
        for address in addresses:
            if not re.fullmatch(r"(terminal|telegram|matrix):\S{1,250}", address):
                raise ValueError(
                    "NAHBAR_MODERATORS: comma-separated chat addresses such as "
                    "telegram:123456, matrix:@mod:example.org or terminal:mod"
                )
        return addresses

    def coordinator_list(self):
        """NAHBAR_COORDINATORS as models.coordination.CoordinatorList (districts by key)."""
        from models.coordination import CoordinatorList
        from places.municipalities import load

        addresses = {}
        for entry in self.coordinators:
            address, _, district = entry.partition("=")
            addresses[address.strip()] = (
                load().district_by_name(district) or "" if district.strip() else ""
            )
        return CoordinatorList(addresses)

    @model_validator(mode="after")
    def _geocoder_needs_an_agent(self):
        if self.geocoder == "nominatim" and len(self.geocoder_user_agent.strip()) < 8:
            raise ValueError(
                "NAHBAR_GEOCODER=nominatim needs NAHBAR_GEOCODER_USER_AGENT: your "
                "application's name and a contact, as Nominatim's usage policy asks"
            )
        return self

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        # People paste plain URLs; the store needs the async drivers.
        if url.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + url.split("://", 1)[1]
        if url.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
        return url

    @field_validator("home_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        from places import REGIONS

        if value not in REGIONS.values():
            raise ValueError(
                "NAHBAR_HOME_REGION must be a German state as spelled in GeoNames, "
                "e.g. Sachsen-Anhalt or Sachsen"
            )
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_word(cls, value):
        return str(value or "text").strip().lower()

    @field_validator("ops_listen", mode="before")
    @classmethod
    def _listen_address(cls, value):
        if value is None or not str(value).strip():
            return None
        host, _, port = str(value).strip().rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError("NAHBAR_OPS_LISTEN must be host:port, e.g. 127.0.0.1:9464")
        return f"{host}:{port}"

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("NAHBAR_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value.upper()

    @field_validator("demo_data", mode="before")
    @classmethod
    def _tri_state(cls, value):
        words = {
            "": "auto",
            "auto": "auto",
            "true": "true",
            "1": "true",
            "yes": "true",
            "on": "true",
            "ja": "true",
            "false": "false",
            "0": "false",
            "no": "false",
            "off": "false",
            "nein": "false",
        }
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

    @field_validator(
        "telegram_bot_token",
        "telegram_webhook_url",
        "telegram_webhook_secret",
        "telegram_api_base_file_url",
        "matrix_homeserver",
        "matrix_user_id",
        "matrix_password",
        "matrix_access_token",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value):
        return value or None

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # "<bot id>:<secret>" as @BotFather hands it out; catches pasted quotes, spaces, halves.
        if value is not None and not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", value.get_secret_value()):
            raise ValueError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (<digits>:<letters>)"
            )
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_token_charset(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and - in the secret token.
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET: 1-256 characters A-Z, a-z, 0-9, _ or -")
        return value

    @field_validator("matrix_homeserver")
    @classmethod
    def _homeserver_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("MATRIX_HOMESERVER must be a URL such as https://matrix.example.org")
        return value.strip().rstrip("/")

    @field_validator("matrix_user_id")
    @classmethod
    def _user_id_shape(cls, value: str | None) -> str | None:
        # "@localpart:server.name[:port]"; lenient about historical localparts.
        if value is not None and not re.fullmatch(r"@[^:\s]+:[A-Za-z0-9.-]+(:\d+)?", value.strip()):
            raise ValueError("MATRIX_USER_ID must look like @nahbar:example.org")
        return value.strip() if value is not None else None

    @field_validator("matrix_device_name")
    @classmethod
    def _device_name(cls, value: str) -> str:
        return value.strip()[:100] or "Nahbar"

    @field_validator("matrix_allowed_servers", mode="before")
    @classmethod
    def _server_list(cls, value) -> tuple[str, ...]:
        if value is None:
            return ()
        items = value.split(",") if isinstance(value, str) else value
        servers = tuple(dict.fromkeys(str(s).strip().lower() for s in items if str(s).strip()))
        for server in servers:
            if not re.fullmatch(r"[a-z0-9.-]+(:\d+)?", server):
                raise ValueError(
                    "MATRIX_ALLOWED_SERVERS: comma-separated server names, "
                    "e.g. example.org,matrix.example.de"
                )
        return servers

    @model_validator(mode="after")
    def _matrix_complete(self) -> Settings:
        """Matrix needs the homeserver, the bot's user id and one way to log in, or none of it."""
        given = {
            "MATRIX_HOMESERVER": self.matrix_homeserver,
            "MATRIX_USER_ID": self.matrix_user_id,
            "MATRIX_PASSWORD or MATRIX_ACCESS_TOKEN": self.matrix_password
            or self.matrix_access_token,
        }
        if any(given.values()) and not all(given.values()):
            missing = ", ".join(name for name, value in given.items() if not value)
            raise ValueError(f"Matrix is partly configured; also set {missing}")
        return self

    @property
    def has_matrix(self) -> bool:
        return bool(
            self.matrix_homeserver
            and self.matrix_user_id
            and (self.matrix_password or self.matrix_access_token)
        )

    @field_validator("reminder_evening", "alerts_at")
    @classmethod
    def _whole_minutes(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("a Berlin wall-clock time such as 18:00, without a time zone")
        return value.replace(second=0, microsecond=0)

    @property
    def planning(self) -> Planning:
        # Matrix has no published limit; the same pace keeps a homeserver's rate limits happy.
        rates = {
            "telegram": self.telegram_messages_per_second * self.bulk_share,
            "matrix": 30 * self.bulk_share,
        }
        return Planning(evening=self.reminder_evening, alerts_at=self.alerts_at, bulk_rates=rates)

    @property
    def retention(self) -> Retention:
        return Retention(
            dialogue=timedelta(days=self.keep_dialogue_days),
            idle_user=timedelta(days=self.keep_idle_user_days),
            ended_offer=timedelta(days=self.keep_ended_offer_days),
            outbox=timedelta(days=self.keep_outbox_days),
        )

    @property
    def has_telegram(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def has_messenger(self) -> bool:
        """A messenger platform is configured (real residents may see the offers)."""
        return self.has_telegram or self.has_matrix

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
