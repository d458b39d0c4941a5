"""People who talk to the bot, and where each conversation stands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

DEFAULT_RADIUS_KM = 10


class User(Base):
    """A chat account. No name, no phone number: the platform id is all we need to answer."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("platform", "platform_id", name="uq_users_platform_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))  # "telegram", "matrix", "terminal"
    platform_id: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="de")
    # Home place: a town or postcode centroid, never a precise position unless consented to.
    home_place_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    home_place_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    home_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    home_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    radius_km: Mapped[int] = mapped_column(Integer, default=DEFAULT_RADIUS_KM)
    consent_precise_location: Mapped[bool] = mapped_column(Boolean, default=False)
    is_moderator: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def address(self) -> str:
        return f"{self.platform}:{self.platform_id}"


class Conversation(Base):
    """Dialogue state per chat, so a restart in the middle of a conversation loses nothing."""

    __tablename__ = "conversations"

    chat: Mapped[str] = mapped_column(String(255), primary_key=True)  # "telegram:12345"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(32), default="idle")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
