"""A change to a published offer that waits for a moderator, while residents keep seeing the
last approved version.

One row per offer holds the organiser's wanted values of the columns that differ from what is
on show (models.organising decides when a change waits and applies it on approval). The values
are stored as JSON, so a restart, a crash or a week's wait loses nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .accessibility import Wheelchair, YesNo
from .base import Base, UTCDateTime
from .offers import Cost, Offer

# The answers an organiser gives about an offer: what a change may touch, in the order the
# moderators see them. Status, owner, source and the cancelled days are not answers.
EDITABLE = (
    "category",
    "title",
    "description",
    "starts_local",
    "duration_minutes",
    "rrule",
    "exdates",
    "venue_name",
    "address",
    "place_name",
    "latitude",
    "longitude",
    "wheelchair",
    "toilets_wheelchair",
    "audio_loop",
    "cost",
    "price",
    "organiser",
    "contact",
)
# Columns holding an enum: stored by value, read back as the enum (None: not stated).
ENUMS = {"cost": Cost, "wheelchair": Wheelchair, "toilets_wheelchair": YesNo, "audio_loop": YesNo}


class OfferProposal(Base):
    """What the organiser (or an import with --review) wants changed; NULL author: an import."""

    __tablename__ = "offer_proposals"

    offer_id: Mapped[int] = mapped_column(
        ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True
    )
    # Erasing the author takes their unreviewed words with them (the offer stays as approved).
    proposed_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)  # column -> wanted value (JSON form)
    first_at: Mapped[datetime] = mapped_column(
        UTCDateTime
    )  # waiting since (the moderators' notice)
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # last changed


def values_of(offer: Offer) -> dict[str, Any]:
    """The offer's answers, comparable with another version's (exdates sorted)."""
    values = {column: getattr(offer, column) for column in EDITABLE}
    values["exdates"] = sorted(values["exdates"] or [])
    for column, kind in ENUMS.items():  # a new Offer may hold the plain string
        values[column] = kind(values[column]) if values[column] is not None else None
    values["cost"] = values["cost"] or Cost.FREE
    return values


def differences(offer: Offer, wanted: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """column -> (on show, wanted) for every answer that differs."""
    current = values_of(offer)
    return {c: (current[c], wanted[c]) for c in EDITABLE if c in wanted and wanted[c] != current[c]}


def _dump(column: str, value: Any) -> Any:
    if column == "starts_local":
        return value.isoformat()
    if column in ENUMS and value is not None:
        return ENUMS[column](value).value
    return value


def _load(column: str, value: Any) -> Any:
    if column == "starts_local":
        return datetime.fromisoformat(value)
    if column in ENUMS and value is not None:
        return ENUMS[column](value)
    return value


def wanted_values(proposal: OfferProposal) -> dict[str, Any]:
    """The stored changes as column values; anything unreadable is left out, never a crash."""
    out = {}
    for column, value in (
        (proposal.changes or {}).items() if isinstance(proposal.changes, dict) else ()
    ):
        if column in EDITABLE:
            try:
                out[column] = _load(column, value)
            except (TypeError, ValueError):
                continue
    return out


async def proposal_for(session: AsyncSession, offer_id: int) -> OfferProposal | None:
    return await session.get(OfferProposal, offer_id)


async def store(
    session: AsyncSession, offer: Offer, changes: dict[str, Any], *, by: int | None, now: datetime
) -> OfferProposal:
    """Keep `changes` (column -> wanted value) as the offer's waiting change, replacing the
    earlier wanted version (the waiting time counts from the first)."""
    proposal = await proposal_for(session, offer.id)
    if proposal is None:
        proposal = OfferProposal(offer_id=offer.id, first_at=now)
        session.add(proposal)
    proposal.changes = {c: _dump(c, v) for c, v in changes.items()}
    proposal.proposed_by, proposal.at = by, now
    await session.flush()
    return proposal


async def drop(session: AsyncSession, offer_id: int) -> bool:
    """Forget the offer's waiting change; True when there was one."""
    proposal = await proposal_for(session, offer_id)
    if proposal is None:
        return False
    await session.delete(proposal)
    await session.flush()
    return True


async def waiting_among(session: AsyncSession, source: str) -> set[int]:
    """Ids of the offers of an import source with a change waiting (one query for an import)."""
    return set(
        await session.scalars(
            select(OfferProposal.offer_id)
            .join(Offer, Offer.id == OfferProposal.offer_id)
            .where(Offer.source == source)
        )
    )


def as_proposed(offer: Offer, proposal: OfferProposal | None) -> Offer:
    """A detached copy of the offer with the waiting change applied (for the organiser's next
    edit and the moderator's preview); never added to a session."""
    copy = Offer(**{c.key: getattr(offer, c.key) for c in Offer.__table__.columns})
    for column, value in (wanted_values(proposal) if proposal is not None else {}).items():
        setattr(copy, column, value)
    return copy
