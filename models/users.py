"""People who talk to the bot, and where each conversation stands."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow
from .location import is_position_id, position_id, stored_point

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
    # As an organiser: "new" (offers are reviewed), "trusted" (published directly), "blocked".
    trust: Mapped[str] = mapped_column(String(16), default="new", server_default="new")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def address(self) -> str:
        return f"{self.platform}:{self.platform_id}"


class Conversation(Base):
    """Dialogue state per chat and member, so a restart in the middle of a conversation loses
    nothing and two members of a group chat never share a step."""

    __tablename__ = "conversations"

    chat: Mapped[str] = mapped_column(String(255), primary_key=True)  # "telegram:12345"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_group: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    state: Mapped[str] = mapped_column(String(32), default="idle")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def set_home(
    user: User, *, place_id: str, name: str, lat: float, lon: float, position: bool
) -> None:
    """Store the chosen home place. A `position` (shared or typed coordinates) is kept as
    precisely as the user allowed; its id comes from the stored value (models.location)."""
    if position:
        lat, lon = stored_point(lat, lon, user.consent_precise_location)
        place_id = position_id(lat, lon)
    user.home_place_id, user.home_place_name = place_id, name
    user.home_lat, user.home_lon = lat, lon


def set_precise_consent(user: User, allowed: bool) -> None:
    """Consent to keep positions precisely; withdrawing it coarsens the stored home at once."""
    user.consent_precise_location = allowed
    if (
        not allowed
        and is_position_id(user.home_place_id)
        and user.home_lat is not None
        and user.home_lon is not None
    ):
        set_home(
            user,
            place_id="",
            name=user.home_place_name or "",
            lat=user.home_lat,
            lon=user.home_lon,
            position=True,
        )
