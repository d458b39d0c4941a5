"""Meeting offers and their materialised occurrences."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accessibility import Wheelchair, YesNo
from .base import Base, EpochSeconds, UTCDateTime, utcnow
from .geo import cell_of
from .schedule import Schedule


class OfferStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING = "pending"  # waiting for a moderator
    PUBLISHED = "published"
    PAUSED = "paused"  # the organiser took a break; residents do not see it
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class Cost(enum.StrEnum):
    FREE = "free"
    DONATION = "donation"
    PRICE = "price"
    NOT_STATED = "not_stated"  # nobody said: never shown as free


def _enum(cls: type[enum.Enum]) -> Enum:
    # Plain VARCHAR + CHECK on both databases: adding a value later is a simple migration.
    return Enum(
        cls,
        native_enum=False,
        length=16,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Offer(Base):
    __tablename__ = "offers"
    __table_args__ = (
        # One offer per event of an imported feed: re-importing updates it instead of adding one.
        UniqueConstraint("source", "external_id", name="uq_offers_source_external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32), default="other")
    # Organiser and contact are what a person entered about themselves: erasing the owner
    # blanks them (models.erasure), the offer itself stays.
    organiser: Mapped[str] = mapped_column(String(120), default="", info={"personal": True})
    venue_name: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    place_name: Mapped[str] = mapped_column(String(80), default="")  # the village or town
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)

    # Accessibility as OpenStreetMap/Wheelmap values (models.accessibility): None means "not
    # stated", which is different from "no".
    wheelchair: Mapped[Wheelchair | None] = mapped_column(_enum(Wheelchair), nullable=True)
    toilets_wheelchair: Mapped[YesNo | None] = mapped_column(_enum(YesNo), nullable=True)
    audio_loop: Mapped[YesNo | None] = mapped_column(_enum(YesNo), nullable=True)

    cost: Mapped[Cost] = mapped_column(_enum(Cost), default=Cost.NOT_STATED)
    price: Mapped[str] = mapped_column(String(60), default="")  # e.g. "3 € mit Kuchen"
    contact: Mapped[str] = mapped_column(String(200), default="", info={"personal": True})

    status: Mapped[OfferStatus] = mapped_column(
        _enum(OfferStatus), default=OfferStatus.DRAFT, index=True
    )
    is_example: Mapped[bool] = mapped_column(Boolean, default=False)  # demo data, marked as such
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # Where an imported offer came from (a feed's stable name, e.g. the file name) and its key
    # there (iCalendar UID, UID + RECURRENCE-ID, or a CSV id); NULL for offers posted in chat.
    review_note: Mapped[str] = mapped_column(
        String(500), default="", server_default=""
    )  # to the organiser
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    source: Mapped[str | None] = mapped_column(String(80), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(255), nullable=True)

    # Schedule, in Berlin wall-clock time (see models.schedule).
    starts_local: Mapped[datetime] = mapped_column()
    duration_minutes: Mapped[int] = mapped_column(Integer, default=120)
    rrule: Mapped[str | None] = mapped_column(String(200), nullable=True)
    exdates: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO local dates the rule skips
    # ISO local dates cancelled on purpose (by the organiser, a moderator or an imported
    # calendar) after residents could see them. Kept apart from the rule's own exceptions, so a
    # new time, rule or text never brings one back: while a day is listed here, the offer has
    # no gathering on that calendar day, whatever its schedule (models.organising).
    cancelled_days: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # Occurrences exist in the table up to this moment (UTC); the scheduler extends it.
    materialised_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Indexed: the web's feeds ask for the newest change to answer "not modified" cheaply.
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    occurrences: Mapped[list[Occurrence]] = relationship(
        back_populates="offer", cascade="all, delete-orphan", passive_deletes=True
    )

    def where_parts(self) -> list[str]:
        """Venue, address and town, each once ("Pfarrhaus", "Markt 4, Quedlinburg")."""
        parts = [" ".join(p.split()) for p in (self.venue_name, self.address) if p and p.strip()]
        town = " ".join((self.place_name or "").split())
        if town and not any(town.casefold() in p.casefold() for p in parts):
            parts.append(town)
        return parts

    @property
    def schedule(self) -> Schedule:
        """When it takes place: the rule without its exceptions and without the cancelled days."""
        return self.rule_schedule.without(self.cancelled_dates)

    @property
    def rule_schedule(self) -> Schedule:
        """The schedule as the organiser wrote it, cancelled days still in it."""
        return Schedule(
            start=self.starts_local,
            duration=timedelta(minutes=self.duration_minutes),
            rrule=self.rrule or None,
            exdates=frozenset(date.fromisoformat(d) for d in self.exdates or ()),
        )

    @property
    def cancelled_dates(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(d) for d in self.cancelled_days or ())


class Occurrence(Base):
    """One dated gathering of a published offer, copied out of its schedule for fast search.

    Location and category are repeated here so the nearby search reads one index in time order
    inside a few geo cells and never joins until it has its few results.
    """

    __tablename__ = "occurrences"
    __table_args__ = (
        # Covers every column the search filters on, so walking a cell in time order never
        # touches the table for rows outside the bounding box. On PostgreSQL it also carries
        # the id (SQLite's index entries hold the rowid, which is the id): the walk then reads
        # the index alone (an index-only scan), not the table for each row it returns.
        Index(
            "ix_occurrences_walk",
            "cell",
            "starts_at",
            "ends_at",
            "latitude",
            "longitude",
            "category",
            "offer_id",
            postgresql_include=["id"],
        ),
        Index("ix_occurrences_offer_start", "offer_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(EpochSeconds)
    ends_at: Mapped[datetime] = mapped_column(EpochSeconds)
    cell: Mapped[int] = mapped_column(Integer)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(32))

    offer: Mapped[Offer] = relationship(back_populates="occurrences")

    @classmethod
    def of(cls, offer: Offer, starts_at: datetime, ends_at: datetime) -> Occurrence:
        return cls(
            offer_id=offer.id,
            starts_at=starts_at,
            ends_at=ends_at,
            cell=cell_of(offer.latitude, offer.longitude),
            latitude=offer.latitude,
            longitude=offer.longitude,
            category=offer.category,
        )


class CellSpan(Base):
    """The longest gathering (seconds) ever listed in a geo cell's occurrences.

    A search from `start` must also find gatherings that began earlier and are still running;
    walking each cell from start minus this span, not minus MAX_DURATION (24 hours), reads only
    the rows that can be running then. It only grows (models.occurrences writes it with the
    occurrences, in the same transaction), so it is never shorter than what the cell holds.
    """

    __tablename__ = "cell_spans"

    cell: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    longest: Mapped[int] = mapped_column(Integer)  # seconds
